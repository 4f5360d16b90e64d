/**
 * Meta commands through routes, against real memcached: the seed route (examples/colocated.json:
 * WarmUpRoute for reads, AllFastestRoute for sets and deletes), WarmUpRoute keeping the warm
 * copy's TTL (docs/meta-protocol.md), OperationSelectorRoute mapping meta commands to their
 * classic names, ModifyKeyRoute with the key echo, AllSyncRoute, and `__mcrouter__` keys via `mg`.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { colocatedConfig } from '../helpers/config.js';
import { directGet, directSet, directTtl, ttlLeft } from '../helpers/direct.js';
import { withProxy } from '../helpers/route-test.js';

let a: Memcached;
let b: Memcached;
let c: Memcached;

beforeAll(async () => {
  [a, b, c] = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop(), c.stop()]);
});

/** Polls `key` on `m` every 50 ms until it misses; returns when (performance.now(), ms). */
async function goneAt(m: Memcached, key: string, boundMs: number): Promise<number> {
  const end = performance.now() + boundMs;
  while (performance.now() < end) {
    if ((await directGet(m, key)) === 'END\r\n') return performance.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  return Infinity;
}

describe('the seed route (local = a, peers = a + b, central = c)', () => {
  let proxy: TestProxy;
  let app: RawClient;
  beforeAll(async () => {
    proxy = await startProxy(colocatedConfig(a.address, [a.address, b.address], [c.address]), {
      serverTimeoutMs: 1000,
    });
    app = await RawClient.connect(proxy.port);
  });
  afterAll(async () => {
    app.close();
    await proxy.close();
  });

  test('ms reaches central; mg is served locally after a warm-up; md removes both', async () => {
    expect(await app.call('ms seed:m1 3 F5 T100 O1\r\nabc\r\n', 'HD O1\r\n')).toBe('HD O1\r\n');
    await vi.waitFor(
      async () => {
        expect(await directGet(c, 'seed:m1')).toBe('VALUE seed:m1 5 3\r\nabc\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
    expect(await app.call('mg seed:m1 v f k\r\n', 'VA 3 f5 kseed:m1\r\nabc\r\n')).toBe(
      'VA 3 f5 kseed:m1\r\nabc\r\n',
    );
    expect(await app.call('mg seed:none v q\r\nmn\r\n', 'MN\r\n')).toBe('MN\r\n');
    expect(await app.call('md seed:m1 q\r\nmg seed:m1 v\r\n', 'EN\r\n')).toBe('EN\r\n');
  });

  test('a central value with a 3 s TTL is gone from local no later than from central (classic get and mg)', async () => {
    await directSet(c, 'seed:ttl1', 'short', 0, 3);
    await directSet(c, 'seed:ttl2', 'short', 0, 3);
    expect(await app.call('get seed:ttl1\r\n', 'VALUE seed:ttl1 0 5\r\nshort\r\nEND\r\n')).toBe(
      'VALUE seed:ttl1 0 5\r\nshort\r\nEND\r\n',
    );
    expect(await app.call('mg seed:ttl2 v\r\n', 'VA 5\r\nshort\r\n')).toBe('VA 5\r\nshort\r\n');
    await vi.waitFor(
      async () => {
        expect(await directGet(a, 'seed:ttl1')).toBe('VALUE seed:ttl1 0 5\r\nshort\r\nEND\r\n');
        expect(await directGet(a, 'seed:ttl2')).toBe('VALUE seed:ttl2 0 5\r\nshort\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
    for (const key of ['seed:ttl1', 'seed:ttl2']) {
      const ttl = await directTtl(a, key);
      expect(ttl).not.toBe(-1);
      expect(ttl).toBeLessThanOrEqual(3);
    }
    const [central, local1, local2] = await Promise.all([
      goneAt(c, 'seed:ttl1', 8000),
      goneAt(a, 'seed:ttl1', 8000),
      goneAt(a, 'seed:ttl2', 8000),
    ]);
    expect(central).toBeLessThan(Infinity);
    // memcached counts whole seconds on its own clock: two processes may tick up to 1 s apart.
    expect(local1).toBeLessThanOrEqual(central + 1100);
    expect(local2).toBeLessThanOrEqual(central + 1100);
  });
});

describe('WarmUpRoute fill TTL', () => {
  const cfg = (extra: Record<string, unknown>): unknown => ({
    pools: { cold: { servers: [a.address] }, warm: { servers: [b.address] } },
    route: { type: 'WarmUpRoute', cold: 'PoolRoute|cold', warm: 'PoolRoute|warm', ...extra },
  });

  test('keeps the warm TTL, capped by exptime; no expiry → exptime; enable_metaget false → exptime', async () => {
    const t0 = performance.now();
    await directSet(b, 'wt:1', 'x', 0, 500);
    await directSet(b, 'wt:2', 'x', 0, 50);
    await directSet(b, 'wt:3', 'x', 0, 0);
    await directSet(b, 'wt:4', 'x', 0, 50);
    await withProxy(cfg({ exptime: 100 }), async (cl) => {
      for (const k of ['wt:1', 'wt:2', 'wt:3']) {
        expect(await cl.call(`get ${k}\r\n`, `VALUE ${k} 0 1\r\nx\r\nEND\r\n`)).toBe(
          `VALUE ${k} 0 1\r\nx\r\nEND\r\n`,
        );
      }
      await vi.waitFor(
        async () => {
          expect(await directTtl(a, 'wt:3')).not.toBeNull();
        },
        { timeout: 5000 },
      );
      expect(await directTtl(a, 'wt:1')).toBeGreaterThan(ttlLeft(100, t0)); // capped at 100
      expect(await directTtl(a, 'wt:1')).toBeLessThanOrEqual(100);
      expect(await directTtl(a, 'wt:2')).toBeLessThanOrEqual(50); // warm's TTL
      expect(await directTtl(a, 'wt:2')).toBeGreaterThan(ttlLeft(50, t0));
      expect(await directTtl(a, 'wt:3')).toBeGreaterThan(ttlLeft(100, t0)); // never expires in warm → exptime
    });
    await withProxy(cfg({ enable_metaget: false }), async (cl) => {
      expect(await cl.call('get wt:4\r\n', 'VALUE wt:4 0 1\r\nx\r\nEND\r\n')).toBe(
        'VALUE wt:4 0 1\r\nx\r\nEND\r\n',
      );
      await vi.waitFor(
        async () => {
          expect(await directTtl(a, 'wt:4')).toBe(-1); // mcrouter's open-source fill: exptime 0
        },
        { timeout: 5000 },
      );
    });
  });

  test('gets fills with the warm TTL; mg without v f t still fills with it', async () => {
    const t0 = performance.now();
    await directSet(b, 'wt:5', 'yz', 3, 60);
    await directSet(b, 'wt:6', 'yz', 3, 60);
    await withProxy(cfg({}), async (cl) => {
      expect(await cl.ask('gets wt:5\r\n')).toMatch(/^VALUE wt:5 3 2 \d+\r\nyz\r\nEND\r\n$/);
      expect(await directTtl(a, 'wt:5')).toBeLessThanOrEqual(60);
      expect(await directTtl(a, 'wt:5')).toBeGreaterThan(ttlLeft(60, t0));
      expect(await cl.call('mg wt:6 s k\r\n', 'HD s2 kwt:6\r\n')).toBe('HD s2 kwt:6\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(a, 'wt:6')).toBe('VALUE wt:6 3 2\r\nyz\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      expect(await directTtl(a, 'wt:6')).toBeLessThanOrEqual(60);
      expect(await directTtl(a, 'wt:6')).toBeGreaterThan(ttlLeft(60, t0));
    });
  });
});

describe('route semantics', () => {
  test('OperationSelectorRoute selects mg as get, ms as set, md as delete, ma as incr/decr', async () => {
    const config = {
      pools: { A: { servers: [a.address] }, B: { servers: [b.address] }, C: { servers: [c.address] } },
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'NullRoute',
        operation_policies: {
          get: 'PoolRoute|A',
          set: 'PoolRoute|B',
          add: 'PoolRoute|B',
          delete: 'PoolRoute|C',
          incr: 'PoolRoute|A',
          decr: 'PoolRoute|B',
        },
      },
    };
    await directSet(a, 'os:1', 'ina');
    await directSet(c, 'os:2', 'inc');
    await directSet(a, 'os:3', '10');
    await directSet(b, 'os:3', '10');
    await withProxy(config, async (cl) => {
      expect(await cl.call('mg os:1 v\r\n', 'VA 3\r\nina\r\n')).toBe('VA 3\r\nina\r\n');
      expect(await cl.call('ms os:9 1\r\nz\r\n', 'HD\r\n')).toBe('HD\r\n');
      expect(await directGet(b, 'os:9')).toBe('VALUE os:9 0 1\r\nz\r\nEND\r\n');
      expect(await cl.call('ms os:9 1 MR\r\nz\r\n', 'NS\r\n')).toBe('NS\r\n'); // replace: NullRoute
      expect(await cl.call('md os:2\r\n', 'HD\r\n')).toBe('HD\r\n');
      expect(await directGet(c, 'os:2')).toBe('END\r\n');
      expect(await cl.call('ma os:3 v\r\n', 'VA 2\r\n11\r\n')).toBe('VA 2\r\n11\r\n');
      expect(await cl.call('ma os:3 MD v\r\n', 'VA 1\r\n9\r\n')).toBe('VA 1\r\n9\r\n');
    });
  });

  test('ModifyKeyRoute: memcached sees the new key, the client its own in k', async () => {
    const config = {
      pools: { A: { servers: [a.address] } },
      route: { type: 'ModifyKeyRoute', ensure_key_prefix: 'p:', target: 'PoolRoute|A' },
    };
    await withProxy(config, async (cl) => {
      expect(await cl.call('ms mk1 1 k\r\nz\r\n', 'HD kmk1\r\n')).toBe('HD kmk1\r\n');
      expect(await directGet(a, 'p:mk1')).toBe('VALUE p:mk1 0 1\r\nz\r\nEND\r\n');
      expect(await cl.call('mg mk1 k v\r\n', 'VA 1 kmk1\r\nz\r\n')).toBe('VA 1 kmk1\r\nz\r\n');
      expect(await cl.call('me mk1\r\n', 'ME mk1 ')).toBe('ME mk1 ');
    });
  });

  test('a routing prefix is stripped from plain and base64 keys', async () => {
    const config = {
      pools: { A: { servers: [a.address] } },
      routes: [{ aliases: ['/r/c/'], route: 'PoolRoute|A' }],
    };
    const b64 = Buffer.from('/r/c/rp1').toString('base64');
    await withProxy(
      config,
      async (cl) => {
        expect(await cl.call('ms /r/c/rp0 1 k\r\nz\r\n', 'HD k/r/c/rp0\r\n')).toBe('HD k/r/c/rp0\r\n');
        expect(await directGet(a, 'rp0')).toBe('VALUE rp0 0 1\r\nz\r\nEND\r\n');
        expect(await cl.call(`ms ${b64} 1 b k\r\ny\r\n`, `HD k${b64} b\r\n`)).toBe(`HD k${b64} b\r\n`);
        expect(await directGet(a, 'rp1')).toBe('VALUE rp1 0 1\r\ny\r\nEND\r\n');
      },
      { routePrefix: '/r/c/' },
    );
  });

  test('AllSyncRoute: ms to every child; mn answers after both', async () => {
    const config = {
      pools: { A: { servers: [a.address] }, B: { servers: [b.address] } },
      route: { type: 'AllSyncRoute', children: ['PoolRoute|A', 'PoolRoute|B'] },
    };
    await withProxy(config, async (cl) => {
      expect(await cl.call('ms as:1 2 q\r\nok\r\nms as:2 2 q ME\r\nok\r\nmn\r\n', 'MN\r\n')).toBe('MN\r\n');
      for (const m of [a, b]) expect(await directGet(m, 'as:1')).toBe('VALUE as:1 0 2\r\nok\r\nEND\r\n');
      expect(await cl.call('ms as:2 2 q ME O4\r\nno\r\nmn\r\n', 'NS O4\r\nMN\r\n')).toBe('NS O4\r\nMN\r\n');
    });
  });

  test('__mcrouter__ keys answer mg', async () => {
    await withProxy({ pools: { A: { servers: [a.address] } }, route: 'PoolRoute|A' }, async (cl) => {
      const reply = await cl.ask('mg __mcrouter__.version v O5\r\n');
      expect(reply).toMatch(/^VA \d+ O5\r\n$/);
      const value = await cl.readUntil('\r\n');
      expect(value).toMatch(/mcrouter/);
    });
  });
});
