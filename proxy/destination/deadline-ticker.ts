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

/** Tick period, ms: deadlines fire up to this late. */
export const TICK_MS = 5;

const active = new Set<Tickable>();
let timer: NodeJS.Timeout | null = null;
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
  }
}

/** Registers `t` until its `tick` returns false. Idempotent. */
export function watchDeadlines(t: Tickable): void {
  active.add(t);
  if (timer === null) {
    lastRun = performance.now();
    timer = setInterval(run, TICK_MS);
    timer.unref();
  }
}
