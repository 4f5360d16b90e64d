/**
 * The asynclog spool: deletes that failed with a failover error are appended to files under
 * `--async-dir` (default `/var/spool/mcrouter`) in mcrouter's layout and line format, so they can
 * be replayed once the server is back (`mcrouter/AsyncLog.cpp`, `mcrouter/routes/McRouteHandleProvider-inl.h`; replay:
 * `asynclog-replay.ts`).
 *
 * Writes stay off the request path: `spool` formats one line into memory; lines collected during a
 * loop iteration are appended with one asynchronous `appendFile` (open, write, close), and lines
 * arriving while a write is in flight go out in the next one. A file is reused for 15 minutes
 * (mcrouter's `DEFAULT_ASYNCLOG_LIFETIME`), then a new one is started. The directory is created
 * when needed; when it cannot be written the batch is dropped and logged (at most one log line a
 * minute, with the number of lines lost), and the proxy carries on.
 *
 * Size cap (`--asynclog-max-bytes`; mcrouter has none): the bytes under the spool directory are
 * measured (every file, whichever process wrote it; re-measured every 10 s so a replay that
 * removed files is seen) plus what this process wrote since. A batch that would take the spool
 * past the cap is dropped and counted (`asynclog_spool_dropped`); one warning is logged when the
 * cap is reached and one line when writing resumes, with the number of lines dropped meanwhile.
 */
import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../logger.js';
import { asynclogPaths, formatAsynclogLine } from './asynclog-line.js';

/** Where routes spool failed deletes. */
export interface AsyncLogSink {
  /**
   * Records one failed delete.
   * @param host destination host or IP (without brackets), or `unix:<path>`
   * @param port destination port (0 for a unix socket)
   * @param key the key bytes as sent to the destination
   * @param pool the asynclog name (PoolRoute `asynclog_name`, `name`, or the pool name)
   */
  spool(host: string, port: number, key: Uint8Array, pool: string): void;
}

/** Options of `AsyncLog`. */
export interface AsyncLogOptions {
  /** The spool directory (`-a/--async-dir`). */
  readonly dir: string;
  /** Write version-2 lines (`--use-asynclog-version2`). */
  readonly version2?: boolean;
  /** Called once per spooled line (the `asynclog_requests` counter). */
  readonly onSpool?: () => void;
  /** Spool size cap, bytes; 0 or absent: no cap. */
  readonly maxBytes?: number;
  /** Called with the number of lines written (`asynclog_spool_success`). */
  readonly onWritten?: (lines: number) => void;
  /** Called with the number of lines dropped at the cap (`asynclog_spool_dropped`). */
  readonly onDropped?: (lines: number) => void;
}

/** How often the spool directory is measured again while a cap is set, ms. */
const SPOOL_RESCAN_MS = 10_000;

/** mcrouter's `DEFAULT_ASYNCLOG_LIFETIME`: a spool file is written for 15 minutes, seconds. */
export const ASYNCLOG_FILE_LIFETIME_S = 15 * 60;

let instances = 0;

/** See the file comment. */
export class AsyncLog implements AsyncLogSink {
  private pending: string[] = [];
  private scheduled = false;
  private writing: Promise<void> | null = null;
  private file: string | null = null;
  private hourDir = '';
  private fileOpenedAt = 0;
  private readonly id = `0x${(++instances).toString(16)}`;
  private lastErrorLog = 0;
  private lostSinceLog = 0;
  /** Lines written, lines lost because the spool could not be written, lines dropped at the cap. */
  written = 0;
  lost = 0;
  dropped = 0;
  /** Bytes under the spool directory (-1 before the first measure), and when it was measured. */
  private spoolBytes = -1;
  private measuredAt = 0;
  private droppedSinceCap = 0;
  private capped = false;

  constructor(readonly options: AsyncLogOptions) {}

  spool(host: string, port: number, key: Uint8Array, pool: string): void {
    const line = formatAsynclogLine(
      {
        host,
        port,
        key: Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'),
        pool,
        time: Date.now() / 1000,
      },
      this.options.version2 === true,
    );
    this.pending.push(line);
    this.options.onSpool?.();
    if (!this.scheduled && this.writing === null) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startWrite();
      });
    }
  }

  /** Resolves once every line spooled so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.writing !== null || this.pending.length > 0) {
      if (this.writing === null) this.startWrite();
      await this.writing;
    }
  }

  private startWrite(): void {
    if (this.writing !== null || this.pending.length === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      if (this.pending.length > 0) this.startWrite();
    });
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      try {
        const text = lines.join('');
        if (!(await this.fits(text))) continue;
        await this.append(text);
        this.written += lines.length;
        this.options.onWritten?.(lines.length);
      } catch (err) {
        this.lost += lines.length;
        this.reportLoss(err as NodeJS.ErrnoException, lines.length);
      }
    }
  }

  private async append(text: string): Promise<void> {
    const now = Date.now();
    if (this.file === null || (now - this.fileOpenedAt) / 1000 > ASYNCLOG_FILE_LIFETIME_S) {
      const paths = asynclogPaths(this.options.dir, now, this.id);
      this.file = paths.file;
      this.hourDir = paths.hourDir;
      this.fileOpenedAt = now;
      await mkdir(this.hourDir, { recursive: true });
    }
    try {
      await appendFile(this.file, text);
    } catch (err) {
      // The replay may have removed an emptied hour directory: create it again, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.hourDir, { recursive: true });
      await appendFile(this.file, text);
    }
  }

  /**
   * True when `text` fits under the cap (counting it as written); otherwise its lines are counted
   * as dropped and false is returned.
   */
  private async fits(text: string): Promise<boolean> {
    const max = this.options.maxBytes ?? 0;
    if (max <= 0) return true;
    const now = Date.now();
    if (this.spoolBytes < 0 || now - this.measuredAt >= SPOOL_RESCAN_MS) {
      this.spoolBytes = await spoolSize(this.options.dir);
      this.measuredAt = now;
    }
    const bytes = Buffer.byteLength(text, 'latin1');
    if (this.spoolBytes + bytes > max) {
      const n = countLines(text);
      this.dropped += n;
      this.droppedSinceCap += n;
      this.options.onDropped?.(n);
      if (!this.capped) {
        this.capped = true;
        log.warn(
          {
            event: 'asynclog_cap_reached',
            dir: this.options.dir,
            maxBytes: max,
            spoolBytes: this.spoolBytes,
          },
          'asynclog: the spool reached --asynclog-max-bytes; failed deletes are dropped until it shrinks',
        );
      }
      return false;
    }
    this.spoolBytes += bytes;
    if (this.capped) {
      this.capped = false;
      log.info(
        { event: 'asynclog_cap_cleared', dir: this.options.dir, droppedLines: this.droppedSinceCap },
        'asynclog: the spool is below its cap again; spooling resumed',
      );
      this.droppedSinceCap = 0;
    }
    return true;
  }

  private reportLoss(err: NodeJS.ErrnoException, n: number): void {
    this.lostSinceLog += n;
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    log.error(
      { err, dir: this.options.dir, lostLines: this.lostSinceLog },
      'asynclog: cannot write the spool; failed deletes are not recorded',
    );
    this.lostSinceLog = 0;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Bytes of every file under `dir` (0 when it does not exist). */
async function spoolSize(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    const st = await stat(join(e.parentPath, e.name)).catch(() => null);
    total += st?.size ?? 0;
  }
  return total;
}
