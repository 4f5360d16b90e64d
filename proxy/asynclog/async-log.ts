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
 */
import { appendFile, mkdir } from 'node:fs/promises';
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
}

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
  /** Lines written, and lines lost because the spool could not be written. */
  written = 0;
  lost = 0;

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
        await this.append(lines.join(''));
        this.written += lines.length;
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
