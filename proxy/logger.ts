/**
 * Structured logging (pino JSON lines). One process-wide logger, replaced at start-up by
 * `configureLogger` from `--log-level` / `-L`. Nothing in the hot path logs per request.
 */
import { pino, type Logger } from 'pino';

/** The process logger. Reassigned by `configureLogger`; import it as a live binding. */
export let log: Logger = pino({ name: 'mcproxy', level: process.env.MCPROXY_LOG_LEVEL ?? 'info' });

/**
 * Replaces the process logger.
 * @param opts.level pino level (`fatal` … `trace`, or `silent`)
 * @param opts.path log file (mcrouter's `-L/--log-path`); stderr when empty
 * @param opts.name the `name` field of every line
 */
export function configureLogger(opts: { level: string; path?: string; name?: string }): Logger {
  const dest =
    opts.path !== undefined && opts.path !== ''
      ? pino.destination({ dest: opts.path, mkdir: true, sync: false })
      : pino.destination({ fd: 2, sync: false });
  log = pino({ name: opts.name ?? 'mcproxy', level: opts.level }, dest);
  return log;
}

/** Sets the logger directly (tests and embedders). */
export function setLogger(logger: Logger): void {
  log = logger;
}
