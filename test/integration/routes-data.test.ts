/**
 * Data routes against real memcached (`mcrouter/routes/WarmUpRoute.h`, `mcrouter/routes/`; mcrouter tests `TestMcrouterBasicL1L2`,
 * `TestMigratedPools`, `TestDevNull`, `test_rates.py`, `test_warmup2.py`): L1L2CacheRoute,
 * MigrateRoute, ModifyExptimeRoute, ModifyKeyRoute, KeySplitRoute, DevNullRoute, LoggingRoute,
 * PoolRoute `rates`, and WarmUpRoute's writes (`mcrouter/test/` #2–#4, adapted: memcached has no
 * lease-get/metaget, so TTLs are read with memcached's own `mg <key> t`).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { directGet, directSet, directTtl, ttlLeft } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, proxyStat, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';
import { log, setLogger } from '../../proxy/logger.js';

let l1: Memcached;
let l2: Memcached;
let dead: string;

beforeAll(async () => {
  [l1, l2] = await Promise.all([Memcached.start(), Memcached.start()]);
  dead = `127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await Promise.all([l1.stop(), l2.stop()]);
});
beforeEach(async () => {
  for (const x of [l1, l2]) {
    const cl = await RawClient.connect(x.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

const twoPools = (first = l1.address, second = l2.address): Record<string, unknown> => ({
  L1: { servers: [first] },
  L2: { servers: [second] },
});

describe('L1L2CacheRoute (mcrouter TestMcrouterBasicL1L2)', () => {
  const cfg = (extra: Record<string, unknown> = {}, first = l1.address, second = l2.address): unknown => ({
    pools: twoPools(first, second),
    route: {
      type: 'L1L2CacheRoute',
      l1: 'PoolRoute|L1',
      l2: 'PoolRoute|L2',
      upgradingL1Exptime: 100,
      ...extra,
    },
  });

  test('a miss everywhere is a miss; an L1 hit is returned; an L2 hit is returned and copied into L1', async () => {
    await withProxy(cfg(), async (cl) => {
      expect(await proxyGet(cl, 'key1')).toBeNull();
      await directSet(l1, 'key1', 'value1');
      expect(await proxyGet(cl, 'key1')).toBe('value1');
      await directSet(l2, 'key2', 'value2', 7);
      expect(await directGet(l1, 'key2')).toBe('END\r\n');
      const t0 = performance.now();
      expect(await ask(cl, 'get key2\r\n')).toBe('VALUE key2 7 6\r\nvalue2\r\nEND\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(l1, 'key2')).toBe('VALUE key2 7 6\r\nvalue2\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      const ttl = await directTtl(l1, 'key2');
      expect(ttl).toBeGreaterThan(ttlLeft(100, t0));
      expect(ttl).toBeLessThanOrEqual(100);
    });
  });

  test('writes go to L1 only', async () => {
    await withProxy(cfg(), async (cl) => {
      expect(await proxySet(cl, 'w', 'v')).toBe('STORED\r\n');
      expect(await directGet(l1, 'w')).toBe('VALUE w 0 1\r\nv\r\nEND\r\n');
      expect(await directGet(l2, 'w')).toBe('END\r\n');
      await directSet(l2, 'w2', 'x');
      expect(await ask(cl, 'delete w2\r\n')).toBe('NOT_FOUND\r\n');
      expect(await directGet(l2, 'w2')).toBe('VALUE w2 0 1\r\nx\r\nEND\r\n');
    });
  });

  test('L1 down: gets are served from L2; L2 down: from L1; both down: an error', async () => {
    await directSet(l2, 'key1', 'value1');
    await withProxy(cfg({}, dead), async (cl) => {
      expect(await proxyGet(cl, 'key1')).toBe('value1');
    });
    await directSet(l1, 'key1', 'value1');
    await withProxy(cfg({}, l1.address, dead), async (cl) => {
      expect(await proxyGet(cl, 'key1')).toBe('value1');
    });
    const dead2 = `127.0.0.1:${await freePort()}`;
    await withProxy(cfg({}, dead, dead2), async (cl) => {
      expect(await ask(cl, 'get key1\r\n')).toMatch(/^SERVER_ERROR /);
    });
  });

  test('negative caching: an L2 miss leaves "ncache" in L1; misses until every 5th ncache hit refreshes from L2', async () => {
    await withProxy(cfg({ ncacheExptime: 10, ncacheUpdatePeriod: 5 }), async (cl) => {
      expect(await proxyGet(cl, 'key1')).toBeNull();
      await vi.waitFor(
        async () => {
          expect(await directGet(l1, 'key1')).toBe('VALUE key1 65536 6\r\nncache\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      const ttl = await directTtl(l1, 'key1');
      expect(ttl).toBeLessThanOrEqual(10);
      await directSet(l2, 'key1', 'value1');
      for (let i = 0; i < 5; i++) expect(await proxyGet(cl, 'key1'), `ncache hit ${i}`).toBeNull();
      await vi.waitFor(
        async () => {
          expect(await directGet(l1, 'key1')).toBe('VALUE key1 0 6\r\nvalue1\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      expect(await proxyGet(cl, 'key1')).toBe('value1');
    });
  });
});

describe('MigrateRoute: from → to over start_time, start_time + interval, + 2·interval', () => {
  const cfg = (startTime: number): unknown => ({
    pools: { OLD: { servers: [l1.address] }, NEW: { servers: [l2.address] } },
    route: {
      type: 'MigrateRoute',
      from: 'PoolRoute|OLD',
      to: 'PoolRoute|NEW',
      start_time: startTime,
      interval: 100,
    },
  });
  const now = (): number => Math.floor(Date.now() / 1000);
  const seed = async (): Promise<void> => {
    await directSet(l1, 'get-key', 'old');
    await directSet(l2, 'get-key', 'new');
  };

  test('before start_time: everything to from', async () => {
    await seed();
    await withProxy(cfg(now() + 1000), async (cl) => {
      expect(await proxyGet(cl, 'get-key')).toBe('old');
      expect(await proxySet(cl, 'set-key', '42')).toBe('STORED\r\n');
      expect(await directGet(l1, 'set-key')).toBe('VALUE set-key 0 2\r\n42\r\nEND\r\n');
      expect(await directGet(l2, 'set-key')).toBe('END\r\n');
      expect(await ask(cl, 'delete get-key\r\n')).toBe('DELETED\r\n');
      expect(await directGet(l1, 'get-key')).toBe('END\r\n');
      expect(await directGet(l2, 'get-key')).toBe('VALUE get-key 0 3\r\nnew\r\nEND\r\n');
    });
  });

  test('first interval: gets and sets to from, deletes to both (the worse reply)', async () => {
    await seed();
    await withProxy(cfg(now() - 50), async (cl) => {
      expect(await proxyGet(cl, 'get-key')).toBe('old');
      expect(await proxySet(cl, 'set-key', '4242')).toBe('STORED\r\n');
      expect(await directGet(l2, 'set-key')).toBe('END\r\n');
      expect(await ask(cl, 'delete get-key\r\n')).toBe('DELETED\r\n');
      expect(await directGet(l1, 'get-key')).toBe('END\r\n');
      expect(await directGet(l2, 'get-key')).toBe('END\r\n');
      await directSet(l1, 'one-side', 'x');
      expect(await ask(cl, 'delete one-side\r\n')).toBe('NOT_FOUND\r\n');
    });
  });

  test('second interval: gets and sets to to, deletes still to both', async () => {
    await seed();
    await withProxy(cfg(now() - 150), async (cl) => {
      expect(await proxyGet(cl, 'get-key')).toBe('new');
      expect(await proxySet(cl, 'set-key', '424242')).toBe('STORED\r\n');
      expect(await directGet(l1, 'set-key')).toBe('END\r\n');
      expect(await ask(cl, 'delete get-key\r\n')).toBe('DELETED\r\n');
      expect(await directGet(l1, 'get-key')).toBe('END\r\n');
    });
  });

  test('after start_time + 2·interval: everything to to', async () => {
    await seed();
    await withProxy(cfg(now() - 300), async (cl) => {
      expect(await proxyGet(cl, 'get-key')).toBe('new');
      expect(await ask(cl, 'delete get-key\r\n')).toBe('DELETED\r\n');
      expect(await directGet(l1, 'get-key')).toBe('VALUE get-key 0 3\r\nold\r\nEND\r\n');
    });
  });
});

describe('ModifyExptimeRoute', () => {
  const cfg = (action: string): unknown => ({
    pools: { A: { servers: [l1.address] } },
    route: { type: 'ModifyExptimeRoute', target: 'PoolRoute|A', exptime: 100, action },
  });

  test('set: every exptime becomes the configured one (sets, touch); deletes are untouched', async () => {
    await withProxy(cfg('set'), async (cl) => {
      expect(await proxySet(cl, 'k', 'v', 0)).toBe('STORED\r\n');
      expect(await directTtl(l1, 'k')).toBeGreaterThan(95);
      expect(await proxySet(cl, 'k2', 'v', 5000)).toBe('STORED\r\n');
      expect(await directTtl(l1, 'k2')).toBeLessThanOrEqual(100);
      await directSet(l1, 't', 'v');
      expect(await ask(cl, 'touch t 0\r\n')).toBe('TOUCHED\r\n');
      expect(await directTtl(l1, 't')).toBeGreaterThan(95);
      expect(await ask(cl, 'delete t\r\n')).toBe('DELETED\r\n');
    });
  });

  test('min: the smaller exptime, 0 counting as infinite; negative stays negative', async () => {
    await withProxy(cfg('min'), async (cl) => {
      expect(await proxySet(cl, 'zero', 'v', 0)).toBe('STORED\r\n');
      expect(await directTtl(l1, 'zero')).toBeGreaterThan(95);
      expect(await proxySet(cl, 'short', 'v', 20)).toBe('STORED\r\n');
      expect(await directTtl(l1, 'short')).toBeLessThanOrEqual(20);
      expect(await proxySet(cl, 'long', 'v', 5000)).toBe('STORED\r\n');
      expect(await directTtl(l1, 'long')).toBeLessThanOrEqual(100);
      expect(await proxySet(cl, 'gone', 'v', -1)).toBe('STORED\r\n');
      expect(await directGet(l1, 'gone')).toBe('END\r\n');
    });
  });

  test('action "min" with exptime 0 is a config error', async () => {
    await expect(
      withProxy(
        { route: { type: 'ModifyExptimeRoute', target: 'NullRoute', exptime: 0, action: 'min' } },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow('route.exptime: ModifyExptimeRoute: exptime 0 with action "min"');
  });
});

describe('ModifyKeyRoute', () => {
  const cfg = (opts: Record<string, unknown>): unknown => ({
    pools: { A: { servers: [l1.address], keep_routing_prefix: true } },
    routes: [
      {
        aliases: ['/././', '/a/b/', '/b/c/'],
        route: { type: 'ModifyKeyRoute', target: 'PoolRoute|A', ...opts },
      },
    ],
  });

  test('set_routing_prefix "/a/b/" + ensure_key_prefix "foo": /a/b/a → /a/b/fooa, foo → /a/b/foo, /b/c/o → /a/b/fooo', async () => {
    await withProxy(cfg({ set_routing_prefix: '/a/b/', ensure_key_prefix: 'foo' }), async (cl) => {
      for (const [key, stored] of [
        ['/a/b/a', '/a/b/fooa'],
        ['foo', '/a/b/foo'],
        ['/b/c/o', '/a/b/fooo'],
      ] as const) {
        expect(await proxySet(cl, key, 'v')).toBe('STORED\r\n');
        expect(await directGet(l1, stored)).toBe(`VALUE ${stored} 0 1\r\nv\r\nEND\r\n`);
        expect(await proxyGet(cl, key)).toBe('v');
      }
    });
  });

  test('replace_key_prefix, modify_inplace and set_key_suffix', async () => {
    await withProxy(cfg({ ensure_key_prefix: 'new:', replace_key_prefix: 'old:' }), async (cl) => {
      expect(await proxySet(cl, 'old:k', 'v')).toBe('STORED\r\n');
      expect(await directGet(l1, 'new:k')).toBe('VALUE new:k 0 1\r\nv\r\nEND\r\n');
    });
    await withProxy(cfg({ ensure_key_prefix: 'ab', modify_inplace: true }), async (cl) => {
      expect(await proxySet(cl, 'xyz', 'v')).toBe('STORED\r\n');
      expect(await directGet(l1, 'abz')).toBe('VALUE abz 0 1\r\nv\r\nEND\r\n');
    });
    await withProxy(cfg({ set_key_suffix: ':v2' }), async (cl) => {
      expect(await proxySet(cl, 'sfx', 'v')).toBe('STORED\r\n');
      expect(await directGet(l1, 'sfx:v2')).toBe('VALUE sfx:v2 0 1\r\nv\r\nEND\r\n');
      expect(await proxySet(cl, 'done:v2', 'w')).toBe('STORED\r\n');
      expect(await directGet(l1, 'done:v2')).toBe('VALUE done:v2 0 1\r\nw\r\nEND\r\n');
    });
  });

  test('a rewritten key over 250 bytes is refused without routing', async () => {
    await withProxy(cfg({ ensure_key_prefix: 'p'.repeat(100) }), async (cl) => {
      expect(await proxySet(cl, 'k'.repeat(200), 'v')).toBe(
        'SERVER_ERROR ModifyKeyRoute: invalid key: key too long\r\n',
      );
    });
  });

  test('an invalid routing prefix or key prefix is a config error', async () => {
    await expect(
      withProxy(
        { route: { type: 'ModifyKeyRoute', target: 'NullRoute', set_routing_prefix: '/a/' } },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow(
      'route.set_routing_prefix: ModifyKeyRoute: set_routing_prefix: invalid routing prefix "/a/"',
    );
    await expect(
      withProxy(
        { route: { type: 'ModifyKeyRoute', target: 'NullRoute', ensure_key_prefix: 'a b' } },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow(
      'route.ensure_key_prefix: ModifyKeyRoute: invalid key prefix, space or control character',
    );
  });
});

describe('KeySplitRoute: a hot key spread over replicas, this host on replica hostid % replicas', () => {
  const cfg = (extra: Record<string, unknown> = {}): unknown => ({
    pools: { A: { servers: [l1.address] } },
    route: { type: 'KeySplitRoute', destination: 'PoolRoute|A', replicas: 3, all_sync: false, ...extra },
  });

  test('replica 0 uses the key; replica k appends ::k (before a |#| hash stop)', async () => {
    await withProxy(
      cfg(),
      async (cl) => {
        expect(await proxySet(cl, 'hot', 'zero')).toBe('STORED\r\n');
        expect(await directGet(l1, 'hot')).toBe('VALUE hot 0 4\r\nzero\r\nEND\r\n');
      },
      { hostId: 3 },
    );
    await withProxy(
      cfg(),
      async (cl) => {
        expect(await proxySet(cl, 'hot', 'one')).toBe('STORED\r\n');
        expect(await directGet(l1, 'hot::1')).toBe('VALUE hot::1 0 3\r\none\r\nEND\r\n');
        expect(await proxyGet(cl, 'hot')).toBe('one');
        expect(await proxySet(cl, 'hs|#|x', 'h')).toBe('STORED\r\n');
        expect(await directGet(l1, 'hs::1|#|x')).toBe('VALUE hs::1|#|x 0 1\r\nh\r\nEND\r\n');
      },
      { hostId: 4 },
    );
  });

  test('deletes reach every replica; all_sync sets every replica; first_hit gets any replica', async () => {
    for (const k of ['hot', 'hot::1', 'hot::2']) await directSet(l1, k, 'x');
    await withProxy(
      cfg(),
      async (cl) => {
        expect(await ask(cl, 'delete hot\r\n')).toBe('DELETED\r\n');
        await vi.waitFor(
          async () => {
            for (const k of ['hot', 'hot::1', 'hot::2']) expect(await directGet(l1, k)).toBe('END\r\n');
          },
          { timeout: 5000 },
        );
      },
      { hostId: 2 },
    );
    await withProxy(
      cfg({ all_sync: true }),
      async (cl) => {
        expect(await proxySet(cl, 'all', 'v')).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            for (const k of ['all', 'all::1', 'all::2'])
              expect(await directGet(l1, k)).toBe(`VALUE ${k} 0 1\r\nv\r\nEND\r\n`);
          },
          { timeout: 5000 },
        );
      },
      { hostId: 2 },
    );
    await directSet(l1, 'fh::2', 'only-2');
    await withProxy(
      cfg({ first_hit: true }),
      async (cl) => {
        expect(await proxyGet(cl, 'fh')).toBe('only-2');
        expect(await proxyGet(cl, 'none')).toBeNull();
      },
      { hostId: 0 },
    );
  });

  test('replicas must be 2..1000', async () => {
    await expect(
      withProxy(
        { route: { type: 'KeySplitRoute', destination: 'NullRoute', replicas: 1, all_sync: false } },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow('route.replicas: KeySplitRoute: there should at least be 2 replicas');
  });
});

describe('DevNullRoute (mcrouter TestDevNull, #24)', () => {
  test('answers like NullRoute and counts dev_null_requests', async () => {
    await withProxy(
      {
        pools: { good: { servers: [l1.address] }, wild: { servers: [l2.address] } },
        route: {
          type: 'PrefixSelectorRoute',
          policies: { 'good:': 'PoolRoute|good', 'null:': 'DevNullRoute' },
          wildcard: 'PoolRoute|wild',
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'good:key', 'should_be_set')).toBe('STORED\r\n');
        expect(await proxySet(cl, 'key', 'should_be_set_wild')).toBe('STORED\r\n');
        expect(await proxySet(cl, 'null:key', 'should_not_be_set')).toBe('NOT_STORED\r\n');
        expect(await directGet(l1, 'good:key')).toBe('VALUE good:key 0 13\r\nshould_be_set\r\nEND\r\n');
        expect(await directGet(l2, 'null:key')).toBe('END\r\n');
        expect(await directGet(l2, 'key')).toBe('VALUE key 0 18\r\nshould_be_set_wild\r\nEND\r\n');
        expect(await ask(cl, 'delete null:key2\r\n')).toBe('NOT_FOUND\r\n');
        expect(await proxyStat(cl, 'dev_null_requests', 'ods')).toBe('2');
      },
    );
  });
});

describe('LoggingRoute', () => {
  test('passes requests to its target and logs key, result and value length for each', async () => {
    const lines: string[] = [];
    const previous = log;
    setLogger(
      pino(
        { level: 'info' },
        new Writable({
          write(chunk: Buffer, _enc, cb): void {
            lines.push(chunk.toString());
            cb();
          },
        }),
      ),
    );
    try {
      await withProxy(
        { pools: { A: { servers: [l1.address] } }, route: { type: 'LoggingRoute', target: 'PoolRoute|A' } },
        async (cl) => {
          expect(await proxySet(cl, 'MAGIC_KEY_TO_BE_LOGGED', '12345678')).toBe('STORED\r\n');
          expect(await proxyGet(cl, 'MAGIC_KEY_TO_BE_LOGGED')).toBe('12345678');
          await vi.waitFor(
            () => {
              expect(lines.filter((l) => l.includes('MAGIC_KEY_TO_BE_LOGGED'))).toHaveLength(2);
            },
            { timeout: 5000 },
          );
        },
        {},
        'the log lines are captured in this process',
      );
    } finally {
      setLogger(previous);
    }
    const withKey = lines.filter((l) => l.includes('MAGIC_KEY_TO_BE_LOGGED'));
    expect(withKey[0]).toContain(
      'request key: MAGIC_KEY_TO_BE_LOGGED response: mc_res_stored responseLength: 0',
    );
    expect(withKey[1]).toContain('response: mc_res_found responseLength: 8');
  });

  test('without a target it answers like NullRoute', async () => {
    await withProxy({ route: 'LoggingRoute' }, async (cl) => {
      expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
    });
  });

  test('--enable-logging-route puts one LoggingRoute in front of every route (mcrouter/routes/ProxyRoute-inl.h)', async () => {
    const config = { pools: { A: { servers: [l1.address] } }, route: 'PoolRoute|A' };
    const handles = async (cl: RawClient): Promise<string> =>
      ask(cl, 'get __mcrouter__.route_handles(get,test)\r\n');
    await withProxy(
      config,
      async (cl) => {
        const reply = await handles(cl);
        expect(reply.match(/logging/g)).toHaveLength(1);
        expect(reply).toMatch(/\n logging\n {2}host\|pool=A/);
        expect(await proxySet(cl, 'lr', 'v')).toBe('STORED\r\n');
        expect(await directGet(l1, 'lr')).toBe('VALUE lr 0 1\r\nv\r\nEND\r\n');
      },
      { enableLoggingRoute: true },
    );
    await withProxy(config, async (cl) => {
      expect(await handles(cl)).not.toContain('logging');
    });
  });
});

describe('PoolRoute rates (RateLimitRoute, mcrouter test_rates.py)', () => {
  test('sets over sets_rate/sets_burst get NOT_STORED and are not sent; gets are not limited', async () => {
    await withProxy(
      {
        pools: { A: { servers: [l1.address] } },
        route: { type: 'PoolRoute', pool: 'A', rates: { sets_rate: 0.5, sets_burst: 5 } },
      },
      async (cl) => {
        for (let i = 0; i < 5; i++) expect(await proxySet(cl, 'burst', String(i))).toBe('STORED\r\n');
        let refused = 0;
        for (let i = 5; i < 10; i++) {
          if ((await proxySet(cl, 'burst', String(i))) === 'NOT_STORED\r\n') refused++;
        }
        // 0.5 tokens a second: at most one more set can pass in the few ms this takes.
        expect(refused).toBeGreaterThanOrEqual(4);
        const value = await proxyGet(cl, 'burst');
        expect(Number(value)).toBeLessThan(5 + 5 - refused);
        for (let i = 0; i < 20; i++) expect(await proxyGet(cl, 'burst')).toBe(value);
      },
    );
  });

  test('deletes over deletes_rate get NOT_FOUND and the key stays', async () => {
    await directSet(l1, 'd1', 'x');
    await directSet(l1, 'd2', 'x');
    await withProxy(
      {
        pools: { A: { servers: [l1.address] } },
        route: { type: 'PoolRoute', pool: 'A', rates: { deletes_rate: 0.01, deletes_burst: 1 } },
      },
      async (cl) => {
        expect(await ask(cl, 'delete d1\r\n')).toBe('DELETED\r\n');
        expect(await ask(cl, 'delete d2\r\n')).toBe('NOT_FOUND\r\n');
        expect(await directGet(l1, 'd2')).toBe('VALUE d2 0 1\r\nx\r\nEND\r\n');
      },
    );
  });
});

describe('WarmUpRoute writes and unsupported lease/meta commands (mcrouter test_warmup2.py, #2–#4 adapted)', () => {
  const cfg = (): unknown => ({
    pools: { cold: { servers: [l1.address] }, warm: { servers: [l2.address] } },
    route: { type: 'WarmUpRoute', cold: 'PoolRoute|cold', warm: 'PoolRoute|warm', exptime: 1000 },
  });

  test("#4: set, append, prepend go to cold only; touch answers TOUCHED and sets cold's TTL", async () => {
    await directSet(l2, 'key', 'warm');
    await withProxy(cfg(), async (cl) => {
      expect(await proxySet(cl, 'key', 'value')).toBe('STORED\r\n');
      expect(await ask(cl, 'append key 0 0 6\r\nsuffix\r\n')).toBe('STORED\r\n');
      expect(await directGet(l1, 'key')).toBe('VALUE key 0 11\r\nvaluesuffix\r\nEND\r\n');
      expect(await ask(cl, 'prepend key 0 0 6\r\nprefix\r\n')).toBe('STORED\r\n');
      expect(await directGet(l1, 'key')).toBe('VALUE key 0 17\r\nprefixvaluesuffix\r\nEND\r\n');
      expect(await directGet(l2, 'key')).toBe('VALUE key 0 4\r\nwarm\r\nEND\r\n');
      expect(await ask(cl, 'touch key 200\r\n')).toBe('TOUCHED\r\n');
      const ttl = await directTtl(l1, 'key');
      expect(ttl).toBeGreaterThan(195);
      expect(ttl).toBeLessThanOrEqual(200);
      expect(await directTtl(l2, 'key')).toBe(-1);
    });
  });

  test('#2/#3: lease-get, lease-set and metaget are answered "SERVER_ERROR Command not supported" (stock memcached has none); a warm-only key is served and cold filled with the configured exptime', async () => {
    await directSet(l2, 'wk', 'warmval', 0, 3000);
    await withProxy(cfg(), async (cl) => {
      const t0 = performance.now();
      expect(await ask(cl, 'lease-get wk\r\n')).toBe('SERVER_ERROR Command not supported\r\n');
      expect(await ask(cl, 'metaget wk\r\n')).toBe('SERVER_ERROR Command not supported\r\n');
      expect(await proxyGet(cl, 'wk')).toBe('warmval');
      await vi.waitFor(
        async () => {
          expect(await directGet(l1, 'wk')).toBe('VALUE wk 0 7\r\nwarmval\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      const ttl = await directTtl(l1, 'wk');
      expect(ttl).toBeGreaterThan(ttlLeft(1000, t0));
      expect(ttl).toBeLessThanOrEqual(1000);
    });
  });

  test("gets whose fill is gone before the re-read (here: cold drops adds) answers warm's value with warm's cas, not a miss", async () => {
    await directSet(l2, 'gk', 'warmval');
    const central = await RawClient.connect(l2.port);
    const direct = await ask(central, 'gets gk\r\n');
    central.close();
    expect(direct).toMatch(/^VALUE gk 0 7 \d+\r\nwarmval\r\nEND\r\n$/);
    const dropsAdds = {
      pools: { cold: { servers: [l1.address] }, warm: { servers: [l2.address] } },
      route: {
        type: 'WarmUpRoute',
        cold: {
          type: 'OperationSelectorRoute',
          default_policy: 'PoolRoute|cold',
          operation_policies: { add: 'NullRoute' },
        },
        warm: 'PoolRoute|warm',
      },
    };
    await withProxy(dropsAdds, async (cl) => {
      expect(await ask(cl, 'gets gk\r\n')).toBe(direct);
    });
    expect(await directGet(l1, 'gk')).toBe('END\r\n');
  });
});
