/**
 * What people see while a warm runs: a progress bar (cli-progress) when stderr is a terminal —
 * keys, bytes, keys/s and ETA — and otherwise one structured log line (pino) every interval;
 * then a summary. The reporter polls the run's `WarmState`; the copy itself never calls it.
 */
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { summarize, type WarmState, type WarmSummary } from './warm-run.js';

/** `--progress`: `auto` = a bar on a TTY, log lines otherwise. */
export type ProgressMode = 'auto' | 'bar' | 'log' | 'none';

const MIB = 1024 * 1024;

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

/** Starts reporting; call the returned function when the run ends (it stops the bar). */
export function reportProgress(
  state: WarmState,
  mode: ProgressMode,
  log: Logger,
  intervalMs: number,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY);
  if (mode === 'none') return () => undefined;
  if (!useBar) {
    const timer = setInterval(() => {
      const c = state.copy;
      const elapsed = Date.now() - (state.copyStartedAt || state.startedAt);
      log.info(
        {
          event: 'warm_progress',
          phase: state.phase,
          listed: state.listed,
          selected: state.selected,
          done: c.done,
          copied: c.copied,
          existing: c.existing,
          missing: c.missing,
          failed: c.failed,
          bytes: c.bytes,
          keysPerS: elapsed > 0 && state.phase === 'copy' ? Math.round((c.done * 1000) / elapsed) : 0,
        },
        state.phase === 'copy' ? `warm: ${c.done}/${state.selected} keys` : 'warm: listing keys',
      );
    }, intervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'warm |{bar}| {percentage}% | {value}/{total} keys | {mib}/{totalMib} MiB | {rate} keys/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const timer = setInterval(() => {
    if (state.phase === 'enumerate') return;
    const c = state.copy;
    const elapsed = Date.now() - state.copyStartedAt;
    const payload = {
      mib: mib(c.bytes),
      totalMib: mib(state.selectedBytes),
      rate: elapsed > 0 ? Math.round((c.done * 1000) / elapsed) : 0,
    };
    if (!started) {
      bar.start(state.selected, c.done, payload);
      started = true;
    } else bar.update(c.done, payload);
  }, 200);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (started) {
      bar.update(state.copy.done);
      bar.stop();
    }
  };
}

/** The summary as text for a terminal. */
export function summaryText(s: WarmSummary): string {
  const lines = [
    `listed ${s.listed} keys; chose ${s.selected} (${mib(s.selectedBytes)} MiB of a ${mib(s.budgetBytes)} MiB budget), most recently used first`,
    `copied ${s.copied}, already there ${s.existing}, gone from the source ${s.missing}, failed ${s.failed}; ${mib(s.bytes)} MiB of values`,
    `listing ${(s.enumerateMs / 1000).toFixed(2)} s, copy ${(s.copyMs / 1000).toFixed(2)} s (${s.copyKeysPerS} keys/s), total ${(s.totalMs / 1000).toFixed(2)} s (${s.keysPerS} keys/s); peak RSS ${mib(s.maxRssBytes)} MiB`,
  ];
  if (s.stoppedEarly) lines.push('stopped at the deadline before every chosen key was copied');
  if (s.firstError !== null) lines.push(`first error reply: ${s.firstError}`);
  return lines.join('\n');
}

/** Logs the summary (event `warm_done`). */
export function logSummary(log: Logger, state: WarmState): WarmSummary {
  const s = summarize(state);
  log.info({ event: 'warm_done', ...s }, `warm done: ${s.copied} keys copied`);
  return s;
}
