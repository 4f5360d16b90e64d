/**
 * Each route handle's reply-selection rule (`mcrouter/routes/`), with real memcached servers. A stopped
 * (SIGSTOP) memcached plays the slow server, a closed port the dead one.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { startProxy } from '../helpers/proxy.js';
import { ask, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';
import { directGet, directSet, directTtl } from '../helpers/direct.js';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';

let a: Memcached;
let b: Memcached;
let c: Memcached;
let slow: Memcached;
let dead: string;

beforeAll(async () => {
  [a, b, c, slow] = await Promise.all([
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
  ]);
  // Dead servers on 127.0.0.5/6, where no test's memcached (which may take a freed port on 127.0.0.1) listens.
  dead = `127.0.0.5:${await freePort()}`;
});
afterAll(async () => {
  await Promise.all([a, b, c, slow].map((m) => m.stop()));
});

describe('AllFastestRoute: first reply that is not a failover error, else the last', () => {
  test('a dead child does not stop a live one: STORED', async () => {
    await withProxy(
      {
        pools: { D: { servers: [dead] }, A: { servers: [a.address] } },
        route: { type: 'AllFastestRoute', children: ['PoolRoute|D', 'PoolRoute|A'] },
      },
      async (cl) => {
        expect(await ask(cl, 'set af1 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
      },
    );
  });

  test('all children failing: the last error', async () => {
    const dead2 = `127.0.0.6:${await freePort()}`;
    await withProxy(
      {
        pools: { D: { servers: [dead] }, E: { servers: [dead2] } },
        route: { type: 'AllFastestRoute', children: ['PoolRoute|D', 'PoolRoute|E'] },
      },
      async (cl) => {
        expect(await ask(cl, 'get x\r\n')).toMatch(/^SERVER_ERROR AsyncSocketException: connect failed/);
      },
    );
  });

  test('a fast miss beats a slow server: END long before the timeout', async () => {
    await slow.pause();
    try {
      await withProxy(
        {
          pools: { S: { servers: [slow.address] }, A: { servers: [a.address] } },
          route: { type: 'AllFastestRoute', children: ['PoolRoute|S', 'PoolRoute|A'] },
        },
        async (cl) => {
          const t0 = performance.now();
          expect(await ask(cl, 'get af-miss\r\n')).toBe('END\r\n');
          // Half the server timeout: the miss did not wait for the stopped server, with seconds
          // of headroom for a loaded machine (the 2-worker pass).
          expect(performance.now() - t0).toBeLessThan(3000);
        },
        { serverTimeoutMs: 6000 },
      );
    } finally {
      slow.signal('SIGCONT');
    }
  });

  test('CLIENT_ERROR is not a failover error: returned at once', async () => {
    await directSet(a, 'notnum', 'abc');
    await slow.pause();
    try {
      await withProxy(
        {
          pools: { S: { servers: [slow.address] }, A: { servers: [a.address] } },
          route: { type: 'AllFastestRoute', children: ['PoolRoute|S', 'PoolRoute|A'] },
        },
        async (cl) => {
          expect(await ask(cl, 'incr notnum 1\r\n')).toBe(
            'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
          );
        },
        { serverTimeoutMs: 2000 },
      );
    } finally {
      slow.signal('SIGCONT');
    }
  });

  test('no children is NullRoute; one child is that child', async () => {
    await withProxy({ route: { type: 'AllFastestRoute', children: [] } }, async (cl) => {
      expect(await ask(cl, 'set z 0 0 1\r\nz\r\n')).toBe('NOT_STORED\r\n');
    });
    await withProxy(
      {
        pools: { A: { servers: [a.address] } },
        route: { type: 'AllFastestRoute', children: ['PoolRoute|A'] },
      },
      async (cl, proxy) => {
        expect(await ask(cl, 'set one 0 0 1\r\n1\r\n')).toBe('STORED\r\n');
        expect(proxy.server.config.root.defaultRoute.name).toMatch(/^host\|pool=A/);
      },
    );
  });
});

describe('WarmUpRoute: cold first, warm on a miss, fills cold', () => {
  const cfg = (exptime?: number): unknown => ({
    pools: { cold: { servers: [a.address] }, warm: { servers: [b.address] } },
    route: {
      type: 'WarmUpRoute',
      cold: 'PoolRoute|cold',
      warm: 'PoolRoute|warm',
      ...(exptime !== undefined ? { exptime } : {}),
    },
  });

  test('get: a cold hit is returned and warm is not consulted', async () => {
    await directSet(a, 'wu1', 'cold');
    await directSet(b, 'wu1', 'warm');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'get wu1\r\n')).toBe('VALUE wu1 0 4\r\ncold\r\nEND\r\n');
    });
  });

  test('get: cold miss, warm hit → warm value, cold filled in the background with the configured exptime', async () => {
    await directSet(b, 'wu2', 'warmval', 9);
    await withProxy(cfg(100), async (cl) => {
      expect(await ask(cl, 'get wu2\r\n')).toBe('VALUE wu2 9 7\r\nwarmval\r\nEND\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(a, 'wu2')).toBe('VALUE wu2 9 7\r\nwarmval\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
      const ttl = await directTtl(a, 'wu2');
      expect(ttl).toBeGreaterThan(95);
      expect(ttl).toBeLessThanOrEqual(100);
    });
  });

  test('get: with enable_metaget false and no exptime the fill never expires (mcrouter OSS default)', async () => {
    await directSet(b, 'wu3', 'v', 0, 500);
    await withProxy(
      { ...(cfg() as object), route: { ...(cfg() as { route: object }).route, enable_metaget: false } },
      async (cl) => {
        expect(await ask(cl, 'get wu3\r\n')).toBe('VALUE wu3 0 1\r\nv\r\nEND\r\n');
        await vi.waitFor(
          async () => {
            expect(await directTtl(a, 'wu3')).toBe(-1);
          },
          { timeout: 5000 },
        );
      },
    );
  });

  test('get: a miss on both is a miss', async () => {
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'get wu-none\r\n')).toBe('END\r\n');
    });
  });

  test('get: cold down, warm hit → warm value (warm reply is returned)', async () => {
    await directSet(b, 'wu4', 'w');
    await withProxy(
      {
        pools: { cold: { servers: [dead] }, warm: { servers: [b.address] } },
        route: { type: 'WarmUpRoute', cold: 'PoolRoute|cold', warm: 'PoolRoute|warm' },
      },
      async (cl) => {
        expect(await ask(cl, 'get wu4\r\n')).toBe('VALUE wu4 0 1\r\nw\r\nEND\r\n');
      },
    );
  });

  test('gets: cold miss, warm hit → synchronous fill, then the reply of a second gets to cold (cold cas)', async () => {
    await directSet(b, 'wu5', 'abc', 3);
    await withProxy(cfg(), async (cl) => {
      const reply = await ask(cl, 'gets wu5\r\n');
      expect(reply).toMatch(/^VALUE wu5 3 3 \d+\r\nabc\r\nEND\r\n$/);
      // Synchronous: cold has it the moment the reply is out, and the cas is cold's.
      const cold = await RawClient.connect(a.port);
      expect(await cold.call('gets wu5\r\n', reply)).toBe(reply);
      cold.close();
    });
  });

  test("gat: the fill uses the request's exptime, then gat on cold", async () => {
    await directSet(b, 'wu6', 'g');
    await withProxy(cfg(100), async (cl) => {
      expect(await ask(cl, 'gat 300 wu6\r\n')).toBe('VALUE wu6 0 1\r\ng\r\nEND\r\n');
      const ttl = await directTtl(a, 'wu6');
      expect(ttl).toBeGreaterThan(295);
      expect(ttl).toBeLessThanOrEqual(300);
    });
  });

  test('writes go to cold only: warm keeps its value and serves it after a delete', async () => {
    await directSet(b, 'wu7', 'warm-value');
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'set wu7 0 0 4\r\nnew!\r\n')).toBe('STORED\r\n');
      expect(await directGet(a, 'wu7')).toBe('VALUE wu7 0 4\r\nnew!\r\nEND\r\n');
      expect(await directGet(b, 'wu7')).toBe('VALUE wu7 0 10\r\nwarm-value\r\nEND\r\n');
      expect(await ask(cl, 'delete wu7\r\n')).toBe('DELETED\r\n');
      expect(await ask(cl, 'get wu7\r\n')).toBe('VALUE wu7 0 10\r\nwarm-value\r\nEND\r\n');
    });
  });
});

describe('OperationSelectorRoute', () => {
  test('get → A, set → B, delete → C, anything else → default', async () => {
    const config = {
      pools: { A: { servers: [a.address] }, B: { servers: [b.address] }, C: { servers: [c.address] } },
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'ErrorRoute|reject',
        operation_policies: { get: 'PoolRoute|A', set: 'PoolRoute|B', delete: 'PoolRoute|C' },
      },
    };
    await directSet(a, 'os', 'in-a');
    await directSet(c, 'os', 'in-c');
    await withProxy(config, async (cl) => {
      expect(await ask(cl, 'get os\r\n')).toBe('VALUE os 0 4\r\nin-a\r\nEND\r\n');
      expect(await ask(cl, 'set os 0 0 4\r\nin-b\r\n')).toBe('STORED\r\n');
      expect(await directGet(b, 'os')).toBe('VALUE os 0 4\r\nin-b\r\nEND\r\n');
      expect(await ask(cl, 'delete os\r\n')).toBe('DELETED\r\n');
      expect(await directGet(c, 'os')).toBe('END\r\n');
      expect(await ask(cl, 'touch os 10\r\n')).toBe('SERVER_ERROR reject\r\n');
    });
  });

  test('no policy and no default: mcrouter\'s "unexpected result" reply', async () => {
    await withProxy(
      {
        pools: { A: { servers: [a.address] } },
        route: { type: 'OperationSelectorRoute', operation_policies: { get: 'PoolRoute|A' } },
      },
      async (cl) => {
        expect(await ask(cl, 'touch k 1\r\n')).toBe(
          'SERVER_ERROR unexpected result mc_res_unknown (0) for touch\r\n',
        );
      },
    );
  });
});

describe('NullRoute and ErrorRoute', () => {
  test('NullRoute: NOT_STORED for updates, NOT_FOUND (a miss for gets) for the rest', async () => {
    await withProxy({ route: 'NullRoute' }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('END\r\n');
      expect(await ask(cl, 'set k 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
      expect(await ask(cl, 'append k 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
      expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
      expect(await ask(cl, 'incr k 1\r\n')).toBe('NOT_FOUND\r\n');
      expect(await ask(cl, 'touch k 1\r\n')).toBe('NOT_FOUND\r\n');
    });
  });

  test('ErrorRoute: message, default text, and a chosen result', async () => {
    await withProxy({ route: 'ErrorRoute|some message' }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR some message\r\n');
    });
    await withProxy({ route: 'ErrorRoute' }, async (cl) => {
      expect(await ask(cl, 'set k 0 0 1\r\nx\r\n')).toBe('SERVER_ERROR local error\r\n');
    });
    await withProxy({ route: { type: 'ErrorRoute', result: 'mc_res_busy' } }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR 307 busy\r\n');
    });
  });
});

describe('PoolRoute / HashRoute: key → server as mcrouter hashes it', () => {
  const servers = (): Memcached[] => [a, b, c];
  const check = async (config: unknown, select: (k: Buffer) => number, prefix: string): Promise<void> => {
    await withProxy(config, async (cl) => {
      const keys = Array.from({ length: 30 }, (_, i) => `${prefix}${i}`);
      for (const key of keys) expect(await ask(cl, `set ${key} 0 0 1\r\nx\r\n`)).toBe('STORED\r\n');
      const seen = new Set<number>();
      for (const key of keys) {
        const i = select(Buffer.from(key));
        seen.add(i);
        for (let j = 0; j < 3; j++) {
          expect(await directGet(servers()[j] as Memcached, key), `${key} on server ${j}`).toBe(
            j === i ? `VALUE ${key} 0 1\r\nx\r\nEND\r\n` : 'END\r\n',
          );
        }
      }
      expect(seen.size).toBe(3);
    });
  };
  const pool = (): { servers: string[] } => ({ servers: servers().map((m) => m.address) });

  test('Ch3 (default)', async () => {
    const sel = createHashSelector({ n: 3 });
    await check({ pools: { P: pool() }, route: 'PoolRoute|P' }, (k) => sel(k, 0, k.length), 'ch3:');
  });

  test('Crc32 with a salt', async () => {
    const sel = createHashSelector({ hashFunc: 'Crc32', n: 3, salt: 'pepper' });
    await check(
      {
        pools: { P: pool() },
        route: { type: 'PoolRoute', pool: 'P', hash: { hash_func: 'Crc32', salt: 'pepper' } },
      },
      (k) => sel(k, 0, k.length),
      'crc:',
    );
  });

  test('WeightedCh3 from pool weights', async () => {
    const weights = [1, 0.5, 0.8];
    const sel = createHashSelector({ hashFunc: 'WeightedCh3', n: 3, weights });
    await check(
      { pools: { P: { ...pool(), weights } }, route: 'PoolRoute|P' },
      (k) => sel(k, 0, k.length),
      'wch3:',
    );
  });

  test('HashRoute over Pool|P, hashing only up to the |#| hash stop', async () => {
    const sel = createHashSelector({ n: 3 });
    await withProxy({ pools: { P: pool() }, route: 'HashRoute|Pool|P' }, async (cl) => {
      for (let i = 0; i < 10; i++) {
        const base = `hs${i}`;
        const key = `${base}|#|suffix${i * 7}`;
        expect(await ask(cl, `set ${key} 0 0 1\r\nx\r\n`)).toBe('STORED\r\n');
        const target = servers()[sel(Buffer.from(base), 0, base.length)] as Memcached;
        expect(await directGet(target, key)).toBe(`VALUE ${key} 0 1\r\nx\r\nEND\r\n`);
      }
    });
  });

  test('an empty pool answers HashRoute with empty children', async () => {
    await withProxy({ pools: { E: { servers: [] } }, route: 'PoolRoute|E' }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR HashRoute with empty children, name: E\r\n');
    });
  });
});

describe('routing prefixes (RootRoute)', () => {
  const cfg = (keepA: boolean): unknown => ({
    pools: { A: { servers: [a.address], keep_routing_prefix: keepA }, B: { servers: [b.address] } },
    routes: [
      { aliases: ['/././'], route: 'PoolRoute|B' },
      { aliases: ['/east/one/'], route: 'PoolRoute|A' },
    ],
  });

  test('a /region/cluster/ key goes to that alias, with the prefix stripped', async () => {
    await withProxy(cfg(false), async (cl) => {
      expect(await ask(cl, 'set /east/one/rp1 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
      expect(await directGet(a, 'rp1')).toBe('VALUE rp1 0 1\r\nx\r\nEND\r\n');
      expect(await ask(cl, 'get /east/one/rp1\r\n')).toBe('VALUE /east/one/rp1 0 1\r\nx\r\nEND\r\n');
    });
  });

  test('keep_routing_prefix sends the whole key', async () => {
    await withProxy(cfg(true), async (cl) => {
      expect(await ask(cl, 'set /east/one/rp2 0 0 1\r\ny\r\n')).toBe('STORED\r\n');
      expect(await directGet(a, '/east/one/rp2')).toBe('VALUE /east/one/rp2 0 1\r\ny\r\nEND\r\n');
    });
  });

  test('an unknown prefix: SERVER_ERROR RootRoute: No rh found; with --send-invalid-route-to-default it goes to the default route', async () => {
    await withProxy(cfg(false), async (cl) => {
      expect(await ask(cl, 'get /blah/bloh/key\r\n')).toBe('SERVER_ERROR RootRoute: No rh found\r\n');
      expect(await ask(cl, 'set /blah/bloh/key 0 0 1\r\nx\r\n')).toBe(
        'SERVER_ERROR RootRoute: No rh found\r\n',
      );
    });
    const proxy = await startProxy(cfg(false), { sendInvalidRouteToDefault: true });
    const cl = await RawClient.connect(proxy.port);
    expect(await ask(cl, 'set /blah/bloh/rp3 0 0 1\r\nz\r\n')).toBe('STORED\r\n');
    expect(await directGet(b, 'rp3')).toBe('VALUE rp3 0 1\r\nz\r\nEND\r\n');
    cl.close();
    await proxy.close();
  });

  test('/*/*/ reaches every route', async () => {
    await withProxy(cfg(false), async (cl) => {
      expect(await ask(cl, 'set /*/*/rp4 0 0 1\r\nw\r\n')).toBe('STORED\r\n');
      await vi.waitFor(
        async () => {
          expect(await directGet(a, 'rp4')).toBe('VALUE rp4 0 1\r\nw\r\nEND\r\n');
          expect(await directGet(b, 'rp4')).toBe('VALUE rp4 0 1\r\nw\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
    });
  });
});
