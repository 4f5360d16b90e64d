/**
 * Pool forms from mcrouter's suite (`test_mcrouter_basic.py` TestMcrouterPortOverride,
 * `McRouteHandleProvider-inl.h`'s `"Pool"` type) against real memcached: a `{"type": "Pool"}`
 * object among a route's children, and a pool's `port_override`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directGet } from '../helpers/direct.js';
import { proxyGet, proxySet, withProxy } from '../helpers/route-test.js';

let a: Memcached;
let b: Memcached;
beforeAll(async () => {
  [a, b] = await Promise.all([Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

describe('pool forms', () => {
  test('{"type": "Pool", name, servers} among children: one handle per server, as "Pool|<name>"', async () => {
    await withProxy(
      {
        route: {
          type: 'AllSyncRoute',
          children: [{ type: 'Pool', name: 'P', servers: [a.address, b.address] }],
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'both', 'v')).toBe('STORED\r\n');
        expect(await directGet(a, 'both')).toBe('VALUE both 0 1\r\nv\r\nEND\r\n');
        expect(await directGet(b, 'both')).toBe('VALUE both 0 1\r\nv\r\nEND\r\n');
      },
    );
  });

  test('port_override: servers without a port (or with another) use the pool port', async () => {
    await withProxy(
      {
        pools: { foo: { servers: ['127.0.0.1', '127.0.0.1:1'], port_override: '@int(%PORT%)' } },
        route: { type: 'AllSyncRoute', children: 'Pool|foo' },
      },
      async (cl) => {
        expect(await proxySet(cl, 'key', 'value')).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBe('value');
        expect(await directGet(a, 'key')).toBe('VALUE key 0 5\r\nvalue\r\nEND\r\n');
      },
      { configParams: { PORT: String(a.port) } },
    );
  });

  test('port_override out of range, and a port-less server without it, are config errors', async () => {
    const none = async (): Promise<void> => {
      /* not reached */
    };
    await expect(
      withProxy(
        { pools: { foo: { servers: ['127.0.0.1'], port_override: 70000 } }, route: 'PoolRoute|foo' },
        none,
      ),
    ).rejects.toThrow('pools.foo.port_override: port_override must be in [1, 65535]');
    await expect(
      withProxy({ pools: { foo: { servers: ['127.0.0.1'] } }, route: 'PoolRoute|foo' }, none),
    ).rejects.toThrow('pools.foo.servers[0]: invalid server "127.0.0.1": expected host:port');
  });
});
