/**
 * Structured logging (pino JSON lines). One process-wide logger, replaced at start-up by
 * `configureLogger` from `--log-level` / `-L`. Nothing in the hot path logs per request.
 */
import { OptionError } from './errors.js';
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';

/** The process logger. Reassigned by `configureLogger`; import it as a live binding. */
export let log: Logger = pino({ name: 'mcproxy', level: process.env.MCPROXY_LOG_LEVEL ?? 'info' });

/**
 * Replaces the process logger.
 * @param opts.level pino level (`fatal` … `trace`, or `silent`)
 * @param opts.path log file (mcrouter's `-L/--log-path`), appended to, its directory created;
 *   stderr when empty
 * @param opts.name the `name` field of every line
 * @throws OptionError (`cannot open log file <path>: <code>`) when the file cannot be opened for
 *   appending: it is opened here, synchronously, so a bad path fails at start-up instead of
 *   losing the log
 */
export function configureLogger(opts: { level: string; path?: string; name?: string }): Logger {
  let fd = 2;
  if (opts.path !== undefined && opts.path !== '') {
    try {
      mkdirSync(dirname(opts.path), { recursive: true });
      fd = openSync(opts.path, 'a');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new OptionError(`cannot open log file ${opts.path}: ${e.code ?? e.message}`, { cause: err });
    }
  }
  const dest = pino.destination({ fd, sync: false });
  let reported = false;
  dest.on('error', (err: Error) => {
    // A log that cannot be written (disk full, ...) must not stop the proxy; say so once.
    if (reported) return;
    reported = true;
    process.stderr.write(`mcproxy: cannot write the log: ${err.message}\n`);
  });
  log = pino({ name: opts.name ?? 'mcproxy', level: opts.level }, dest);
  return log;
}

/** Sets the logger directly (tests and embedders). */
export function setLogger(logger: Logger): void {
  log = logger;
}
