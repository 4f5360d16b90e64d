/**
 * The coherence harness in `npm test`: 3 instances (real mcproxy processes, each with its own
 * local memcached, one central memcached), 3 clients per instance doing a random mix of every op on
 * a few keys for a few seconds, and the checker (history.ts) flagging every read that returned a
 * value older than an acknowledged write. What is asserted does not depend on timing luck:
 *
 * - `seed`: a get on one instance returns the old value after an append through another
 *   (a scripted step), and the random run finds stale reads;
 * - `coherent`: no read is stale by more than the invalidation delay (a copy that survived would be
 *   read stale for the rest of the run, far longer), with every instance's memcached up, or one
 *   killed; with one paused (SIGSTOP) and resumed, reads stale by more than that happen only on the
 *   paused instance and end within the pause plus `--local-ttl`.
 *
 * `npx tsx scripts/coherence.ts` runs the same with 20 instances and prints the numbers
 * docs/coherence.md quotes.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Cluster } from './cluster.js';
import { runWorkload } from './workload.js';
import { RawClient } from '../helpers/raw-client.js';
import { ask } from '../helpers/route-test.js';
import { directGet } from '../helpers/direct.js';

/**
 * A stale read longer than this means a copy outlived its invalidation. Loopback delays are well
 * under 5 ms on a quiet machine (scripts/coherence.ts); the margin is for a loaded 2-core runner.
 */
const INVALIDATION_BOUND_MS = 500;
const RUN = { clientsPerInstance: 3, durationMs: 2500, keysPerKind: 3, readFraction: 0.6, seed: 14 };

let cluster: Cluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function start(template: string, localTtl: number): Promise<Cluster> {
  cluster = await Cluster.start({ instances: 3, template, localTtl });
  return cluster;
}

describe('seed', () => {
  test('a local copy outlives a write made through another instance', async () => {
    const c = await start('seed', 0);
    const [first, second] = c.instances;
    if (first === undefined || second === undefined) throw new Error('3 instances expected');
    const [a, b] = await Promise.all([RawClient.connect(first.port), RawClient.connect(second.port)]);
    try {
      expect(await ask(a, 'set seed:k 0 0 2\r\np1\r\n')).toBe('STORED\r\n');
      expect(await ask(a, 'get seed:k\r\n')).toBe('VALUE seed:k 0 2\r\np1\r\nEND\r\n');
      // The fill is a background add; wait until the copy is in instance 0's memcached.
      for (;;) {
        if ((await directGet(first.local, 'seed:k')).includes('p1')) break;
      }
      expect(await ask(b, 'append seed:k 0 0 3\r\n+p2\r\n')).toBe('STORED\r\n');
      expect(await ask(a, 'get seed:k\r\n')).toBe('VALUE seed:k 0 2\r\np1\r\nEND\r\n');
    } finally {
      a.close();
      b.close();
    }
    const s = (await runWorkload({ ...RUN, ports: c.instances.map((i) => i.port) })).summary();
    expect(s.reads).toBeGreaterThan(100);
    expect(s.stale).toBeGreaterThan(0);
  });
});

describe('coherent', () => {
  test('every instance up: no read stale beyond the invalidation delay', async () => {
    const c = await start('coherent', 30);
    const s = (
      await runWorkload({
        ...RUN,
        ports: c.instances.map((i) => i.port),
        // Enough cas attempts to judge them, however few operations a loaded machine runs.
        until: (h) => h.casSent > 10,
      })
    ).summary();
    expect(s.effectiveWrites).toBeGreaterThan(100);
    expect(s.hits).toBeGreaterThan(100);
    expect(s.staleMaxMs).toBeLessThan(INVALIDATION_BOUND_MS);
    // gets are served locally, and cas_from translates their uniques: a cas fails only when
    // another client wrote the key since the gets (9 clients on 3 keys per kind contend).
    expect(s.casSent).toBeGreaterThan(10);
    expect(s.casStored).toBeGreaterThan(s.casSent / 4);
  });

  test('one peer killed: no read stale beyond the invalidation delay', async () => {
    const c = await start('coherent', 30);
    const victim = c.instances[2];
    if (victim === undefined) throw new Error('3 instances expected');
    const s = (
      await runWorkload({
        ...RUN,
        ports: c.instances.map((i) => i.port),
        events: [{ atMs: 500, run: () => victim.local.kill() }],
      })
    ).summary();
    expect(s.effectiveWrites).toBeGreaterThan(100);
    expect(s.staleMaxMs).toBeLessThan(INVALIDATION_BOUND_MS);
  });

  test('one peer paused, then resumed: longer staleness only there, within pause + --local-ttl', async () => {
    const localTtl = 2;
    const pauseMs = 800;
    const c = await start('coherent', localTtl);
    const victim = c.instances[2];
    if (victim === undefined) throw new Error('3 instances expected');
    const h = await runWorkload({
      ...RUN,
      durationMs: 5000,
      ports: c.instances.map((i) => i.port),
      events: [
        {
          atMs: 500,
          run: async () => {
            await victim.local.pause();
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
            victim.local.signal('SIGCONT');
          },
        },
      ],
    });
    const late = h.stale.filter((r) => r.staleMs >= INVALIDATION_BOUND_MS);
    for (const r of late) expect(r.instance).toBe(victim.index);
    // memcached expires on a one-second clock: a copy may live up to one second past its TTL.
    expect(h.summary().staleMaxMs).toBeLessThan(pauseMs + (localTtl + 1) * 1000 + INVALIDATION_BOUND_MS);
  });
});
