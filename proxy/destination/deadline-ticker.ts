/**
 * One coarse timer for every deadline in the process (server timeouts, connect timeouts), instead
 * of a `setTimeout` per request (undici's "fast timers" idea). Each registered object is asked to
 * expire its own overdue work on every tick; the timer runs only while something is registered.
 */

/** Something with deadlines. */
export interface Tickable {
  /**
   * Expires work whose deadline is ≤ `now`.
   * @param now `performance.now()` milliseconds
   * @returns false when nothing is left to watch (it is then unregistered)
   */
  tick(now: number): boolean;
}

/** Tick period, ms: deadlines fire up to this late. */
export const TICK_MS = 5;

const active = new Set<Tickable>();
let timer: NodeJS.Timeout | null = null;

function run(): void {
  const now = performance.now();
  for (const t of active) {
    if (!t.tick(now)) active.delete(t);
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
    timer = setInterval(run, TICK_MS);
    timer.unref();
  }
}
