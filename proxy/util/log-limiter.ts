/**
 * Rate-limited log lines for events that can repeat at request rate (a server answering garbage,
 * an exception while routing, a failing flush): per key, the first `burst` lines of a window are
 * logged; the rest are counted, and when the window ends one line says how many were suppressed
 * (`event: log_suppressed`, `key`, `suppressed`, `windowMs`), so a flood costs a bounded number of
 * lines and still shows its size. pino has no rate limiting of its own; mcrouter limits its
 * repetitive lines with folly's `XLOG_EVERY_MS` (`mcrouter/ServerOnRequest.h`,
 * `mcrouter/ThriftAcceptor.cpp`), without a suppressed count.
 *
 * Keys name the event and its subject (`protocol_error:<host:port>`); at most `MAX_KEYS` keys are
 * tracked at once (more share one overflow key), so hostile input cannot grow the map.
 */
import { log } from '../logger.js';

/** Lines per key per window, and the window, ms. */
export interface LogLimits {
  readonly burst: number;
  readonly windowMs: number;
}

/** The defaults: 5 lines per key every 10 s. */
export const DEFAULT_LOG_LIMITS: LogLimits = { burst: 5, windowMs: 10_000 };

const MAX_KEYS = 10_000;
const OVERFLOW_KEY = '(other)';

type Level = 'error' | 'warn' | 'info';

interface Window {
  logged: number;
  suppressed: number;
  readonly level: Level;
  readonly msg: string;
}

let limits: LogLimits = DEFAULT_LOG_LIMITS;
const windows = new Map<string, Window>();

/** Replaces the limits (tests and embedders); windows already open keep their end time. */
export function setLogLimits(next: LogLimits): void {
  limits = next;
}

/**
 * Logs `msg` with `fields` at `level` unless `key` already logged `burst` lines in its window.
 * @param key the event and its subject, e.g. `protocol_error:10.0.0.1:11211`
 */
export function logLimited(level: Level, key: string, fields: object, msg: string): void {
  let k = key;
  let w = windows.get(k);
  if (w === undefined) {
    if (windows.size >= MAX_KEYS) {
      k = OVERFLOW_KEY;
      w = windows.get(k);
    }
    if (w === undefined) {
      w = { logged: 0, suppressed: 0, level, msg };
      windows.set(k, w);
      const window = w;
      const windowMs = limits.windowMs;
      setTimeout(() => {
        endWindow(k, window, windowMs);
      }, windowMs).unref();
    }
  }
  if (w.logged < limits.burst) {
    w.logged++;
    log[level](fields, msg);
  } else w.suppressed++;
}

function endWindow(key: string, w: Window, windowMs: number): void {
  windows.delete(key);
  if (w.suppressed === 0) return;
  log[w.level](
    { event: 'log_suppressed', key, suppressed: w.suppressed, windowMs },
    `suppressed ${w.suppressed} more log lines like "${w.msg}" in the last ${windowMs} ms`,
  );
}
