/**
 * TKO by fault injection (`mcrouter/TkoTracker.cpp`): a hung server (SIGSTOP) goes soft TKO after
 * --timeouts-until-tko timeouts, later requests fail fast without network I/O, and a probe clears
 * it once the server resumes; a killed server goes hard TKO at once and recovers after a restart.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(
  servers: number,
  options: Parameters<typeof startProxy>[1],
  pool: Record<string, unknown> = {},
): Promise<{ mcs: Memcached[]; proxy: TestProxy; client: RawClient }> {
  const mcs = await Promise.all(Array.from({ length: servers }, () => Memcached.start()));
  const proxy = await startProxy(
    { pools: { A: { servers: mcs.map((m) => m.address), ...pool } }, route: 'PoolRoute|A' },
    // These tests read the errors clients would otherwise see as misses.
    options,
  );
  const client = await RawClient.connect(proxy.port);
  cleanups.push(async () => {
    client.close();
    await proxy.close();
    await Promise.all(mcs.map((m) => m.stop()));
  });
  return { mcs, proxy, client };
}

/**
 * The server timeout of the tests that time a TKO fast failure against a timed-out request: a
 * request that waits for its timeout takes at least this long (timers never fire early), a fast
 * failure takes well under FAST_MS on an idle machine. The gap between the two is the headroom a
 * loaded CI machine (a 2-core runner, or 3× slower) gets before a fast failure looks slow.
 */
const SLOW_TIMEOUT_MS = 1000;
const FAST_MS = SLOW_TIMEOUT_MS / 2;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function suspects(client: RawClient): Promise<string> {
  client.send('stats suspect_servers\r\n');
  return client.readUntil('END\r\n');
}

describe('soft TKO: a hung server', () => {
  test('3 timeouts → soft TKO → fast failures → SIGCONT → a probe clears it', async () => {
    const { mcs, client } = await setup(1, {
      serverTimeoutMs: SLOW_TIMEOUT_MS,
      probeTimeoutInitialMs: 100,
      probeTimeoutMaxMs: 200,
    });
    const [mc] = mcs as [Memcached];
    expect(await client.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
    await mc.pause();
    let resumed = false;
    try {
      for (let i = 0; i < 3; i++) {
        const [reply, ms] = await timed(() => client.ask('get k\r\n'));
        expect(reply).toBe('SERVER_ERROR Reply timeout\r\n');
        expect(ms).toBeGreaterThanOrEqual(SLOW_TIMEOUT_MS - 10);
      }
      // Soft TKO now: no network I/O (the server is stopped: a request sent would wait
      // SLOW_TIMEOUT_MS for its timeout), an immediate error naming the reason.
      const [reply, ms] = await timed(() => client.ask('get k\r\n'));
      expect(reply).toBe('SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n');
      expect(ms).toBeLessThan(FAST_MS);
      expect(await suspects(client)).toBe(`STAT ${mc.address} status:tko num_failures:3\r\nEND\r\n`);
      mc.signal('SIGCONT');
      resumed = true;
      const t0 = performance.now();
      await vi.waitFor(
        async () => {
          expect(await client.ask('get k\r\n')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
        },
        { timeout: 5000, interval: 20 },
      );
      // Probes every 100–300 ms (+ jitter) and a probe waits at most one server timeout (the
      // server answers it now); the bound leaves a loaded machine 3× headroom over that.
      expect(performance.now() - t0).toBeLessThan(3 * (300 + SLOW_TIMEOUT_MS));
      expect(await suspects(client)).toBe('END\r\n');
    } finally {
      if (!resumed) mc.signal('SIGCONT');
    }
  });

  test('--timeouts-until-tko 1 marks TKO on the first timeout; --disable-tko-tracking never does', async () => {
    const one = await setup(1, { serverTimeoutMs: 100, timeoutsUntilTko: 1, probeTimeoutInitialMs: 60_000 });
    const [m1] = one.mcs as [Memcached];
    await m1.pause();
    try {
      expect(await one.client.ask('get a\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(await one.client.ask('get a\r\n')).toBe(
        'SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n',
      );
    } finally {
      m1.signal('SIGCONT');
    }
    const off = await setup(1, { serverTimeoutMs: 100, timeoutsUntilTko: 1, disableTkoTracking: true });
    const [m2] = off.mcs as [Memcached];
    await m2.pause();
    try {
      for (let i = 0; i < 4; i++)
        expect(await off.client.ask('get a\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(await suspects(off.client)).toBe(`STAT ${m2.address} status:down num_failures:4\r\nEND\r\n`);
    } finally {
      m2.signal('SIGCONT');
    }
  });
});

describe('hard TKO: a killed server', () => {
  test('SIGKILL → connection errors → hard TKO at once → restart → a probe clears it', async () => {
    const { mcs, client, proxy } = await setup(1, {
      serverTimeoutMs: 500,
      probeTimeoutInitialMs: 100,
      probeTimeoutMaxMs: 200,
    });
    const [mc] = mcs as [Memcached];
    expect(await client.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
    await mc.kill();
    // The established connection breaks (REMOTE_ERROR) or the reconnect is refused (CONNECT_ERROR).
    expect(await client.ask('get k\r\n')).toMatch(/^SERVER_ERROR AsyncSocketException: /);
    await vi.waitFor(
      async () => {
        expect(await client.ask('get k\r\n')).toBe(
          'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
        );
      },
      { timeout: 5000 },
    );
    expect(await suspects(client)).toMatch(
      new RegExp(`^STAT ${mc.address} status:tko num_failures:\\d+\\r\\nEND\\r\\n$`),
    );
    const [dest] = [...proxy.server.destinations.all()];
    const opened = dest?.connectionsOpened ?? 0;
    // While TKO, requests cause no connection attempts: only probes do.
    for (let i = 0; i < 50; i++) await client.ask('get k\r\n');
    expect(dest?.connectionsOpened).toBe(opened);
    await mc.restart();
    const t0 = performance.now();
    await vi.waitFor(
      async () => {
        expect(await client.ask('get k\r\n')).toBe('END\r\n'); // restarted empty
      },
      { timeout: 5000, interval: 20 },
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await client.ask('set k 0 0 1\r\nw\r\n')).toBe('STORED\r\n');
  });

  test('a hung server that is then killed: soft TKO becomes hard TKO', async () => {
    const { mcs, client } = await setup(1, {
      serverTimeoutMs: 100,
      timeoutsUntilTko: 1,
      probeTimeoutInitialMs: 50,
      probeTimeoutMaxMs: 100,
    });
    const [mc] = mcs as [Memcached];
    await mc.pause();
    expect(await client.ask('get a\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
    expect(await client.ask('get a\r\n')).toBe('SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n');
    await mc.kill();
    // The next probe finds nothing listening.
    await vi.waitFor(
      async () => {
        expect(await client.ask('get a\r\n')).toBe(
          'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
        );
      },
      { timeout: 5000 },
    );
  });
});

describe('pool tko_tracker (fail-open)', () => {
  test('once 1 of 2 servers is TKO, the other is not marked TKO even when it fails too', async () => {
    const { mcs, client } = await setup(
      2,
      { serverTimeoutMs: 500, probeTimeoutInitialMs: 60_000 },
      {
        tko_tracker: { num_tko_threshold_upper: 1, num_tko_threshold_lower: 0 },
      },
    );
    const [a, b] = mcs as [Memcached, Memcached];
    // Keys on each server.
    const keys = Array.from({ length: 20 }, (_, i) => `ft${i}`);
    const owner = new Map<string, Memcached>();
    for (const k of keys) {
      expect(await client.ask(`set ${k} 0 0 1\r\nx\r\n`)).toBe('STORED\r\n');
      for (const m of [a, b]) {
        const d = await RawClient.connect(m.port);
        if ((await d.ask(`get ${k}\r\n`)).startsWith('VALUE')) owner.set(k, m);
        d.close();
      }
    }
    const onA = keys.find((k) => owner.get(k) === a) as string;
    const onB = keys.find((k) => owner.get(k) === b) as string;
    await a.kill();
    await b.kill();
    expect(await client.ask(`get ${onA}\r\n`)).toMatch(/^SERVER_ERROR AsyncSocketException: /);
    expect(await client.ask(`get ${onA}\r\n`)).toBe(
      'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
    );
    // The pool is at its limit (1 TKO): b keeps being tried, and fails with its real error.
    expect(await client.ask(`get ${onB}\r\n`)).toMatch(/^SERVER_ERROR AsyncSocketException: /);
    expect(await client.ask(`get ${onB}\r\n`)).toMatch(/^SERVER_ERROR AsyncSocketException: connect failed/);
    expect(await suspects(client)).toMatch(new RegExp(`STAT ${b.address} status:down num_failures:\\d+`));
  });
});

describe('pool timeouts_until_tko (our extension)', () => {
  test("the pool's threshold decides for its own timeouts; the failure count is the server's", async () => {
    const mc = await Memcached.start();
    const pool = { servers: [mc.address], server_timeout: 100 };
    const proxy = await startProxy(
      {
        pools: { fast: { ...pool, timeouts_until_tko: 1 }, slow: pool },
        route: {
          type: 'OperationSelectorRoute',
          default_policy: 'PoolRoute|slow',
          operation_policies: { get: 'PoolRoute|fast' },
        },
      },
      { probeTimeoutInitialMs: 60_000 },
    );
    const client = await RawClient.connect(proxy.port);
    cleanups.push(async () => {
      client.close();
      await proxy.close();
      await mc.stop();
    });
    // Two destinations: the pools differ only in the threshold.
    client.send('stats servers\r\n');
    const lines = (await client.readUntil('END\r\n')).split('\r\n').filter((l) => l.startsWith('STAT '));
    expect(lines.map((l) => l.split(' ')[1]).sort()).toEqual([
      `${mc.address}:ascii:plain:notcompressed-100`,
      `${mc.address}:ascii:plain:notcompressed-100:tko-1`,
    ]);
    await mc.pause();
    try {
      // Through `slow` (--timeouts-until-tko 3): two timeouts leave the server up.
      for (let i = 0; i < 2; i++)
        expect(await client.ask('gets a\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(await suspects(client)).toBe(`STAT ${mc.address} status:down num_failures:2\r\nEND\r\n`);
      // Through `fast` (threshold 1): its first timeout marks the server TKO, for both pools.
      expect(await client.ask('get a\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(await suspects(client)).toBe(`STAT ${mc.address} status:tko num_failures:3\r\nEND\r\n`);
      const tko = 'SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n';
      expect(await client.ask('get a\r\n')).toBe(tko);
      expect(await client.ask('gets a\r\n')).toBe(tko);
    } finally {
      mc.signal('SIGCONT');
    }
  });

  test('alone, a pool with threshold 1 is TKO after one timeout while --timeouts-until-tko is 3', async () => {
    const { mcs, client } = await setup(
      1,
      { serverTimeoutMs: SLOW_TIMEOUT_MS, probeTimeoutInitialMs: 60_000 },
      { timeouts_until_tko: 1 },
    );
    const [mc] = mcs as [Memcached];
    await mc.pause();
    try {
      const [reply, ms] = await timed(() => client.ask('get a\r\n'));
      expect(reply).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(ms).toBeGreaterThanOrEqual(SLOW_TIMEOUT_MS - 10);
      const [second, fast] = await timed(() => client.ask('get a\r\n'));
      expect(second).toBe('SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n');
      expect(fast).toBeLessThan(FAST_MS);
    } finally {
      mc.signal('SIGCONT');
    }
  });
});
