/**
 * The `mcproxy --replay-asynclog` mode: replays the spool under `-a/--async-dir` once
 * (`asynclog-replay.ts`), prints a one-line summary on stdout and returns the exit code:
 * 0 every spooled delete was replayed (or there was nothing to replay), 1 some deletes are kept
 * because their server still fails (run it again later, e.g. from cron), 2 the spool could not be
 * read or written.
 */
import { McProxyError } from '../errors.js';
import { log } from '../logger.js';
import type { ProxyOptions } from '../options.js';
import { replayAsynclog } from './asynclog-replay.js';

/** Exit code: everything replayed. */
export const REPLAY_DONE = 0;
/** Exit code: some deletes kept for a later run. */
export const REPLAY_KEPT = 1;
/** Exit code: the spool could not be read or written. */
export const REPLAY_FAILED = 2;

/** Runs the replay; resolves with the exit code (see the file comment). */
export async function runReplayCommand(options: ProxyOptions): Promise<number> {
  try {
    const r = await replayAsynclog({ dir: options.asyncDir, serverTimeoutMs: options.serverTimeoutMs });
    process.stdout.write(
      `asynclog replay: ${r.replayed} deletes replayed, ${r.kept} kept, ${r.files} files in ${options.asyncDir}\n`,
    );
    log.info({ ...r, dir: options.asyncDir }, 'asynclog replay done');
    return r.kept > 0 ? REPLAY_KEPT : REPLAY_DONE;
  } catch (err) {
    const message = err instanceof McProxyError ? err.message : String(err);
    log.error({ err, dir: options.asyncDir }, `asynclog replay failed: ${message}`);
    process.stderr.write(`mcproxy: asynclog replay failed: ${message}\n`);
    return REPLAY_FAILED;
  }
}
