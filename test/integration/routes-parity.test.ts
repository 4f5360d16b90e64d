/**
 * Route handles added for parity with mcrouter's own test suite (`mcrouter/routes/`), with real
 * memcached servers: RoutingGroupRoute, LatencyInjectionRoute, L1L2SizeSplitRoute.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { Memcached } from '../helpers/memcached.js';
import { ask, withProxy } from '../helpers/route-test.js';
import { directGet, directSet } from '../helpers/direct.js';
import { startProxy } from '../helpers/proxy.js';

let a: Memcached;
let b: Memcached;
let c: Memcached;
let d: Memcached;

beforeAll(async () => {
  [a, b, c, d] = await Promise.all([
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
  ]);
});
afterAll(async () => {
  await Promise.all([a, b, c, d].map((m) => m.stop()));
});

describe('RoutingGroupRoute (mcrouter/routes/RoutingGroupRoute.h)', () => {
  const pools = (): unknown => ({
    A: { servers: [a.address] },
    B: { servers: [b.address] },
    C: { servers: [c.address] },
    D: { servers: [d.address] },
  });

  test('get_like → A, update_like → B, delete_like → C, arithmetic_like → D, touch → default', async () => {
    const config = {
      pools: pools(),
      route: {
        type: 'RoutingGroupRoute',
        default_policy: 'ErrorRoute|no group',
        routing_group_policies: {
          get_like: 'PoolRoute|A',
          update_like: 'PoolRoute|B',
          delete_like: 'PoolRoute|C',
          arithmetic_like: 'PoolRoute|D',
        },
      },
    };
    await directSet(a, 'rg', 'in-a');
    await directSet(c, 'rg', 'in-c');
    await directSet(d, 'rg', '5');
    await withProxy(config, async (cl) => {
      for (const cmd of ['get', 'gets', 'gat 0'])
        expect(await ask(cl, `${cmd} rg\r\n`)).toMatch(/^VALUE rg 0 4( \d+)?\r\nin-a\r\nEND\r\n$/);
      expect(await ask(cl, 'set rg 0 0 4\r\nin-b\r\n')).toBe('STORED\r\n');
      expect(await ask(cl, 'append rg 0 0 1\r\n!\r\n')).toBe('STORED\r\n');
      expect(await directGet(b, 'rg')).toBe('VALUE rg 0 5\r\nin-b!\r\nEND\r\n');
      expect(await ask(cl, 'delete rg\r\n')).toBe('DELETED\r\n');
      expect(await directGet(c, 'rg')).toBe('END\r\n');
      expect(await ask(cl, 'incr rg 2\r\n')).toBe('7\r\n');
      expect(await ask(cl, 'decr rg 1\r\n')).toBe('6\r\n');
      expect(await ask(cl, 'touch rg 10\r\n')).toBe('SERVER_ERROR no group\r\n');
    });
  });

  test('groups without a policy go to default_policy; with no default: the unknown-result reply', async () => {
    await directSet(a, 'rg2', '2');
    await withProxy(
      {
        pools: pools(),
        route: {
          type: 'RoutingGroupRoute',
          default_policy: 'PoolRoute|A',
          routing_group_policies: { get_like: 'PoolRoute|B', update_like: 'PoolRoute|B' },
        },
      },
      async (cl) => {
        expect(await ask(cl, 'set rg2 0 0 1\r\nb\r\n')).toBe('STORED\r\n');
        expect(await ask(cl, 'get rg2\r\n')).toBe('VALUE rg2 0 1\r\nb\r\nEND\r\n');
        expect(await ask(cl, 'incr rg2 1\r\n')).toBe('3\r\n');
        expect(await ask(cl, 'delete rg2\r\n')).toBe('DELETED\r\n');
        expect(await directGet(a, 'rg2')).toBe('END\r\n');
      },
    );
    await withProxy(
      {
        pools: pools(),
        route: { type: 'RoutingGroupRoute', routing_group_policies: { get_like: 'PoolRoute|A' } },
      },
      async (cl) => {
        expect(await ask(cl, 'delete k\r\n')).toBe(
          'SERVER_ERROR unexpected result mc_res_unknown (0) for delete\r\n',
        );
      },
    );
  });

  test.each([
    [
      { routing_group_policies: { read_like: 'NullRoute' } },
      /routing_group_policies\.read_like: RoutingGroupRoute: read_like is not a valid routing group/,
    ],
    [{}, /route: RoutingGroupRoute needs either 'default_policy' or 'routing_group_policies'/],
  ])('config errors name the path: %j', async (opts, message) => {
    await expect(startProxy({ route: { type: 'RoutingGroupRoute', ...opts } })).rejects.toThrow(message);
  });
});

describe('LatencyInjectionRoute (mcrouter/routes/LatencyInjectionRoute.h)', () => {
  async function timedGet(latency: Record<string, unknown>): Promise<number> {
    await directSet(a, 'li', 'v');
    let ms = NaN;
    await withProxy(
      {
        pools: { A: { servers: [a.address] } },
        route: { type: 'LatencyInjectionRoute', child: 'PoolRoute|A', ...latency },
      },
      async (cl) => {
        expect(await ask(cl, 'get li\r\n')).toBe('VALUE li 0 1\r\nv\r\nEND\r\n'); // connected
        const t0 = performance.now();
        expect(await ask(cl, 'get li\r\n')).toBe('VALUE li 0 1\r\nv\r\nEND\r\n');
        ms = performance.now() - t0;
      },
    );
    return ms;
  }

  test('before, after and total latencies each delay the reply', async () => {
    expect(await timedGet({ before_latency_ms: 150 })).toBeGreaterThanOrEqual(149);
    expect(await timedGet({ after_latency_ms: 150 })).toBeGreaterThanOrEqual(149);
    expect(await timedGet({ total_latency_ms: 150 })).toBeGreaterThanOrEqual(149);
    expect(await timedGet({ before_latency_ms: 100, after_latency_ms: 100 })).toBeGreaterThanOrEqual(199);
    expect(await timedGet({ total_latency_percentile_ms: [[100, 120]] })).toBeGreaterThanOrEqual(119);
  });

  test('the request reaches the child only after before_latency_ms', async () => {
    await withProxy(
      {
        pools: { A: { servers: [a.address] } },
        route: { type: 'LatencyInjectionRoute', child: 'PoolRoute|A', before_latency_ms: 300 },
      },
      async (cl) => {
        cl.send('set li2 0 0 1\r\nx\r\n');
        expect(await directGet(a, 'li2')).toBe('END\r\n');
        expect(await cl.readUntil('\r\n')).toBe('STORED\r\n');
        expect(await directGet(a, 'li2')).toBe('VALUE li2 0 1\r\nx\r\nEND\r\n');
      },
    );
  });

  test.each([
    [{ child: 'NullRoute' }, /LatencyInjectionRoute must specify either/],
    [{ before_latency_ms: 5 }, /LatencyInjectionRoute: 'child' property is missing/],
    [
      {
        child: 'NullRoute',
        total_latency_percentile_ms: [
          [50, 1],
          [40, 2],
        ],
      },
      /percentiles must be strictly increasing/,
    ],
  ])('config errors: %j', async (opts, message) => {
    await expect(startProxy({ route: { type: 'LatencyInjectionRoute', ...opts } })).rejects.toThrow(message);
  });
});

describe('L1L2SizeSplitRoute (mcrouter/routes/L1L2SizeSplitRoute.h)', () => {
  const config = (extra: Record<string, unknown> = {}): unknown => ({
    pools: { L1: { servers: [a.address] }, L2: { servers: [b.address] } },
    route: { type: 'L1L2SizeSplitRoute', l1: 'PoolRoute|L1', l2: 'PoolRoute|L2', threshold: 8, ...extra },
  });
  const big = 'x'.repeat(600);

  test('small values in l1; large ones in l2 behind an empty sentinel (flags | 0x20); gets + cas', async () => {
    await withProxy(config(), async (cl) => {
      expect(await ask(cl, 'set ss1 3 0 5\r\nsmall\r\n')).toBe('STORED\r\n');
      expect(await directGet(a, 'ss1')).toBe('VALUE ss1 3 5\r\nsmall\r\nEND\r\n');
      expect(await directGet(b, 'ss1')).toBe('END\r\n');
      expect(await ask(cl, `set ss2 3 0 600\r\n${big}\r\n`)).toBe('STORED\r\n');
      expect(await directGet(a, 'ss2')).toBe('VALUE ss2 35 0\r\n\r\nEND\r\n');
      expect(await directGet(b, 'ss2')).toBe(`VALUE ss2 3 600\r\n${big}\r\nEND\r\n`);
      expect(await ask(cl, 'get ss2\r\n')).toBe(`VALUE ss2 3 600\r\n${big}\r\nEND\r\n`);
      // gets: l2's value with l1's cas unique, so a cas replaces the sentinel in l1.
      const gets = await ask(cl, 'gets ss2\r\n');
      const m = /^VALUE ss2 3 600 (\d+)\r\n/.exec(gets);
      expect(m).not.toBeNull();
      const unique = m?.[1] ?? '';
      expect(await ask(cl, `cas ss2 0 0 3 ${unique}\r\nnew\r\n`)).toBe('STORED\r\n');
      expect(await directGet(a, 'ss2')).toBe('VALUE ss2 0 3\r\nnew\r\nEND\r\n');
      expect(await ask(cl, `cas ss2 0 0 3 ${unique}\r\nold\r\n`)).toBe('EXISTS\r\n');
    });
  });

  test('gets of a sentinel whose l2 item is gone: the sentinel is expired, then a miss', async () => {
    await withProxy(config(), async (cl) => {
      expect(await ask(cl, `set ss3 0 0 600\r\n${big}\r\n`)).toBe('STORED\r\n');
      const direct = await RawClient.connect(b.port);
      expect(await direct.ask('delete ss3\r\n')).toBe('DELETED\r\n');
      direct.close();
      expect(await ask(cl, 'gets ss3\r\n')).toBe('END\r\n');
      expect(await directGet(a, 'ss3')).toBe('END\r\n');
    });
  });

  test('both_full_set: the full value in l1, and in l2 in the background', async () => {
    await withProxy(config({ both_full_set: true }), async (cl) => {
      expect(await ask(cl, `set ss4 0 0 600\r\n${big}\r\n`)).toBe('STORED\r\n');
      expect(await directGet(a, 'ss4')).toBe(`VALUE ss4 0 600\r\n${big}\r\nEND\r\n`);
      await vi.waitFor(
        async () => {
          expect(await directGet(b, 'ss4')).toBe(`VALUE ss4 0 600\r\n${big}\r\nEND\r\n`);
        },
        { timeout: 5000 },
      );
    });
  });

  test.each([
    [{ l1: 'NullRoute', l2: 'NullRoute' }, /L1L2SizeSplitRoute: no threshold/],
    [{ l1: 'NullRoute', l2: 'NullRoute', threshold: 1, retries: 11 }, /maximum number of retries is 10/],
    [{ l2: 'NullRoute', threshold: 1 }, /L1L2SizeSplitRoute: no l1 route/],
  ])('config errors: %j', async (opts, message) => {
    await expect(startProxy({ route: { type: 'L1L2SizeSplitRoute', ...opts } })).rejects.toThrow(message);
  });
});
