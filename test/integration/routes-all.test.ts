/**
 * The All* family and RandomRoute against real memcached servers (`mcrouter/lib/routes/AllSyncRoute.h`; mcrouter tests
 * `TestBasicAllSync*`, `TestBasicAllMajority`, `mcrouter/test/` #7–#8): each route's reply rule, and the
 * 0-child / 1-child / all-error edge cases. A SIGSTOPped memcached is the slow server, a free port
 * with nothing listening the dead one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { directGet, directSet, directTtl } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';

let m: Memcached[];
let dead: string;
let dead2: string;

beforeAll(async () => {
  m = await Promise.all([0, 1, 2, 3].map(() => Memcached.start()));
  dead = `127.0.0.1:${await freePort()}`;
  dead2 = `127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await Promise.all(m.map((x) => x.stop()));
});
beforeEach(async () => {
  // Every test starts from empty servers.
  for (const x of m) {
    const c = await RawClient.connect(x.port);
    expect(await c.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    c.close();
  }
});

const mc = (i: number): Memcached => m[i] as Memcached;
const pools = (n: number): Record<string, { servers: string[] }> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`P${i}`, { servers: [mc(i).address] }]));
const children = (n: number): string[] => Array.from({ length: n }, (_, i) => `PoolRoute|P${i}`);

describe('AllSyncRoute: all children, waits for all, the worst reply (`mcrouter/test/` #7)', () => {
  const cfg = (): unknown => ({ pools: pools(3), route: { type: 'AllSyncRoute', children: children(3) } });

  test('get/gat/gats hit when every server has the key', async () => {
    for (let i = 0; i < 3; i++) await directSet(mc(i), 'k', 'value');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('VALUE k 0 5\r\nvalue\r\nEND\r\n');
      expect(await ask(cl, 'gat 100 k\r\n')).toBe('VALUE k 0 5\r\nvalue\r\nEND\r\n');
      expect(await ask(cl, 'gats 100 k\r\n')).toMatch(/^VALUE k 0 5 \d+\r\nvalue\r\nEND\r\n$/);
    });
  });

  test('delete: DELETED when all had the key, NOT_FOUND when only one had it', async () => {
    for (let i = 0; i < 3; i++) await directSet(mc(i), 'k', 'value');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'delete k\r\n')).toBe('DELETED\r\n');
      await directSet(mc(0), 'k', 'value');
      expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
      for (let i = 0; i < 3; i++) expect(await directGet(mc(i), 'k')).toBe('END\r\n');
    });
  });

  test('append/prepend reach every server; a key on one server only: append NOT_STORED, get a miss', async () => {
    for (let i = 0; i < 3; i++) await directSet(mc(i), 'k', 'value');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'append k 0 0 6\r\nsuffix\r\n')).toBe('STORED\r\n');
      expect(await ask(cl, 'prepend k 0 0 6\r\nprefix\r\n')).toBe('STORED\r\n');
      for (let i = 0; i < 3; i++) {
        expect(await directGet(mc(i), 'k')).toBe('VALUE k 0 17\r\nprefixvaluesuffix\r\nEND\r\n');
      }
      await directSet(mc(1), 'one', 'v');
      expect(await ask(cl, 'append one 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
      expect(await ask(cl, 'get one\r\n')).toBe('END\r\n');
    });
  });

  test('touch: TOUCHED ranks above every other result (mcrouter quirk), even with one server', async () => {
    await directSet(mc(2), 'k', 'v');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'touch k 100\r\n')).toBe('TOUCHED\r\n');
      expect(await ask(cl, 'touch nothere 100\r\n')).toBe('NOT_FOUND\r\n');
    });
  });

  test('gat with a negative exptime expires the key on every server', async () => {
    for (let i = 0; i < 3; i++) await directSet(mc(i), 'k', 'value', 0, 1000);
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'gat -1 k\r\n')).toBe('VALUE k 0 5\r\nvalue\r\nEND\r\n');
      for (let i = 0; i < 3; i++) expect(await directGet(mc(i), 'k')).toBe('END\r\n');
    });
  });

  test('an error beats success: one dead child makes the set fail, the others still store', async () => {
    await withProxy(
      {
        pools: { ...pools(2), D: { servers: [dead] } },
        route: { type: 'AllSyncRoute', children: [...children(2), 'PoolRoute|D'] },
      },
      async (cl) => {
        expect(await proxySet(cl, 'k', 'v')).toMatch(/^SERVER_ERROR /);
        expect(await directGet(mc(0), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
        expect(await directGet(mc(1), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
      },
    );
  });

  test('it waits for the slowest child: a stopped server turns the reply into its timeout', async () => {
    const slow = await Memcached.start();
    await slow.pause();
    try {
      await withProxy(
        {
          pools: { ...pools(1), S: { servers: [slow.address] } },
          route: { type: 'AllSyncRoute', children: ['PoolRoute|P0', 'PoolRoute|S'] },
        },
        async (cl) => {
          const t0 = performance.now();
          expect(await proxySet(cl, 'k', 'v')).toBe('SERVER_ERROR Reply timeout\r\n');
          expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
        },
        { serverTimeoutMs: 200 },
      );
    } finally {
      await slow.stop();
    }
  });

  test('every child failing: an error', async () => {
    await withProxy(
      { pools: { D: { servers: [dead] }, E: { servers: [dead2] } }, route: 'AllSyncRoute|Pool|D' },
      async (cl) => {
        expect(await ask(cl, 'get k\r\n')).toMatch(/^SERVER_ERROR /);
      },
    );
  });

  test('0 children is NullRoute (an empty pool, mcrouter test_empty_pool); 1 child is the child', async () => {
    await withProxy({ pools: { E: { servers: [] } }, route: 'AllSyncRoute|Pool|E' }, async (cl, proxy) => {
      expect(await ask(cl, 'get foo\r\n')).toBe('END\r\n');
      expect(await proxySet(cl, 'foo', 'v')).toBe('NOT_STORED\r\n');
      expect(proxy.server.config.root.defaultRoute.name).toBe('null');
    });
    await withProxy({ pools: pools(1), route: 'AllSyncRoute|Pool|P0' }, async (cl, proxy) => {
      expect(await proxySet(cl, 'one', 'v')).toBe('STORED\r\n');
      expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=P0/);
    });
  });
});

describe('AllMajorityRoute: the result half + 1 children agree on; ties go to the worse (`mcrouter/test/` #8)', () => {
  const cfg = (): unknown => ({
    pools: pools(4),
    route: { type: 'AllMajorityRoute', children: children(4) },
  });
  const setOn = async (which: number[]): Promise<void> => {
    for (const i of which) await directSet(mc(i), 'key', 'value');
  };

  test('delete: DELETED with 4/4 and 3/4; NOT_FOUND with 1/4; a 2–2 tie is NOT_FOUND', async () => {
    await withProxy(cfg(), async (cl) => {
      await setOn([0, 1, 2, 3]);
      expect(await ask(cl, 'delete key\r\n')).toBe('DELETED\r\n');
      // The route may answer before the last delete lands: wait for every server to be empty.
      await vi.waitFor(
        async () => {
          for (let i = 0; i < 4; i++) expect(await directGet(mc(i), 'key')).toBe('END\r\n');
        },
        { timeout: 5000 },
      );
      await setOn([0, 1, 2]);
      expect(await ask(cl, 'delete key\r\n')).toBe('DELETED\r\n');
      await vi.waitFor(
        async () => {
          for (let i = 0; i < 4; i++) expect(await directGet(mc(i), 'key')).toBe('END\r\n');
        },
        { timeout: 5000 },
      );
      await setOn([0]);
      expect(await ask(cl, 'delete key\r\n')).toBe('NOT_FOUND\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(mc(0), 'key')).toBe('END\r\n');
        },
        { timeout: 5000 },
      );
      await setOn([0, 1]);
      expect(await ask(cl, 'delete key\r\n')).toBe('NOT_FOUND\r\n');
    });
  });

  test('errors count like any result: two dead children out of three win with their error', async () => {
    await withProxy(
      {
        pools: { ...pools(1), D: { servers: [dead] }, E: { servers: [dead2] } },
        route: { type: 'AllMajorityRoute', children: ['PoolRoute|P0', 'PoolRoute|D', 'PoolRoute|E'] },
      },
      async (cl) => {
        expect(await ask(cl, 'get nothere\r\n')).toMatch(/^SERVER_ERROR /);
      },
    );
  });

  test('answers once a majority agrees, without waiting for a stopped server', async () => {
    const slow = await Memcached.start();
    await slow.pause();
    try {
      await directSet(mc(0), 'k', 'v');
      await directSet(mc(1), 'k', 'v');
      await withProxy(
        {
          pools: { ...pools(2), S: { servers: [slow.address] } },
          route: { type: 'AllMajorityRoute', children: ['PoolRoute|S', 'PoolRoute|P0', 'PoolRoute|P1'] },
        },
        async (cl) => {
          const t0 = performance.now();
          expect(await ask(cl, 'get k\r\n')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
          // Half the server timeout: the majority did not wait for the stopped server, with
          // seconds of headroom for a loaded machine (the 2-worker pass).
          expect(performance.now() - t0).toBeLessThan(3000);
        },
        { serverTimeoutMs: 6000 },
      );
    } finally {
      await slow.stop();
    }
  });

  test('0 children is NullRoute; 1 child is the child', async () => {
    await withProxy({ route: { type: 'AllMajorityRoute', children: [] } }, async (cl) => {
      expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
    });
    await withProxy({ pools: pools(1), route: 'AllMajorityRoute|Pool|P0' }, async (cl, proxy) => {
      expect(await proxySet(cl, 'k', 'v')).toBe('STORED\r\n');
      expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=P0/);
    });
  });
});

describe("AllAsyncRoute: every child in the background, NullRoute's reply at once", () => {
  test('set answers NOT_STORED, yet every server gets the value; get is a miss; delete NOT_FOUND', async () => {
    await withProxy(
      { pools: pools(2), route: { type: 'AllAsyncRoute', children: children(2) } },
      async (cl) => {
        expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await directGet(mc(0), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
            expect(await directGet(mc(1), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
          },
          { timeout: 5000 },
        );
        expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
        expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
        await vi.waitFor(
          async () => {
            expect(await directGet(mc(0), 'k')).toBe('END\r\n');
          },
          { timeout: 5000 },
        );
      },
    );
  });

  test('a dead or stopped child changes nothing for the client', async () => {
    await withProxy(
      {
        pools: { D: { servers: [dead] }, ...pools(1) },
        route: { type: 'AllAsyncRoute', children: ['PoolRoute|D', 'PoolRoute|P0'] },
      },
      async (cl) => {
        expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await directGet(mc(0), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
          },
          { timeout: 5000 },
        );
      },
    );
  });

  test('1 child keeps the wrapper (still NOT_STORED); 0 children is NullRoute', async () => {
    await withProxy({ pools: pools(1), route: 'AllAsyncRoute|Pool|P0' }, async (cl, proxy) => {
      expect(proxy.server.config.root.defaultRoute.name).toBe('all-async');
      expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(mc(0), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
    });
    await withProxy({ route: { type: 'AllAsyncRoute', children: [] } }, async (cl, proxy) => {
      expect(proxy.server.config.root.defaultRoute.name).toBe('null');
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
    });
  });
});

describe("AllInitialRoute: the first child's reply; the others in the background", () => {
  test('returns child 0 (a hit or a miss), while every child gets the writes', async () => {
    await directSet(mc(1), 'only1', 'x');
    await withProxy(
      { pools: pools(2), route: { type: 'AllInitialRoute', children: children(2) } },
      async (cl) => {
        expect(await ask(cl, 'get only1\r\n')).toBe('END\r\n');
        expect(await proxySet(cl, 'k', 'v', 100)).toBe('STORED\r\n');
        await vi.waitFor(
          async () => {
            expect(await directGet(mc(1), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
          },
          { timeout: 5000 },
        );
        expect(await directTtl(mc(1), 'k')).toBeGreaterThan(90);
      },
    );
  });

  test('child 0 dead: its error, though the other child stores', async () => {
    await withProxy(
      {
        pools: { D: { servers: [dead] }, ...pools(1) },
        route: { type: 'AllInitialRoute', children: ['PoolRoute|D', 'PoolRoute|P0'] },
      },
      async (cl) => {
        expect(await proxySet(cl, 'k', 'v')).toMatch(/^SERVER_ERROR /);
        await vi.waitFor(
          async () => {
            expect(await directGet(mc(0), 'k')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
          },
          { timeout: 5000 },
        );
      },
    );
  });

  test('0 children is NullRoute; 1 child is the child', async () => {
    await withProxy({ route: { type: 'AllInitialRoute', children: [] } }, async (cl) => {
      expect(await proxySet(cl, 'k', 'v')).toBe('NOT_STORED\r\n');
    });
    await withProxy({ pools: pools(1), route: 'AllInitialRoute|Pool|P0' }, async (cl, proxy) => {
      expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=P0/);
      expect(await proxySet(cl, 'k', 'v')).toBe('STORED\r\n');
    });
  });
});

describe('RandomRoute: one child per request, uniformly', () => {
  test('each key lands on exactly one server, and both servers get some of 40 keys', async () => {
    await withProxy(
      { pools: pools(2), route: { type: 'RandomRoute', children: children(2) } },
      async (cl) => {
        let first = 0;
        let second = 0;
        for (let i = 0; i < 40; i++) {
          expect(await proxySet(cl, `r${i}`, 'v')).toBe('STORED\r\n');
          const on = await Promise.all(
            [0, 1].map(async (j) => (await directGet(mc(j), `r${i}`)) !== 'END\r\n'),
          );
          expect(on.filter(Boolean)).toHaveLength(1);
          if (on[0] === true) first++;
          else second++;
        }
        expect(first).toBeGreaterThan(0);
        expect(second).toBeGreaterThan(0);
        expect(await proxyGet(cl, 'never')).toBeNull();
      },
    );
  });

  test('0 children is NullRoute; 1 child is the child', async () => {
    await withProxy({ route: { type: 'RandomRoute', children: [] } }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
    });
    await withProxy({ pools: pools(1), route: 'RandomRoute|Pool|P0' }, async (cl, proxy) => {
      expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=P0/);
      expect(await proxySet(cl, 'k', 'v')).toBe('STORED\r\n');
    });
  });
});
