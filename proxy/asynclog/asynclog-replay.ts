/**
 * `mcproxy --replay-asynclog`: re-sends the deletes spooled under `--async-dir` (`mcrouter/routes/McRouteHandleProvider-inl.h`; mcrouter
 * leaves this to an external tool, mcrouter issue #289). One pass:
 *
 * 1. every spool file (in the hourly directories, any age) is claimed by renaming it to
 *    `<name>.replay-<pid>` — a running mcproxy reopens its file for each batch, so its next batch
 *    starts a new file, and a second replayer skips claimed files (a claim whose process is gone
 *    is taken over);
 * 2. each line's `delete <key>` is sent to its destination (`host`, `port` of the line), pipelined;
 *    a reply that is not a failover error (DELETED, NOT_FOUND, or a CLIENT_ERROR that no retry
 *    would change) removes the line, a failover error (connection refused, timeout, TKO,
 *    SERVER_ERROR) keeps it; lines that cannot be parsed are kept as they are;
 * 3. the claimed file is read again and lines appended meanwhile are replayed too; then the kept
 *    lines are written to a new file `<name>.kept-<ms>-<pid>` beside it (through a temporary file
 *    and a rename), the claimed file is removed, and emptied hour directories are removed.
 *
 * Nothing is lost if the replayer dies: until the kept lines are safely renamed into place, the
 * claimed file still holds every line.
 */
import { readdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DestinationMap } from '../destination/destination-map.js';
import type { ServerAddress } from '../config/server-address.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { isFailoverErrorResult } from '../protocol/result.js';
import type { McReply, ReplySink } from '../protocol/reply.js';
import { AsynclogError } from '../errors.js';
import { log } from '../logger.js';
import { parseAsynclogLine, type AsynclogEntry } from './asynclog-line.js';

/** Options of `replayAsynclog`. */
export interface ReplayOptions {
  /** The spool directory (`-a/--async-dir`). */
  readonly dir: string;
  /** Per-request timeout, ms (`--server-timeout`). */
  readonly serverTimeoutMs: number;
}

/** What a replay did. */
export interface ReplayReport {
  /** Spool files processed. */
  files: number;
  /** Deletes re-sent and answered (the lines are gone). */
  replayed: number;
  /** Lines kept for a later replay (the destination still failed, or the line is not readable). */
  kept: number;
}

const CLAIM = /\.replay-(\d+)$/;
const TEMP = /\.tmp-(\d+)$/;
const KEPT = /\.kept-\d+-\d+$/;
/** Deletes in flight per file at most. */
const BATCH = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function addressOf(e: AsynclogEntry): ServerAddress {
  // mcrouter's asynclog lines carry no security mechanism: replays go over plain TCP (docs/tls.md).
  if (e.host.startsWith('unix:'))
    return { host: '', port: 0, path: e.host.slice(5), hostPort: e.host, securityMech: 'plain' };
  const hostPort = e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
  return { host: e.host, port: e.port, path: null, hostPort, securityMech: 'plain' };
}

class Waiter implements ReplySink {
  constructor(private readonly done: (reply: McReply) => void) {}
  onReply(reply: McReply): void {
    this.done(reply);
  }
}

/**
 * Replays every spool file under `opts.dir` once.
 * @throws AsynclogError when the directory cannot be listed or a file cannot be claimed, read or
 *   rewritten (a missing directory is not an error: nothing to replay)
 */
export async function replayAsynclog(opts: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { files: 0, replayed: 0, kept: 0 };
  const files = await spoolFiles(opts.dir);
  const destinations = new DestinationMap();
  try {
    for (const file of files) {
      const claimed = await claim(file);
      if (claimed === null) continue;
      report.files++;
      await replayFile(claimed, destinations, opts, report);
    }
  } finally {
    destinations.closeAll();
  }
  await removeEmptyDirs(opts.dir);
  return report;
}

/** Spool files: regular files directly under `dir` and in its subdirectories. */
async function spoolFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw new AsynclogError(`cannot read the spool directory ${dir}: ${(err as Error).message}`);
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory()) {
      try {
        const sub = await readdir(p, { withFileTypes: true });
        for (const f of sub.sort((a, b) => a.name.localeCompare(b.name)))
          if (f.isFile()) out.push(join(p, f.name));
      } catch (err) {
        throw new AsynclogError(`cannot read the spool directory ${p}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

/** Renames `file` to our claim name; null when it is someone else's (or gone). */
async function claim(file: string): Promise<string | null> {
  const temp = TEMP.exec(file);
  if (temp !== null) {
    // A replayer that died before renaming its kept lines: its claimed file still has them all.
    if (!alive(Number(temp[1]))) await unlink(file).catch(() => undefined);
    return null;
  }
  const c = CLAIM.exec(file);
  let base = file;
  if (c !== null) {
    const pid = Number(c[1]);
    if (pid === process.pid || alive(pid)) return null;
    base = file.slice(0, c.index);
  }
  const claimed = `${base}.replay-${process.pid}`;
  try {
    await rename(file, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AsynclogError(`cannot claim ${file}: ${(err as Error).message}`);
  }
  return claimed;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'latin1');
  } catch (err) {
    throw new AsynclogError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

async function replayFile(
  claimed: string,
  destinations: DestinationMap,
  opts: ReplayOptions,
  report: ReplayReport,
): Promise<void> {
  const kept: string[] = [];
  let done = 0;
  let text = '';
  for (;;) {
    const before = text.length;
    text = await readText(claimed);
    if (text.length === before && before > 0) break;
    const lastNl = text.lastIndexOf('\n');
    if (lastNl + 1 > done) {
      const lines = text.slice(done, lastNl).split('\n');
      done = lastNl + 1;
      for (let i = 0; i < lines.length; i += BATCH) {
        await replayLines(lines.slice(i, i + BATCH), destinations, opts, kept, report);
      }
    } else if (before === 0) {
      break;
    }
  }
  if (text.length > done) {
    // A last line without its newline is incomplete: keep it as it is.
    kept.push(text.slice(done));
    report.kept++;
  }
  const base = claimed.replace(CLAIM, '').replace(KEPT, '');
  if (kept.length > 0) {
    const target = `${base}.kept-${Date.now()}-${process.pid}`;
    const temp = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(temp, kept.map((l) => `${l}\n`).join(''), 'latin1');
      await rename(temp, target);
    } catch (err) {
      throw new AsynclogError(`cannot write ${target}: ${(err as Error).message}`);
    }
  }
  try {
    await unlink(claimed);
  } catch (err) {
    throw new AsynclogError(`cannot remove ${claimed}: ${(err as Error).message}`);
  }
}

async function replayLines(
  lines: readonly string[],
  destinations: DestinationMap,
  opts: ReplayOptions,
  kept: string[],
  report: ReplayReport,
): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const entry = parseAsynclogLine(line);
    if (entry === null) {
      log.warn({ line }, 'asynclog replay: unreadable line kept');
      kept.push(line);
      report.kept++;
      continue;
    }
    const dest = destinations.get({
      address: addressOf(entry),
      timeoutMs: opts.serverTimeoutMs,
      connectTimeoutMs: opts.serverTimeoutMs,
    });
    pending.push(
      new Promise<void>((resolve) => {
        dest.send(
          new McRequest(Op.Delete, Buffer.from(entry.key, 'latin1')),
          new Waiter((reply) => {
            if (isFailoverErrorResult(reply.result)) {
              kept.push(line);
              report.kept++;
            } else {
              report.replayed++;
            }
            resolve();
          }),
          0,
        );
      }),
    );
  }
  await Promise.all(pending);
}

/** Removes empty hour directories (a running mcproxy recreates its own when it next writes). */
async function removeEmptyDirs(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    await rmdir(join(dir, e.name)).catch(() => undefined);
  }
}
