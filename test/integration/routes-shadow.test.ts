/**
 * Shadowing and pools against real memcached (`mcrouter/routes/McRouteHandleProvider.cpp`, `mcrouter/routes/McRouteHandleProvider-inl.h`, `mcrouter/routes/ShadowRoute.h`; mcrouter test
 * `test_shadow.py` with the SpookyHash key-fraction vectors of `test/fixtures/hash-vectors.json`,
 * `mcrouter/test/` #25): PoolRoute `shadows` and ShadowRoute, MigrateRoute and named handles behind a
 * PrefixSelectorRoute as in mcrouter's `test_shadow.json`, the shadow in-flight cap; pools by
 * `inherit`, inline objects and `file:` pool files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directGet } from '../helpers/direct.js';
import { proxySet, proxyStat, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';
import { readConfig } from '../helpers/config.js';
import { startProxy } from '../helpers/proxy.js';

interface ShadowVectors {
  range_0: { keys: string; shadowed_indices: number[] }[];
}

const vectors = readConfig('test/fixtures/hash-vectors.json').ShadowKeyFraction_SpookyHash32_seed0 as Record<
  string,
  unknown
>;
const range01 = (vectors['range_0.0_0.1'] as ShadowVectors['range_0']).map((v) => v.shadowed_indices);
const F_SHADOWED = range01[0] as number[];
const REG_F_SHADOWED = range01[1] as number[];
const B_MIGRATE_SHADOWED = range01[2] as number[];

let fooA: Memcached;
let fooB: Memcached;
let barOld: Memcached;
let barNew: Memcached;
let fooShadow: Memcached;
let barShadow: Memcached;
let keysShadow: Memcached;
let all: Memcached[];

beforeAll(async () => {
  all = await Promise.all(Array.from({ length: 7 }, () => Memcached.start()));
  [fooA, fooB, barOld, barNew, fooShadow, barShadow, keysShadow] = all as [
    Memcached,
    Memcached,
    Memcached,
    Memcached,
    Memcached,
    Memcached,
    Memcached,
  ];
});
afterAll(async () => {
  await Promise.all(all.map((m) => m.stop()));
});
beforeEach(async () => {
  for (const x of all) {
    const cl = await RawClient.connect(x.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

/** mcrouter's test_shadow.json, with our servers (and a keys_to_shadow entry of test_shadow.py). */
function shadowConfig(): unknown {
  return {
    pools: {
      foo: { servers: [fooA.address, fooB.address] },
      'bar-old': { servers: [barOld.address] },
      'bar-new': { servers: [barNew.address] },
      'foo-regional': { servers: [fooA.address, fooB.address], pool_locality: 'region' },
      'foo-shadow': { servers: [fooShadow.address] },
      'foo-shadow-keys': { servers: [keysShadow.address] },
      'bar-shadow': { servers: [barShadow.address] },
    },
    named_handles: [
      {
        type: 'PoolRoute',
        name: 'pool-migrate-old',
        pool: 'bar-old',
        shadows: [{ target: 'PoolRoute|bar-shadow', index_range: [0, 2], key_fraction_range: [0.0, 0.1] }],
      },
      {
        type: 'PoolRoute',
        name: 'pool-migrate-new',
        pool: 'bar-new',
        shadows: [{ target: 'PoolRoute|bar-shadow', index_range: [0, 2], key_fraction_range: [0.0, 0.1] }],
      },
    ],
    route: {
      type: 'PrefixSelectorRoute',
      policies: {
        f: {
          type: 'PoolRoute',
          pool: 'foo',
          shadows: [
            { target: 'PoolRoute|foo-shadow', index_range: [0, 2], key_fraction_range: [0.0, 0.1] },
            { target: 'PoolRoute|bar-shadow', index_range: [0, 2], key_fraction_range: [0, 0.1] },
            { target: 'NullRoute', index_range: [0, 1], key_fraction_range: [-1, 15] },
            { target: 'do_not_exist', index_range: [0, 1], key_fraction_range: [0.0, 1.0] },
            { target: 'NullRoute', index_range: 1, key_fraction_range: 2 },
            12345,
            {},
            [],
            {
              target: 'PoolRoute|foo-shadow-keys',
              keys_to_shadow: ['f101', 'f102', 'f103', 'f104', 'f105', 'f106'],
            },
          ],
        },
        b_migrate: {
          type: 'MigrateRoute',
          from: 'pool-migrate-old',
          to: 'pool-migrate-new',
          start_time: 0,
          interval: 1,
        },
        b_old: 'pool-migrate-old',
        b_new: 'pool-migrate-new',
        reg_f: {
          type: 'PoolRoute',
          pool: 'foo-regional',
          shadows: [{ target: 'PoolRoute|foo-shadow', index_range: [0, 2], key_fraction_range: [0.0, 0.1] }],
        },
      },
    },
  };
}

const has = async (m: Memcached, key: string, value: string): Promise<boolean> =>
  (await directGet(m, key)) === `VALUE ${key} 0 ${value.length}\r\n${value}\r\nEND\r\n`;

describe('PoolRoute shadows (mcrouter test_shadow.py, `mcrouter/test/` #25)', () => {
  test('normal shadow: exactly the keys whose SpookyHash falls in [0, 0.1] reach both shadows; invalid entries are skipped', async () => {
    await withProxy(shadowConfig(), async (cl) => {
      for (let i = 0; i < 100; i++) expect(await proxySet(cl, `f${i}`, `value${i}`)).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          for (const i of F_SHADOWED) {
            expect(await has(fooShadow, `f${i}`, `value${i}`)).toBe(true);
            expect(await has(barShadow, `f${i}`, `value${i}`)).toBe(true);
          }
        },
        { timeout: 5000 },
      );
      for (let i = 0; i < 100; i++) {
        const key = `f${i}`;
        const value = `value${i}`;
        expect((await has(fooA, key, value)) || (await has(fooB, key, value))).toBe(true);
        if (!F_SHADOWED.includes(i)) {
          expect(await directGet(fooShadow, key)).toBe('END\r\n');
          expect(await directGet(barShadow, key)).toBe('END\r\n');
        }
      }
    });
  });

  test('keys_to_shadow: the listed routing keys (a |#| suffix ignored) reach the shadow, others do not', async () => {
    await withProxy(shadowConfig(), async (cl) => {
      for (let i = 101; i < 111; i++)
        expect(await proxySet(cl, `f${i}|#|ignored`, `value${i}`)).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          for (let i = 101; i < 107; i++)
            expect(await has(keysShadow, `f${i}|#|ignored`, `value${i}`)).toBe(true);
        },
        { timeout: 5000 },
      );
      for (let i = 107; i < 111; i++) expect(await directGet(keysShadow, `f${i}|#|ignored`)).toBe('END\r\n');
    });
  });

  test('regional pool: its own shadows (reg_f vectors)', async () => {
    await withProxy(shadowConfig(), async (cl) => {
      for (let i = 0; i < 100; i++) expect(await proxySet(cl, `reg_f${i}`, `value${i}`)).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          for (const i of REG_F_SHADOWED) expect(await has(fooShadow, `reg_f${i}`, `value${i}`)).toBe(true);
        },
        { timeout: 5000 },
      );
      for (let i = 0; i < 100; i++) {
        if (!REG_F_SHADOWED.includes(i)) expect(await directGet(fooShadow, `reg_f${i}`)).toBe('END\r\n');
      }
    });
  });

  test('migrated (MigrateRoute between named PoolRoutes, long past): all to bar-new, shadowed by key fraction', async () => {
    await withProxy(shadowConfig(), async (cl) => {
      for (let i = 0; i < 100; i++)
        expect(await proxySet(cl, `b_migrate${i}`, `value${i}`)).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          for (const i of B_MIGRATE_SHADOWED)
            expect(await has(barShadow, `b_migrate${i}`, `value${i}`)).toBe(true);
        },
        { timeout: 5000 },
      );
      for (let i = 0; i < 100; i++) {
        const key = `b_migrate${i}`;
        expect(await directGet(barOld, key)).toBe('END\r\n');
        expect(await has(barNew, key, `value${i}`)).toBe(true);
        if (!B_MIGRATE_SHADOWED.includes(i)) expect(await directGet(barShadow, key)).toBe('END\r\n');
      }
    });
  });

  /** PoolRoute over foo with one shadow to pool `s` (the fooShadow server) with these settings. */
  const fooShadowedBy = (settings: Record<string, unknown>): unknown => ({
    pools: { foo: { servers: [fooA.address] }, s: { servers: [fooShadow.address] } },
    route: {
      type: 'PoolRoute',
      pool: 'foo',
      shadows: [{ target: 'PoolRoute|s', index_range: [0, 1], ...settings }],
    },
  });

  test('requests_fraction 0 shadows nothing; 0.5 shadows some but not all', async () => {
    const cfg = (fraction: number): unknown =>
      fooShadowedBy({ key_fraction_range: [0, 1], requests_fraction: fraction });
    await withProxy(cfg(0), async (cl) => {
      for (let i = 0; i < 50; i++) expect(await proxySet(cl, `z${i}`, 'v')).toBe('STORED\r\n');
    });
    // Closing the proxy waited for everything it had sent: nothing reached the shadow.
    for (let i = 0; i < 50; i++) expect(await directGet(fooShadow, `z${i}`)).toBe('END\r\n');
    await withProxy(cfg(0.5), async (cl) => {
      for (let i = 0; i < 100; i++) expect(await proxySet(cl, `h${i}`, 'v')).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          let n = 0;
          for (let i = 0; i < 100; i++) if ((await directGet(fooShadow, `h${i}`)) !== 'END\r\n') n++;
          expect(n).toBeGreaterThan(10);
          expect(n).toBeLessThan(90);
        },
        { timeout: 5000 },
      );
    });
  });

  test('--runtime-vars-file: key_fraction_range_rv takes the range from the variables (root array or key_fractions)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcproxy-rv-'));
    const cfg = fooShadowedBy({ key_fraction_range: [0, 0], key_fraction_range_rv: 'key_fraction_range_t' });
    const run = async (prefix: string, vars: unknown): Promise<number> => {
      const file = join(dir, `${prefix}.json`);
      writeFileSync(file, JSON.stringify(vars));
      await withProxy(
        cfg,
        async (cl) => {
          for (let i = 0; i < 20; i++) expect(await proxySet(cl, `${prefix}${i}`, 'v')).toBe('STORED\r\n');
        },
        { runtimeVarsFile: file },
      );
      // Closing the proxy waited for every shadow copy it had sent.
      let n = 0;
      for (let i = 0; i < 20; i++) if ((await directGet(fooShadow, `${prefix}${i}`)) !== 'END\r\n') n++;
      return n;
    };
    try {
      expect(await run('rva', { key_fraction_range_t: [0, 1] })).toBe(20);
      expect(await run('rvb', { key_fractions: { t: 1 } })).toBe(20);
      expect(await run('rvc', { other: [0, 1] })).toBe(0);
      await expect(startProxy(cfg, { runtimeVarsFile: join(dir, 'missing.json') })).rejects.toThrow(
        /--runtime-vars-file: .*missing\.json/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--target-max-shadow-requests: shadows beyond the cap are dropped and counted', async () => {
    const stuck = await Memcached.start();
    await stuck.pause();
    try {
      await withProxy(
        {
          pools: { foo: { servers: [fooA.address] }, s: { servers: [stuck.address] } },
          route: {
            type: 'PoolRoute',
            pool: 'foo',
            shadows: [{ target: 'PoolRoute|s', index_range: [0, 1], key_fraction_range: [0, 1] }],
          },
        },
        async (cl) => {
          for (let i = 0; i < 5; i++) expect(await proxySet(cl, `cap${i}`, 'v')).toBe('STORED\r\n');
          expect(await proxyStat(cl, 'shadow_requests_dropped')).toBe('3');
        },
        { targetMaxShadowRequests: 2, serverTimeoutMs: 5000 },
      );
    } finally {
      await stuck.stop();
    }
  });
});

describe('ShadowRoute: children wrapped by position, a list like Pool|A', () => {
  test('HashRoute over ShadowRoute children: the normal server gets the key, index_range [1, 2] shadows only server 1', async () => {
    await withProxy(
      {
        pools: { foo: { servers: [fooA.address, fooB.address] }, s: { servers: [fooShadow.address] } },
        route: {
          type: 'HashRoute',
          children: {
            type: 'ShadowRoute',
            children: 'Pool|foo',
            shadows: [{ target: 'PoolRoute|s', index_range: [1, 2], key_fraction_range: [0, 1] }],
          },
        },
      },
      async (cl) => {
        const onB: string[] = [];
        for (let i = 0; i < 30; i++) {
          const key = `sr${i}`;
          expect(await proxySet(cl, key, 'v')).toBe('STORED\r\n');
          if (await has(fooB, key, 'v')) onB.push(key);
          else expect(await has(fooA, key, 'v')).toBe(true);
        }
        expect(onB.length).toBeGreaterThan(0);
        expect(onB.length).toBeLessThan(30);
        await vi.waitFor(
          async () => {
            for (const key of onB) expect(await has(fooShadow, key, 'v')).toBe(true);
          },
          { timeout: 5000 },
        );
        for (let i = 0; i < 30; i++) {
          if (!onB.includes(`sr${i}`)) expect(await directGet(fooShadow, `sr${i}`)).toBe('END\r\n');
        }
      },
    );
  });

  test('shadow_policy other than "default" is a config error', async () => {
    await expect(
      withProxy(
        { route: { type: 'ShadowRoute', children: 'NullRoute', shadows: [], shadow_policy: 'x' } },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow('route.shadow_policy: ShadowRoute: unknown shadow_policy "x"');
  });
});

describe('pools: inherit, inline objects, file: pool files (`mcrouter/routes/McRouteHandleProvider.cpp`)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcproxy-pools-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('inherit copies the keys a pool does not set (servers from the parent, keep_routing_prefix its own)', async () => {
    await withProxy(
      {
        pools: {
          base: { servers: [fooA.address], keep_routing_prefix: true },
          child: { inherit: 'base', keep_routing_prefix: false },
        },
        routes: { '/././': 'PoolRoute|child', '/a/b/': 'PoolRoute|base' },
      },
      async (cl) => {
        expect(await proxySet(cl, '/a/b/kept', 'v')).toBe('STORED\r\n');
        expect(await has(fooA, '/a/b/kept', 'v')).toBe(true);
        expect(await proxySet(cl, '/././stripped', 'w')).toBe('STORED\r\n');
        expect(await has(fooA, 'stripped', 'w')).toBe(true);
      },
    );
  });

  test('an inheritance cycle is a config error', async () => {
    await expect(
      withProxy({ pools: { A: { inherit: 'B' }, B: { inherit: 'A' } }, route: 'PoolRoute|A' }, async () => {
        /* not reached */
      }),
    ).rejects.toThrow('Cycle in pool inheritance');
  });

  test('an inline pool object, also with inherit', async () => {
    await withProxy(
      {
        pools: { base: { servers: [fooB.address] } },
        route: {
          type: 'AllSyncRoute',
          children: [
            { type: 'PoolRoute', pool: { name: 'inline', servers: [fooA.address] } },
            { type: 'PoolRoute', pool: { name: 'inline2', inherit: 'base' } },
          ],
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'in', 'v')).toBe('STORED\r\n');
        expect(await has(fooA, 'in', 'v')).toBe(true);
        expect(await has(fooB, 'in', 'v')).toBe(true);
      },
    );
  });

  test('"PoolRoute|file:<path>" reads the pool from a JSON file, listed in the config\'s files', async () => {
    const file = join(dir, 'pool.json');
    writeFileSync(file, JSON.stringify({ servers: [fooB.address] }) + '\n// comments are fine\n');
    await withProxy({ route: `PoolRoute|file:${file}` }, async (cl, proxy) => {
      expect(await proxySet(cl, 'fromfile', 'v')).toBe('STORED\r\n');
      expect(await has(fooB, 'fromfile', 'v')).toBe(true);
      expect(proxy.server.config.files).toContain(file);
    });
    await withProxy(
      // An own property next to the inherited ones; a generous timeout (it was 50 ms: the set to a
      // live memcached must never lose that race on a loaded machine).
      { pools: { local: { inherit: `file:${file}`, server_timeout: 5000 } }, route: 'PoolRoute|local' },
      async (cl, proxy) => {
        expect(await proxySet(cl, 'inherited', 'v')).toBe('STORED\r\n');
        expect(await has(fooB, 'inherited', 'v')).toBe(true);
        expect(proxy.server.config.files).toContain(file);
      },
    );
  });

  test('a missing pool file is a config error', async () => {
    await expect(
      withProxy(
        { route: `PoolRoute|file:${join(dir, 'nope.json')}` },
        async () => {
          /* not reached */
        },
        {},
        'the config error is thrown in this process',
      ),
    ).rejects.toThrow(/^route: Can not read pool: file:.*nope\.json \(ENOENT\)$/);
  });
});
