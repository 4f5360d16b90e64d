/**
 * Faults under load: every request gets exactly one reply; requests that do not touch the failed
 * server keep succeeding.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { colocatedConfig } from '../helpers/config.js';
import { Load, getOp, keysByServer, setOp, twoServerLoad } from '../helpers/load.js';

const cleanups: (() => Promise<void>)[] = [];

/**
 * Server timeout, ms: the faults are kills (refused and reset connections fail at once), and the
 * live servers' requests must never time out, also when memcached waits for a core on a loaded
 * machine (it was 300 ms).
 */
const SERVER_TIMEOUT_MS = 10_000;
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Lets the load run until `done()` holds (checked every 20 ms, for at most 20 s). */
async function loadUntil(done: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      expect(done()).toBe(true);
    },
    { timeout: 20_000, interval: 20 },
  );
}

test('seed route: central killed under load → gets that hit local keep succeeding, sets succeed through the peers', async () => {
  const [local, peer, central] = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  const proxy = await startProxy(
    colocatedConfig(local.address, [local.address, peer.address], [central.address]),
    {
      serverTimeoutMs: SERVER_TIMEOUT_MS,
      probeTimeoutInitialMs: 100,
    },
  );
  cleanups.push(async () => {
    await proxy.close();
    await Promise.all([local, peer, central].map((m) => m.stop()));
  });
  // Keys cached locally (the app's hot set).
  const c = await RawClient.connect(local.port);
  for (let i = 0; i < 100; i++)
    expect(await c.ask(`set hot${i} 0 0 5\r\nhot${String(i).padStart(2, '0')}\r\n`)).toBe('STORED\r\n');
  c.close();
  let n = 0;
  const load = new Load(proxy.port, 8, 8, () => {
    const i = n++ % 100;
    return n % 5 === 0
      ? setOp('set', `w${n}`, 'xx')
      : getOp('get', `hot${i}`, `hot${String(i).padStart(2, '0')}`);
  });
  // Counts of replies, not fixed times: a loaded machine runs fewer requests a second.
  await loadUntil(() => load.tally.of('get').ok > 100);
  await central.kill();
  const [gets, sets] = [load.tally.of('get').ok, load.tally.of('set').ok];
  await loadUntil(() => load.tally.of('get').ok > gets + 400 && load.tally.of('set').ok > sets + 100);
  const tally = await load.stop();
  expect(tally.wrongSamples).toEqual([]);
  expect(tally.replies).toBe(tally.sent);
  expect(tally.of('get').error).toBe(0);
  expect(tally.of('set').error).toBe(0);
  expect(tally.of('get').ok).toBeGreaterThan(500);
  expect(tally.of('set').ok).toBeGreaterThan(100);
});

test('a backend killed and restarted under load: no reply lost for the healthy one; exactly one reply per request', async () => {
  const [a, b] = await Promise.all([Memcached.start(), Memcached.start()]);
  const proxy = await startProxy(
    { pools: { P: { servers: [a.address, b.address] } }, route: 'PoolRoute|P' },
    {
      serverTimeoutMs: SERVER_TIMEOUT_MS,
      probeTimeoutInitialMs: 100,
      probeTimeoutMaxMs: 200,
    },
  );
  cleanups.push(async () => {
    await proxy.close();
    await Promise.all([a, b].map((m) => m.stop()));
  });
  const split = keysByServer(200);
  const c = await RawClient.connect(proxy.port);
  for (const k of split.flat())
    expect(await c.ask(`set ${k} 0 0 ${k.length}\r\n${k}\r\n`)).toBe('STORED\r\n');
  c.close();
  const load = twoServerLoad(proxy.port, 10, 16, split);
  await loadUntil(() => load.tally.of('b').ok > 200);
  await b.kill();
  await loadUntil(() => load.tally.of('b').error > 0);
  await b.restart();
  // Refill b (it restarted empty) only after it recovered; misses on b in between are errors or
  // misses, never another key's value.
  const okBefore = load.tally.of('b').ok;
  await loadUntil(() => load.tally.of('b').ok > okBefore + 200 && load.tally.of('a').ok > 1000);
  const tally = await load.stop();
  expect(tally.wrongSamples.filter((w) => !w.startsWith('b: "END'))).toEqual([]);
  expect(tally.replies).toBe(tally.sent);
  // Requests for keys on the healthy server never failed.
  expect(tally.of('a').error).toBe(0);
  expect(tally.of('a').wrong).toBe(0);
  expect(tally.of('a').ok).toBeGreaterThan(1000);
  // The failed server's requests saw errors, then succeeded again after the restart.
  expect(tally.of('b').error).toBeGreaterThan(0);
  expect(tally.of('b').ok).toBeGreaterThan(0);
});
