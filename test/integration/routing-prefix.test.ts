/**
 * Routing prefixes, multiple routes, PrefixSelectorRoute and named handles against real memcached
 * (`mcrouter/ProxyConfig.cpp`, `mcrouter/routes/PrefixSelectorRoute.h`, `mcrouter/routes/RootRoute.h`; mcrouter tests `test_routing_prefixes.py`, `TestMcrouterBasic.test_invalid_key`,
 * `TestMcrouterInvalidRoute`, `test_named_handles.py`, `mcrouter/test/` #22, #24, #25).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directGet, directSet } from '../helpers/direct.js';
import { ask, memcachedStat, proxyGet, proxySet, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';

let aa: Memcached;
let ab: Memcached;
let ba: Memcached;
let bb: Memcached;

beforeAll(async () => {
  [aa, ab, ba, bb] = await Promise.all([
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
  ]);
});
afterAll(async () => {
  await Promise.all([aa, ab, ba, bb].map((m) => m.stop()));
});
beforeEach(async () => {
  for (const x of [aa, ab, ba, bb]) {
    const cl = await RawClient.connect(x.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

const has = async (m: Memcached, key: string, value: string): Promise<boolean> =>
  (await directGet(m, key)) === `VALUE ${key} 0 ${value.length}\r\n${value}\r\nEND\r\n`;

/** Four clusters a/a, a/b, b/a, b/b, one pool each; `keep` pools keep the routing prefix. */
function clusters(extraRoutes: Record<string, unknown> = {}, keep = false): unknown {
  return {
    pools: {
      AA: { servers: [aa.address], keep_routing_prefix: keep },
      AB: { servers: [ab.address], keep_routing_prefix: keep },
      BA: { servers: [ba.address], keep_routing_prefix: keep },
      BB: { servers: [bb.address], keep_routing_prefix: keep },
    },
    routes: [
      { aliases: ['/a/a/'], route: 'PoolRoute|AA' },
      { aliases: ['/a/b/'], route: 'PoolRoute|AB' },
      { aliases: ['/b/a/'], route: 'PoolRoute|BA' },
      { aliases: ['/b/b/'], route: 'PoolRoute|BB' },
      ...Object.entries(extraRoutes).map(([alias, route]) => ({ aliases: [alias], route })),
    ],
  };
}
const R = { routePrefix: '/a/a/' };

describe('routing prefixes (mcrouter test_routing_prefixes.py, `mcrouter/test/` #25)', () => {
  test('keep_routing_prefix per pool across /*/*/: stripped on one cluster, kept on the others', async () => {
    const allSync = {
      type: 'AllSyncRoute',
      name: 'all-sync',
      children: ['PoolRoute|A', 'PoolRoute|B', 'PoolRoute|C', 'PoolRoute|D'],
    };
    const policy = (c: string): unknown => ({
      type: 'PrefixPolicyRoute',
      default_policy: `PoolRoute|${c}`,
      operation_policies: { delete: allSync },
    });
    const cfg = {
      pools: {
        A: { servers: [aa.address], keep_routing_prefix: false },
        B: { servers: [ab.address], keep_routing_prefix: true },
        C: { servers: [ba.address], keep_routing_prefix: true },
        D: { servers: [bb.address], keep_routing_prefix: true },
      },
      routes: [
        { aliases: ['/a/a/'], route: policy('A') },
        { aliases: ['/b/b/'], route: policy('B') },
        { aliases: ['/c/c/'], route: policy('C') },
        { aliases: ['/d/d/'], route: policy('D') },
      ],
    };
    await withProxy(
      cfg,
      async (cl) => {
        expect(await proxySet(cl, 'testkeylocal', 'testvalue')).toBe('STORED\r\n');
        expect(await has(aa, 'testkeylocal', 'testvalue')).toBe(true);
        for (const m of [ab, ba, bb]) expect(await directGet(m, 'testkeylocal')).toBe('END\r\n');
        expect(await proxySet(cl, '/*/*/testkey-routing', 'testvalue')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await has(aa, 'testkey-routing', 'testvalue')).toBe(true);
            for (const m of [ab, ba, bb])
              expect(await has(m, '/*/*/testkey-routing', 'testvalue')).toBe(true);
          },
          { timeout: 5000 },
        );
        // The same named AllSyncRoute serves every cluster's deletes.
        expect(await ask(cl, 'delete testkeylocal\r\n')).toBe('NOT_FOUND\r\n');
        expect(await directGet(aa, 'testkeylocal')).toBe('END\r\n');
      },
      R,
    );
  });

  test('fallback: /a/foobar/ goes to /a/fallback/ (mcrouter TestFallbackRouting)', async () => {
    await withProxy(
      clusters({ '/a/fallback/': 'PoolRoute|AA' }),
      async (cl) => {
        expect(await proxySet(cl, '/*/*/key', 'orig')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            for (const m of [aa, ab, ba, bb]) expect(await has(m, 'key', 'orig')).toBe(true);
          },
          { timeout: 5000 },
        );
        expect(await proxySet(cl, '/a/foobar/key', 'value1')).toBe('STORED\r\n');
        expect(await has(aa, 'key', 'value1')).toBe(true);
        for (const m of [ab, ba, bb]) expect(await has(m, 'key', 'orig')).toBe(true);
        expect(await ask(cl, 'get /b/foobar/key\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
      },
      R,
    );
  });

  test('glob prefixes: /*/a/, /b*/*/, /b/*b*/ (mcrouter TestCustomRoutingPrefixes)', async () => {
    await withProxy(
      clusters(),
      async (cl) => {
        expect(await proxySet(cl, '/*/a/key', 'value')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await has(aa, 'key', 'value')).toBe(true);
            expect(await has(ba, 'key', 'value')).toBe(true);
          },
          { timeout: 5000 },
        );
        expect(await directGet(ab, 'key')).toBe('END\r\n');
        expect(await proxySet(cl, '/b*/*/key', 'value2')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await has(ba, 'key', 'value2')).toBe(true);
            expect(await has(bb, 'key', 'value2')).toBe(true);
          },
          { timeout: 5000 },
        );
        expect(await has(aa, 'key', 'value')).toBe(true);
        expect(await proxySet(cl, '/b/*b*/key', 'value3')).toBe('STORED\r\n');
        expect(await has(bb, 'key', 'value3')).toBe(true);
        expect(await has(ba, 'key', 'value2')).toBe(true);
      },
      R,
    );
  });

  test('/r/*/: every cluster of region r, the default cluster answering first', async () => {
    await directSet(aa, 'k', 'from-aa');
    await directSet(ab, 'k', 'from-ab');
    await withProxy(
      clusters(),
      async (cl) => {
        expect(await proxyGet(cl, '/a/*/k')).toBe('from-aa');
        expect(await proxySet(cl, '/a/*/r', 'v')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await has(aa, 'r', 'v')).toBe(true);
            expect(await has(ab, 'r', 'v')).toBe(true);
          },
          { timeout: 5000 },
        );
        expect(await directGet(ba, 'r')).toBe('END\r\n');
        expect(await ask(cl, 'get /c/*/k\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
      },
      R,
    );
  });

  test('an unknown prefix (mcrouter test_invalid_key, #22): set and get are SERVER_ERROR RootRoute: No rh found', async () => {
    await withProxy(
      clusters(),
      async (cl) => {
        expect(await proxySet(cl, '/blah/bloh/key', 'value')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
        expect(await ask(cl, 'get /blah/bloh/key\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
      },
      R,
    );
  });

  test('--send-invalid-route-to-default (mcrouter TestMcrouterInvalidRoute, #22): unknown prefixes and globs use the default route', async () => {
    await withProxy(
      { pools: { A: { servers: [aa.address] } }, route: 'PoolRoute|A' },
      async (cl) => {
        expect(await proxySet(cl, 'key', 'value')).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBe('value');
        expect(await proxySet(cl, '/././key', 'value2')).toBe('STORED\r\n');
        for (const k of ['/././key', '/f/f/key', '/test/test/key', 'key'])
          expect(await proxyGet(cl, k)).toBe('value2');
        expect(await proxySet(cl, '/a/a/key', 'value3')).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBe('value3');
        expect(await proxySet(cl, '/*/a/key', 'value4')).toBe('STORED\r\n');
        expect(await proxyGet(cl, '/a/a/key')).toBe('value4');
        expect(await proxySet(cl, '/*/*/key', 'value5')).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBe('value5');
      },
      { sendInvalidRouteToDefault: true },
    );
  });

  test('routes as an object, several aliases per entry, and -R choosing the default', async () => {
    await withProxy(
      {
        pools: { A: { servers: [aa.address] }, B: { servers: [bb.address] } },
        routes: { '/x/y/': 'PoolRoute|A', '/b/b/': 'PoolRoute|B' },
      },
      async (cl) => {
        expect(await proxySet(cl, 'plain', 'v')).toBe('STORED\r\n');
        expect(await has(bb, 'plain', 'v')).toBe(true);
        expect(await proxySet(cl, '/x/y/other', 'w')).toBe('STORED\r\n');
        expect(await has(aa, 'other', 'w')).toBe(true);
      },
      { routePrefix: '/b/b/' },
    );
    await withProxy(
      {
        pools: { A: { servers: [aa.address] } },
        routes: [{ aliases: ['/././', '/one/two/', '/three/four/'], route: 'PoolRoute|A' }],
      },
      async (cl) => {
        expect(await proxySet(cl, '/one/two/k1', '1')).toBe('STORED\r\n');
        expect(await proxySet(cl, '/three/four/k2', '2')).toBe('STORED\r\n');
        expect(await has(aa, 'k1', '1')).toBe(true);
        expect(await has(aa, 'k2', '2')).toBe(true);
        // Three aliases of one route: /*/*/ sends once (a second delete would be a miss; a later
        // request on the same connection to the server comes after any background one).
        const misses = await memcachedStat(aa, 'delete_misses');
        expect(await ask(cl, 'delete /*/*/k1\r\n')).toBe('DELETED\r\n');
        expect(await proxyGet(cl, 'k2')).toBe('2');
        expect(await memcachedStat(aa, 'delete_misses')).toBe(misses);
      },
    );
  });

  test('config errors: no alias for the default prefix; both route and routes; a malformed alias', async () => {
    const fails = (cfg: unknown, message: string): Promise<void> =>
      expect(
        withProxy(cfg, async () => {
          /* not reached */
        }),
      ).rejects.toThrow(message);
    await fails({ routes: { '/a/b/': 'NullRoute' } }, 'routes: invalid default route: /././');
    await fails(
      { route: 'NullRoute', routes: {} },
      "Invalid config: both 'route' and 'routes' are specified",
    );
    await fails(
      { routes: [{ aliases: ['/a/'], route: 'NullRoute' }] },
      'routes[0].aliases[0]: invalid routing prefix "/a/"',
    );
    await fails({ routes: [{ aliases: ['/././'] }] }, 'routes[0]: RoutePolicy: no route');
  });
});

describe('PrefixSelectorRoute (`mcrouter/routes/PrefixSelectorRoute.h`): longest prefix of the routing key, else the wildcard', () => {
  test('longest match wins; the wildcard takes the rest', async () => {
    await withProxy(
      {
        pools: { A: { servers: [aa.address] }, B: { servers: [ab.address] }, C: { servers: [ba.address] } },
        route: {
          type: 'PrefixSelectorRoute',
          policies: { a: 'PoolRoute|A', ab: 'PoolRoute|B' },
          wildcard: 'PoolRoute|C',
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'abc', '1')).toBe('STORED\r\n');
        expect(await proxySet(cl, 'axe', '2')).toBe('STORED\r\n');
        expect(await proxySet(cl, 'zzz', '3')).toBe('STORED\r\n');
        expect(await proxySet(cl, 'ab', '4')).toBe('STORED\r\n');
        expect(await has(ab, 'abc', '1')).toBe(true);
        expect(await has(aa, 'axe', '2')).toBe(true);
        expect(await has(ba, 'zzz', '3')).toBe(true);
        expect(await has(ab, 'ab', '4')).toBe(true);
      },
    );
  });

  test('without a wildcard an unmatched key has no route; per-alias selectors on the routing key', async () => {
    await withProxy(
      {
        pools: { A: { servers: [aa.address] }, B: { servers: [bb.address] } },
        routes: {
          '/././': { type: 'PrefixSelectorRoute', policies: { x: 'PoolRoute|A' } },
          '/b/b/': { type: 'PrefixSelectorRoute', policies: { x: 'PoolRoute|B' }, wildcard: 'PoolRoute|B' },
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'xa', '1')).toBe('STORED\r\n');
        expect(await has(aa, 'xa', '1')).toBe(true);
        expect(await proxySet(cl, 'ya', '2')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
        expect(await proxySet(cl, '/b/b/xb', '3')).toBe('STORED\r\n');
        expect(await has(bb, 'xb', '3')).toBe(true);
        // /*/*/: the default alias picks nothing for "yb", so /b/b/ alone answers.
        expect(await proxySet(cl, '/*/*/yb', '4')).toBe('STORED\r\n');
        expect(await has(bb, 'yb', '4')).toBe(true);
        expect(await directGet(aa, 'yb')).toBe('END\r\n');
      },
    );
  });

  test('only valid at the top level: nested it is an unknown type; it needs policies or a wildcard', async () => {
    await expect(
      withProxy(
        {
          route: { type: 'AllSyncRoute', children: [{ type: 'PrefixSelectorRoute', wildcard: 'NullRoute' }] },
        },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow('route.children[0]: Unknown RouteHandle: PrefixSelectorRoute');
    await expect(
      withProxy({ route: { type: 'PrefixSelectorRoute' } }, async () => {
        /* not reached */
      }),
    ).rejects.toThrow('route: PrefixSelectorRoute: no policies/wildcard');
  });
});

describe('named handles (mcrouter test_named_handles.py, #24)', () => {
  const handle = (): Record<string, unknown> => ({
    type: 'AllSyncRoute',
    children: ['PoolRoute|A', 'PoolRoute|B', 'NullRoute'],
  });
  const pools = (): unknown => ({ A: { servers: [aa.address] }, B: { servers: [ab.address] } });

  test('array form: NullRoute makes the set NOT_STORED, yet both pools have the value', async () => {
    await withProxy(
      { pools: pools(), named_handles: [{ ...handle(), name: 'test' }], route: 'test' },
      async (cl) => {
        expect(await proxySet(cl, 'test', 'value')).toBe('NOT_STORED\r\n');
        expect(await has(aa, 'test', 'value')).toBe(true);
        expect(await has(ab, 'test', 'value')).toBe(true);
      },
    );
  });

  test('object form: the key is the name', async () => {
    await withProxy({ pools: pools(), named_handles: { test2: handle() }, route: 'test2' }, async (cl) => {
      expect(await proxySet(cl, 'test2', 'value')).toBe('NOT_STORED\r\n');
      expect(await has(aa, 'test2', 'value')).toBe(true);
      expect(await has(ab, 'test2', 'value')).toBe(true);
    });
  });

  test('a differing "name" in the object form is ambiguous', async () => {
    await expect(
      withProxy({ named_handles: { a: { type: 'NullRoute', name: 'b' } }, route: 'a' }, async () => {
        /* not reached */
      }),
    ).rejects.toThrow('named_handles.a: Ambiguous RouteHandle name: a vs "b"');
  });
});

describe("RootRoute reply post-processing (mcrouter's miss_on_get_errors & co., test_mcrouter_errors.py)", () => {
  const dead = (): unknown => ({
    pools: { D: { servers: ['127.0.0.1:1'] }, A: { servers: [aa.address] } },
    routes: {
      '/././': 'PoolRoute|D',
      '/e/e/': { type: 'ErrorRoute', response: 'broken' },
      '/a/a/': 'PoolRoute|A',
    },
  });

  test('by default (mcrouter since April 2025) get and gat errors reach the client; --miss-on-get-errors makes them misses', async () => {
    await withProxy(dead(), async (cl) => {
      expect(await ask(cl, 'get /e/e/k\r\n')).toBe('SERVER_ERROR broken\r\n');
      expect(await ask(cl, 'gat 10 /e/e/k\r\n')).toBe('SERVER_ERROR broken\r\n');
      expect(await ask(cl, 'get /x/y/k\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
    });
    await withProxy(
      dead(),
      async (cl) => {
        expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
        expect(await ask(cl, 'gat 10 k\r\n')).toBe('END\r\n');
        expect(await ask(cl, 'get /e/e/k\r\n')).toBe('END\r\n');
        expect(await proxySet(cl, '/e/e/k', 'v')).toBe('SERVER_ERROR broken\r\n');
        expect(await ask(cl, 'get /x/y/k\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
      },
      { missOnGetErrors: true },
    );
  });

  test('by default incr/decr errors reach the client; --miss-on-arith-errors makes them NOT_FOUND', async () => {
    await withProxy(dead(), async (cl) => {
      expect(await ask(cl, 'incr /e/e/k 1\r\n')).toBe('SERVER_ERROR broken\r\n');
      expect(await ask(cl, 'decr /e/e/k 1\r\n')).toBe('SERVER_ERROR broken\r\n');
    });
    await withProxy(
      dead(),
      async (cl) => {
        expect(await ask(cl, 'incr /e/e/k 1\r\n')).toBe('NOT_FOUND\r\n');
        expect(await ask(cl, 'decr /e/e/k 1\r\n')).toBe('NOT_FOUND\r\n');
        expect(await ask(cl, 'touch /e/e/k 1\r\n')).toBe('SERVER_ERROR broken\r\n');
      },
      { missOnArithErrors: true },
    );
  });

  test('--group-remote-errors: every error is a bare remote error', async () => {
    await withProxy(
      dead(),
      async (cl) => {
        expect(await ask(cl, 'get /e/e/k\r\n')).toBe('SERVER_ERROR remote error\r\n');
        expect(await proxySet(cl, 'k', 'v')).toBe('SERVER_ERROR remote error\r\n');
      },
      { groupRemoteErrors: true },
    );
  });

  test('--allow-only-gets: writes get NullRoute replies and are not sent', async () => {
    await directSet(aa, 'k', 'there');
    await withProxy(
      dead(),
      async (cl) => {
        expect(await proxyGet(cl, '/a/a/k')).toBe('there');
        expect(await proxySet(cl, '/a/a/k', 'new')).toBe('NOT_STORED\r\n');
        expect(await ask(cl, 'delete /a/a/k\r\n')).toBe('NOT_FOUND\r\n');
        expect(await has(aa, 'k', 'there')).toBe(true);
      },
      { allowOnlyGets: true },
    );
  });
});
