/**
 * LoadBalancerRoute (mcrouter `test_loadbalancer_route.py`) with real memcached: memcached reports
 * no server load, so weighted-hashing spreads keys by the routing key (each key always on the same
 * server), `failover_count` retries errors on the other children, two-random-choices spreads at
 * random, and what needs thrift is a config error naming the path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directFlushAll, directGet } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, startInProcess, withProxy } from '../helpers/route-test.js';
import { freePort } from '../helpers/ports.js';

let servers: Memcached[];
beforeAll(async () => {
  servers = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});
beforeEach(() => directFlushAll(servers));

const KEYS = Array.from({ length: 200 }, (_, i) => `lb:${i}:|#|id=${i % 7}`);

/** How many of `KEYS` each server holds; every key must be on exactly one server. */
async function spread(): Promise<number[]> {
  const counts = servers.map(() => 0);
  for (const key of KEYS) {
    const on = (await Promise.all(servers.map((s) => directGet(s, key)))).map((r) => r !== 'END\r\n');
    expect(on.filter(Boolean)).toHaveLength(1);
    const i = on.indexOf(true);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

describe('LoadBalancerRoute', () => {
  test('PoolRoute hash_func LoadBalancer: every key on one server, all servers used, gets find them', async () => {
    const cfg = {
      pools: { A: { servers: servers.map((s) => s.address) } },
      route: { type: 'PoolRoute', pool: 'A', hash: { hash_func: 'LoadBalancer', load_ttl_ms: 100 } },
    };
    await withProxy(cfg, async (cl) => {
      for (const key of KEYS) expect(await proxySet(cl, key, 'v')).toBe('STORED\r\n');
      for (const key of KEYS) expect(await proxyGet(cl, key)).toBe('v');
    });
    const counts = await spread();
    for (const c of counts) expect(c).toBeGreaterThan(20);
  });

  test('failover_count retries an error on another child; without it the error is the reply', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const route = (extra: Record<string, unknown>): unknown => ({
      route: { type: 'LoadBalancerRoute', children: [`PoolRoute|${dead}`, 'PoolRoute|live'], ...extra },
      pools: { [dead]: { servers: [dead] }, live: { servers: [(servers[0] as Memcached).address] } },
    });
    await withProxy(route({ failover_count: 2 }), async (cl) => {
      for (const key of KEYS.slice(0, 40)) expect(await proxySet(cl, key, 'f')).toBe('STORED\r\n');
    });
    await withProxy(route({}), async (cl) => {
      const replies = new Set<string>();
      for (const key of KEYS.slice(0, 40))
        replies.add((await proxySet(cl, key, 'g')).split(/[ \r]/)[0] as string);
      expect([...replies].sort()).toEqual(['SERVER_ERROR', 'STORED']);
    });
  });

  test('two-random-choices sends each request to one child at random', async () => {
    const cfg = {
      route: { type: 'LoadBalancerRoute', children: 'Pool|A', algorithm: 'two-random-choices' },
      pools: { A: { servers: servers.map((s) => s.address) } },
    };
    await withProxy(cfg, async (cl) => {
      for (const key of KEYS) expect(await proxySet(cl, key, 'r')).toBe('STORED\r\n');
    });
    const counts = await spread();
    for (const c of counts) expect(c).toBeGreaterThan(0);
  });

  test('what needs thrift or is unknown is a config error naming the path', async () => {
    const pool = { servers: servers.map((s) => s.address) };
    await expect(
      startInProcess({
        pools: { A: pool },
        route: {
          type: 'PoolRoute',
          pool: 'A',
          hash: { hash_func: 'LoadBalancer', enable_thrift_server_load: true },
        },
      }),
    ).rejects.toThrow(
      'route.hash.enable_thrift_server_load: server load comes only from mcrouter thrift servers',
    );
    await expect(
      startInProcess({
        pools: { A: pool },
        route: { type: 'LoadBalancerRoute', children: 'Pool|A', algorithm: 'fastest' },
      }),
    ).rejects.toThrow('route.algorithm: Unknown algorithm: fastest');
    await expect(startInProcess({ route: { type: 'LoadBalancerRoute' } })).rejects.toThrow(
      "route.children: LoadBalancerRoute: 'children' property is missing",
    );
  });

  test('a dry run visits every child', async () => {
    const cfg = {
      pools: { A: { servers: servers.map((s) => s.address) } },
      route: { type: 'LoadBalancerRoute', children: 'Pool|A' },
    };
    await withProxy(cfg, async (cl) => {
      const reply = await ask(cl, 'get __mcrouter__.route_handles(get,k)\r\n');
      expect(reply).toContain('loadbalancer|weighted-hashing');
      for (const s of servers) expect(reply).toContain(`${s.port}`);
    });
  });
});
