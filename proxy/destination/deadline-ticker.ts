/**
 * One coarse timer for every deadline in the process (server timeouts, connect timeouts), instead
 * of a `setTimeout` per request (undici's "fast timers" idea). Each registered object is asked to
 * expire its own overdue work on every tick; the timer runs only while something is registered.
 *
 * Loop lag does not count as waiting: a tick expires only deadlines that had passed by the
 * previous tick, so an event-loop turn (whose poll phase reads the replies that arrived meanwhile)
 * always runs between a deadline and its expiry. A proxy busy for longer than a server timeout
 * therefore does not time out requests whose replies are already waiting in its socket buffers.
 */

/** Something with deadlines. */
export interface Tickable {
  /**
   * Expires work whose deadline is ≤ `now`.
   * @param now `performance.now()` milliseconds: the time of the previous tick (see the file comment)
   * @returns false when nothing is left to watch (it is then unregistered)
   */
  tick(now: number): boolean;
}

/** Finest tick period, ms. */
export const TICK_MS = 5;
/** Coarsest tick period, ms. */
const MAX_TICK_MS = 50;

/**
 * The tick period for deadlines `timeoutMs` apart from their start: 1/40 of it, between `TICK_MS`
 * and `MAX_TICK_MS`, so a deadline fires at most 2 periods (5 % of its timeout) late. Each tick
 * is a wake-up of an otherwise idle loop (tens of µs of CPU on a shared host): with mcrouter's
 * default 1 s server timeout the ticker runs 40 times a second instead of 200.
 */
export function tickPeriodFor(timeoutMs: number): number {
  return Math.min(MAX_TICK_MS, Math.max(TICK_MS, Math.floor(timeoutMs / 40)));
}

const active = new Set<Tickable>();
let timer: NodeJS.Timeout | null = null;
/** The running timer's period, ms (the finest any registration asked for since it started). */
let period = Infinity;
/** When the previous tick ran (or the timer started), `performance.now()` ms. */
let lastRun = 0;

function run(): void {
  const cutoff = lastRun;
  lastRun = performance.now();
  for (const t of active) {
    if (!t.tick(cutoff)) active.delete(t);
  }
  if (active.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
    period = Infinity;
  }
}

/**
 * Registers `t` until its `tick` returns false. Idempotent.
 * @param periodMs how often `t` needs ticks, ms (`tickPeriodFor`); the ticker runs at the finest
 *   period registered since it started
 */
export function watchDeadlines(t: Tickable, periodMs = TICK_MS): void {
  active.add(t);
  if (timer !== null && periodMs >= period) return;
  if (timer === null) lastRun = performance.now();
  else clearInterval(timer);
  period = periodMs;
  timer = setInterval(run, periodMs);
  timer.unref();
}
