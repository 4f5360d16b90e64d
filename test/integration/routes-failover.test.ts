/**
 * The failover family against real memcached servers (`mcrouter/routes/FailoverRoute.h`–`mcrouter/routes/MissFailoverRoute.h`, `mcrouter/routes/`; mcrouter tests
 * `TestBasicFailover*`, `TestGetFailover*`, `TestFailoverWithLimit*`, `test_custom_failover.py`,
 * `mcrouter/test/` #11–#16): FailoverRoute and its options, FailoverWithExptimeRoute, MissFailoverRoute,
 * LatestRoute and HostIdRoute. A killed memcached or a free port is a dead server, a SIGSTOPped one
 * a slow server; an ErrorRoute child gives a server error on demand.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { directGet, directSet, directTtl } from '../helpers/direct.js';
import { ask, memcachedStat, proxyGet, proxySet, proxyStat, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';

let a: Memcached;
let b: Memcached;
let c: Memcached;
let dead: string[];

beforeAll(async () => {
  [a, b, c] = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  // Dead servers on 127.0.0.2–4: memcached processes other test files start bind 127.0.0.1, so a
  // free port here cannot be taken by one of them while this file runs.
  dead = await Promise.all([0, 1, 2].map(async (i) => `127.0.0.${i + 2}:${await freePort()}`));
});
afterAll(async () => {
  await Promise.all([a, b, c].map((x) => x.stop()));
});
beforeEach(async () => {
  for (const x of [a, b, c]) {
    const cl = await RawClient.connect(x.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

const d = (i: number): string => dead[i] as string;
const busy = { type: 'ErrorRoute', result: 'mc_res_busy' };
const remote = (msg: string): unknown => ({
  type: 'ErrorRoute',
  result: 'mc_res_remote_error',
  response: msg,
});

describe('FailoverWithExptimeRoute (mcrouter TestBasicFailover, `mcrouter/test/` #11)', () => {
  const cfg = (normal: string, extra: Record<string, unknown> = {}): unknown => ({
    pools: { A: { servers: [normal] }, B: { servers: [b.address] } },
    route: { type: 'FailoverWithExptimeRoute', normal: 'PoolRoute|A', failover: 'PoolRoute|B', ...extra },
  });

  test('primary killed: gets fail over (a miss, twice), then the value set on the failover host', async () => {
    const primary = await Memcached.start();
    try {
      await withProxy(cfg(primary.address), async (cl) => {
        await directSet(primary, 'key', 'value');
        expect(await proxyGet(cl, 'key')).toBe('value');
        await primary.kill();
        expect(await proxyGet(cl, 'key')).toBeNull();
        expect(await proxyGet(cl, 'key')).toBeNull();
        await directSet(b, 'key', 'value');
        expect(await proxyGet(cl, 'key')).toBe('value');
        expect(await proxyGet(cl, 'key')).toBe('value');
      });
    } finally {
      await primary.stop();
    }
  });

  test('negative exptimes expire at once, on the primary and on the failover host', async () => {
    const primary = await Memcached.start();
    try {
      await withProxy(cfg(primary.address), async (cl) => {
        expect(await proxySet(cl, 'key', 'value', 0)).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBe('value');
        expect(await proxySet(cl, 'key', 'value', -10)).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBeNull();
        await primary.kill();
        expect(await proxyGet(cl, 'key')).toBeNull();
        await directSet(b, 'key', 'value');
        expect(await proxyGet(cl, 'key')).toBe('value');
        expect(await proxySet(cl, 'key', 'value', -10)).toBe('STORED\r\n');
        expect(await proxyGet(cl, 'key')).toBeNull();
      });
    } finally {
      await primary.stop();
    }
  });

  test('sets that fail over are stored with exptime min(request, failover_exptime): 60 s by default', async () => {
    await withProxy(cfg(d(0)), async (cl) => {
      expect(await proxySet(cl, 'forever', 'v', 0)).toBe('STORED\r\n');
      const ttl = await directTtl(b, 'forever');
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
      expect(await proxySet(cl, 'short', 'v', 5)).toBe('STORED\r\n');
      expect(await directTtl(b, 'short')).toBeLessThanOrEqual(5);
    });
  });

  test('failover_exptime 3 (mcrouter test_get_failover.json, #14): the failover copy lives 3 s', async () => {
    await withProxy(cfg(d(0), { failover_exptime: 3 }), async (cl) => {
      expect(await proxySet(cl, 'testkey', 'bizbang-fail', 0)).toBe('STORED\r\n');
      expect(await proxyGet(cl, 'testkey')).toBe('bizbang-fail');
      const ttl = await directTtl(b, 'testkey');
      expect(ttl).toBeGreaterThanOrEqual(1);
      expect(ttl).toBeLessThanOrEqual(3);
    });
  });

  test('failover_tag (mcrouter TestGetFailoverWithFailoverTag, #14): the failover key gets ":failover=1"', async () => {
    const primary = await Memcached.start();
    try {
      await withProxy(cfg(primary.address, { failover_exptime: 3, failover_tag: true }), async (cl) => {
        const key = 'testkey|#|extra=1';
        expect(await proxyGet(cl, key)).toBeNull();
        expect(await proxySet(cl, key, 'bizbang')).toBe('STORED\r\n');
        expect(await proxyGet(cl, key)).toBe('bizbang');
        await primary.kill();
        expect(await proxyGet(cl, key)).toBeNull();
        expect(await proxySet(cl, key, 'bizbang-fail')).toBe('STORED\r\n');
        expect(await proxyGet(cl, key)).toBe('bizbang-fail');
        expect(await directGet(b, `${key}:failover=1`)).toBe(
          `VALUE ${key}:failover=1 0 12\r\nbizbang-fail\r\nEND\r\n`,
        );
        expect(await directGet(b, key)).toBe('END\r\n');
        // Keys without a hash stop are not tagged.
        expect(await proxySet(cl, 'plain', 'p')).toBe('STORED\r\n');
        expect(await directGet(b, 'plain')).toBe('VALUE plain 0 1\r\np\r\nEND\r\n');
      });
    } finally {
      await primary.stop();
    }
  });
});

describe('failover_errors (mcrouter TestBasicFailoverOverride #12, test_custom_failover.py #16)', () => {
  test('{updates: []}: a set to a dead primary fails; gets still fail over', async () => {
    await directSet(b, 'key2', 'value2');
    await withProxy(
      {
        pools: { A: { servers: [d(0)] }, B: { servers: [b.address] } },
        route: {
          type: 'FailoverWithExptimeRoute',
          normal: 'PoolRoute|A',
          failover: 'PoolRoute|B',
          failover_errors: { updates: [] },
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'key1', 'value1')).toMatch(/^SERVER_ERROR /);
        expect(await directGet(b, 'key1')).toBe('END\r\n');
        expect(await proxyGet(cl, 'key1')).toBeNull();
        expect(await proxyGet(cl, 'key2')).toBe('value2');
      },
    );
  });

  describe('["remote_error"]: only server errors fail over', () => {
    let small: Memcached;
    beforeAll(async () => {
      // memcached with 1 KiB items answers bigger sets with "SERVER_ERROR object too large for cache".
      small = await Memcached.start(['-I', '1k', '-o', 'slab_chunk_max=512']);
    });
    afterAll(async () => {
      await small.stop();
    });
    const big = 'x'.repeat(2000);

    test('a backend SERVER_ERROR fails over to the next child', async () => {
      await withProxy(
        {
          pools: { A: { servers: [small.address] }, B: { servers: [b.address] } },
          route: {
            type: 'FailoverRoute',
            children: ['PoolRoute|A', 'PoolRoute|B'],
            failover_errors: ['remote_error'],
          },
        },
        async (cl) => {
          expect(await proxySet(cl, 'big', big)).toBe('STORED\r\n');
          expect(await directGet(b, 'big')).toBe(`VALUE big 0 2000\r\n${big}\r\nEND\r\n`);
        },
      );
    });

    test("a connection error is not in the list: the dead server's error is returned", async () => {
      await withProxy(
        {
          pools: { A: { servers: [d(0)] }, B: { servers: [b.address] } },
          route: {
            type: 'FailoverRoute',
            children: ['PoolRoute|A', 'PoolRoute|B'],
            failover_errors: ['remote_error'],
          },
        },
        async (cl) => {
          expect(await proxySet(cl, 'k', 'v')).toMatch(/^SERVER_ERROR /);
          expect(await directGet(b, 'k')).toBe('END\r\n');
        },
      );
    });

    test('per-operation override {gets: [...], updates: []}: the set returns the server error', async () => {
      await withProxy(
        {
          pools: { A: { servers: [small.address] }, B: { servers: [b.address] } },
          route: {
            type: 'FailoverRoute',
            children: ['PoolRoute|A', 'PoolRoute|B'],
            failover_errors: { gets: ['remote_error'], updates: [] },
          },
        },
        async (cl) => {
          expect(await proxySet(cl, 'big', big)).toBe('SERVER_ERROR object too large for cache\r\n');
          expect(await directGet(b, 'big')).toBe('END\r\n');
        },
      );
    });
  });

  test('an unknown result name is a config error naming the path', async () => {
    await expect(
      withProxy(
        {
          route: {
            type: 'FailoverRoute',
            children: ['NullRoute', 'NullRoute'],
            failover_errors: ['not_a_result'],
          },
        },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow("route.failover_errors[0]: Failover error 'not_a_result' is not a valid error type.");
  });
});

describe('FailoverRoute reply rule: children in order until a reply that is not a failover error', () => {
  test('a miss is an answer, not a failure: no failover', async () => {
    await directSet(b, 'k', 'on-b');
    await withProxy(
      {
        pools: { A: { servers: [a.address] }, B: { servers: [b.address] } },
        route: { type: 'FailoverRoute', children: ['PoolRoute|A', 'PoolRoute|B'] },
      },
      async (cl) => {
        expect(await proxyGet(cl, 'k')).toBeNull();
      },
    );
  });

  test("every child failing: the last child's reply", async () => {
    await withProxy(
      { route: { type: 'FailoverRoute', children: [remote('first'), busy, remote('last')] } },
      async (cl) => {
        expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR last\r\n');
      },
    );
  });

  test('a stopped primary: the timeout fails over; counters count it', async () => {
    const slow = await Memcached.start();
    await slow.pause();
    await directSet(b, 'k', 'v');
    try {
      await withProxy(
        {
          // Only the stopped server's timeout is short: B's reply must never lose the race.
          pools: { S: { servers: [slow.address], server_timeout: 100 }, B: { servers: [b.address] } },
          route: { type: 'FailoverRoute', children: ['PoolRoute|S', 'PoolRoute|B'] },
        },
        async (cl) => {
          expect(await proxyGet(cl, 'k')).toBe('v');
          expect(await proxyStat(cl, 'failover_all')).toBe('1');
        },
      );
    } finally {
      await slow.stop();
    }
  });

  test('0 children is NullRoute; 1 child is the child', async () => {
    await withProxy({ route: { type: 'FailoverRoute', children: [] } }, async (cl) => {
      expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
    });
    await withProxy(
      { pools: { B: { servers: [b.address] } }, route: 'FailoverRoute|PoolRoute|B' },
      async (cl, proxy) => {
        expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=B/);
        expect(await proxySet(cl, 'k', 'v')).toBe('STORED\r\n');
      },
    );
  });
});

describe('failover_policy', () => {
  test('LeastFailuresPolicy max_tries 3 (mcrouter TestBasicFailoverLeastFailures, #13)', async () => {
    await directSet(c, 'key', 'value');
    await withProxy(
      {
        pools: {
          P0: { servers: [d(0)] },
          P1: { servers: [d(1)] },
          P2: { servers: [d(2)] },
          P3: { servers: [c.address] },
        },
        route: {
          type: 'FailoverRoute',
          children: ['PoolRoute|P0', 'PoolRoute|P1', 'PoolRoute|P2', 'PoolRoute|P3'],
          failover_policy: { type: 'LeastFailuresPolicy', max_tries: 3 },
        },
      },
      async (cl) => {
        const before = await memcachedStat(c, 'cmd_get');
        // Children 0, 1, 2 are tried and fail; the 4th is not tried.
        expect(await ask(cl, 'get key\r\n')).toMatch(/^SERVER_ERROR /);
        expect(await memcachedStat(c, 'cmd_get')).toBe(before);
        // Now children 1 and 2 have one failure each and child 3 none: 0, then 3.
        expect(await proxyGet(cl, 'key')).toBe('value');
      },
    );
  });

  test('LeastFailuresPolicy needs max_tries', async () => {
    await expect(
      withProxy(
        {
          route: {
            type: 'FailoverRoute',
            children: ['NullRoute', 'NullRoute'],
            failover_policy: { type: 'LeastFailuresPolicy' },
          },
        },
        async () => {
          /* not reached */
        },
      ),
    ).rejects.toThrow("route.failover_policy: Failover: LeastFailuresPolicy must specify 'max_tries' field");
  });

  test('DeterministicOrderPolicy: max_error_tries ends the search; exclude_errors do not count', async () => {
    await directSet(b, 'k', 'found');
    const cfg = (maxErrorTries: number, exclude?: string[]): unknown => ({
      pools: { B: { servers: [b.address] } },
      route: {
        type: 'FailoverRoute',
        children: [remote('r0'), remote('r1'), 'PoolRoute|B'],
        failover_policy: {
          type: 'DeterministicOrderPolicy',
          max_tries: 3,
          max_error_tries: maxErrorTries,
          ignore_normal_reply_index: true,
          ...(exclude !== undefined ? { exclude_errors: exclude } : {}),
        },
      },
    });
    await withProxy(cfg(3), async (cl) => {
      expect(await proxyGet(cl, 'k')).toBe('found');
    });
    await withProxy(cfg(1), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR r0\r\n');
    });
    await withProxy(cfg(1, ['remote_error']), async (cl) => {
      expect(await proxyGet(cl, 'k')).toBe('found');
    });
  });
});

describe('failover_limit: a token bucket over requests (mcrouter TestFailoverWithLimit*, #15)', () => {
  test('rate 0.2, burst 9.8: the first 12 requests fail over, then exactly one in five; the rest get the normal reply', async () => {
    await directSet(b, 'key', 'value.gut');
    await withProxy(
      {
        pools: { B: { servers: [b.address] } },
        route: {
          type: 'FailoverRoute',
          children: [busy, 'PoolRoute|B'],
          failover_limit: { rate: 0.2, burst: 9.8 },
        },
      },
      async (cl) => {
        for (let i = 0; i < 12; i++) expect(await proxyGet(cl, 'key'), `request ${i}`).toBe('value.gut');
        for (let round = 0; round < 10; round++) {
          for (let i = 0; i < 4; i++) expect(await ask(cl, 'get key\r\n')).toBe('SERVER_ERROR 307 busy\r\n');
          expect(await proxyGet(cl, 'key')).toBe('value.gut');
        }
        expect(await proxyStat(cl, 'failover_rate_limited')).toBe('40');
      },
    );
  });

  test('TKO-like errors (a dead server: connect errors, then TKO) take no tokens', async () => {
    await directSet(b, 'key', 'value');
    await withProxy(
      {
        pools: { A: { servers: [d(0)] }, B: { servers: [b.address] } },
        route: {
          type: 'FailoverRoute',
          children: ['PoolRoute|A', 'PoolRoute|B'],
          failover_limit: { rate: 0.01, burst: 1 },
        },
      },
      async (cl) => {
        for (let i = 0; i < 20; i++) expect(await proxyGet(cl, 'key'), `request ${i}`).toBe('value');
      },
    );
  });

  test('timeouts take tokens: with burst 2 the third timeout is returned', async () => {
    const slow = await Memcached.start();
    await slow.pause();
    await directSet(b, 'key', 'value');
    try {
      await withProxy(
        {
          // Only the stopped server's timeout is short: B's reply must never lose the race.
          pools: { S: { servers: [slow.address], server_timeout: 100 }, B: { servers: [b.address] } },
          route: {
            type: 'FailoverRoute',
            children: ['PoolRoute|S', 'PoolRoute|B'],
            failover_limit: { rate: 0.01, burst: 2 },
          },
        },
        async (cl) => {
          expect(await proxyGet(cl, 'key')).toBe('value');
          expect(await proxyGet(cl, 'key')).toBe('value');
          expect(await ask(cl, 'get key\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
        },
      );
    } finally {
      await slow.stop();
    }
  });
});

describe('MissFailoverRoute: gets and deletes move on after a miss or an error', () => {
  const cfg = (extra: Record<string, unknown> = {}, first = a.address): unknown => ({
    pools: { A: { servers: [first] }, B: { servers: [b.address] } },
    route: { type: 'MissFailoverRoute', children: ['PoolRoute|A', 'PoolRoute|B'], ...extra },
  });

  test('a miss on the first child, a hit on the second: the hit', async () => {
    await directSet(b, 'k', 'on-b');
    await withProxy(cfg(), async (cl) => {
      expect(await proxyGet(cl, 'k')).toBe('on-b');
    });
  });

  test('a hit on the first child is returned without asking the second', async () => {
    await directSet(a, 'k', 'on-a');
    await directSet(b, 'k', 'on-b');
    await withProxy(cfg(), async (cl) => {
      const before = await memcachedStat(b, 'cmd_get');
      expect(await proxyGet(cl, 'k')).toBe('on-a');
      expect(await memcachedStat(b, 'cmd_get')).toBe(before);
    });
  });

  test('deletes fail over on NOT_FOUND; sets go to the first child only', async () => {
    await directSet(b, 'k', 'on-b');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'delete k\r\n')).toBe('DELETED\r\n');
      expect(await directGet(b, 'k')).toBe('END\r\n');
      expect(await proxySet(cl, 's', 'v')).toBe('STORED\r\n');
      expect(await directGet(a, 's')).toBe('VALUE s 0 1\r\nv\r\nEND\r\n');
      expect(await directGet(b, 's')).toBe('END\r\n');
    });
  });

  test('no hit anywhere: the last reply; with return_best_on_error a miss beats a later error', async () => {
    const errLast = (best: boolean): unknown => ({
      pools: { A: { servers: [a.address] } },
      route: {
        type: 'MissFailoverRoute',
        children: ['PoolRoute|A', remote('broken')],
        return_best_on_error: best,
      },
    });
    await withProxy(errLast(false), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR broken\r\n');
    });
    await withProxy(errLast(true), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
    });
    await withProxy(cfg({}, d(0)), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
    });
  });

  test('0 children is NullRoute; 1 child is the child', async () => {
    await withProxy({ route: { type: 'MissFailoverRoute', children: [] } }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
    });
    await withProxy(
      { pools: { B: { servers: [b.address] } }, route: 'MissFailoverRoute|PoolRoute|B' },
      async (cl, proxy) => {
        expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=B/);
        expect(await proxySet(cl, 'k', 'v')).toBe('STORED\r\n');
      },
    );
  });
});

/** Which of a, b, c holds `key` (-1: none, -2: several). */
async function whereIs(key: string): Promise<number> {
  const on: number[] = [];
  for (const [i, m] of [a, b, c].entries()) if ((await directGet(m, key)) !== 'END\r\n') on.push(i);
  return on.length === 1 ? (on[0] as number) : on.length === 0 ? -1 : -2;
}

const threePools = (): Record<string, unknown> => ({
  A: { servers: [a.address] },
  B: { servers: [b.address] },
  C: { servers: [c.address] },
});

describe('HostIdRoute: child hostid % n, chosen when the config is built', () => {
  test('--hostid 0, 1, 2, 5 pick children 0, 1, 2, 2', async () => {
    for (const [hostId, expected] of [
      [0, 0],
      [1, 1],
      [2, 2],
      [5, 2],
    ] as const) {
      await withProxy(
        {
          pools: threePools(),
          route: { type: 'HostIdRoute', children: ['PoolRoute|A', 'PoolRoute|B', 'PoolRoute|C'] },
        },
        async (cl) => {
          expect(await proxySet(cl, `h${hostId}`, 'v')).toBe('STORED\r\n');
          expect(await whereIs(`h${hostId}`)).toBe(expected);
        },
        { hostId },
      );
    }
  });

  test('no children (an empty pool) is a NullRoute, as mcrouter', async () => {
    await withProxy(
      { pools: { E: { servers: [] } }, route: { type: 'HostIdRoute', children: 'Pool|E' } },
      async (cl) => {
        expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
        expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
        expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
      },
    );
  });
});

describe('LatestRoute: failover over failover_count children picked by host id', () => {
  const cfg = (count: number): unknown => ({
    pools: threePools(),
    route: {
      type: 'LatestRoute',
      children: ['PoolRoute|A', 'PoolRoute|B', 'PoolRoute|C'],
      failover_count: count,
    },
  });

  test('each host id always uses the same child, and host ids spread over the children', async () => {
    const picked = new Set<number>();
    for (let hostId = 0; hostId < 12; hostId++) {
      let first = -1;
      for (let run = 0; run < 2; run++) {
        await withProxy(
          cfg(1),
          async (cl) => {
            const key = `latest-${hostId}-${run}`;
            expect(await proxySet(cl, key, 'v')).toBe('STORED\r\n');
            const where = await whereIs(key);
            expect(where).toBeGreaterThanOrEqual(0);
            if (run === 0) first = where;
            else expect(where).toBe(first);
          },
          { hostId },
          'starts 24 proxies in turn: as 2-worker clusters they outlast the test timeout',
        );
      }
      picked.add(first);
    }
    expect(picked.size).toBeGreaterThan(1);
  });

  test('failover_count 2: when the first pick is down, the second takes the writes', async () => {
    // Find where host 7 writes, then build the same LatestRoute with that child dead.
    let first = -1;
    await withProxy(
      cfg(2),
      async (cl) => {
        expect(await proxySet(cl, 'lat', 'v')).toBe('STORED\r\n');
        first = await whereIs('lat');
      },
      { hostId: 7 },
    );
    expect(first).toBeGreaterThanOrEqual(0);
    const pools = threePools();
    pools[['A', 'B', 'C'][first] as string] = { servers: [d(0)] };
    await withProxy(
      {
        pools,
        route: {
          type: 'LatestRoute',
          children: ['PoolRoute|A', 'PoolRoute|B', 'PoolRoute|C'],
          failover_count: 2,
        },
      },
      async (cl) => {
        expect(await proxySet(cl, 'lat2', 'v')).toBe('STORED\r\n');
        const second = await whereIs('lat2');
        expect(second).toBeGreaterThanOrEqual(0);
        expect(second).not.toBe(first);
      },
      { hostId: 7 },
    );
  });
});
