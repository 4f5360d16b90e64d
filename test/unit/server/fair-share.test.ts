/**
 * The process-wide share of routed requests (proxy/server/fair-share.ts, docs/memory.md
 * "Fairness"): under the cap requests go at once; past it clients wait in a FIFO and route at most
 * `QUANTUM` requests per turn, round-robin, as replies free room.
 */
import { expect, test } from 'vitest';
import { FairShare, QUANTUM, type FairWaiter } from '../../../proxy/server/fair-share.js';

/** A client with `backlog` requests to route; records the order in which requests were routed. */
class Client implements FairWaiter {
  fairQueued = false;
  constructor(
    readonly name: string,
    public backlog: number,
    private readonly share: FairShare,
    private readonly log: string[],
  ) {}

  /** Routes as much as the share admits; returns how many were routed. */
  routeWhatWaits(): number {
    let n = 0;
    while (this.backlog > 0 && this.share.admits(this)) {
      this.backlog--;
      this.share.add();
      this.log.push(this.name);
      n++;
    }
    return n;
  }

  resumeRouting(): void {
    this.routeWhatWaits();
  }
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('under the cap every request goes at once; past it the client waits, queued once', () => {
  const log: string[] = [];
  const share = new FairShare(4);
  const a = new Client('a', 10, share, log);
  expect(a.routeWhatWaits()).toBe(4);
  expect(share.routed).toBe(4);
  expect(a.fairQueued).toBe(true);
  expect(a.routeWhatWaits()).toBe(0);
  expect(share.waiting).toBe(1);
});

test('freed room goes to waiting clients in turns of QUANTUM, round-robin, never past the cap', async () => {
  const log: string[] = [];
  const cap = 2 * QUANTUM;
  const share = new FairShare(cap);
  const a = new Client('a', 100, share, log);
  const b = new Client('b', 100, share, log);
  const c = new Client('c', 100, share, log);
  a.routeWhatWaits(); // takes the whole cap, then queues itself
  b.routeWhatWaits(); // waits
  c.routeWhatWaits(); // waits
  expect(log.join('')).toBe('a'.repeat(cap));
  expect(share.waiting).toBe(3);
  log.length = 0;
  // Replies free room; the turns follow the queue (a, b, c, a …), QUANTUM each, up to the cap.
  for (let i = 0; i < cap; i++) share.release();
  await nextTurn();
  expect(share.routed).toBe(cap);
  expect(log.join('')).toBe('a'.repeat(QUANTUM) + 'b'.repeat(QUANTUM));
  log.length = 0;
  for (let i = 0; i < cap; i++) share.release();
  await nextTurn();
  expect(log.join('')).toBe('c'.repeat(QUANTUM) + 'a'.repeat(QUANTUM));
});

test('a client that arrives while others wait joins the queue behind them', async () => {
  const log: string[] = [];
  const share = new FairShare(QUANTUM);
  const a = new Client('a', 100, share, log);
  a.routeWhatWaits();
  share.release();
  const late = new Client('z', 5, share, log);
  expect(late.routeWhatWaits()).toBe(0); // room is free, but a waits first
  log.length = 0;
  await nextTurn();
  expect(log.join('')).toBe('a'); // one freed slot: a's turn
  for (let i = 0; i < QUANTUM; i++) share.release();
  await nextTurn();
  expect(log.join('')).toBe('a' + 'z'.repeat(5) + 'a'.repeat(QUANTUM - 5));
});

test('cap 0: no limit, nobody waits', () => {
  const log: string[] = [];
  const share = new FairShare(0);
  const a = new Client('a', 1000, share, log);
  expect(a.routeWhatWaits()).toBe(1000);
  expect(share.waiting).toBe(0);
});
