/**
 * Hot reload of a file config (`mcrouter/ConfigApi.cpp`), built for files on NFS/EFS.
 *
 * On every trigger of its `ConfigWatcher` (file events in the config directories, plus a
 * read-and-hash tick every `--config-poll-ms`) the reloader opens and reads the main config file
 * and every other file the current config was read from (`ProxyConfig.files`: `@import`ed and `file:` pool files), and
 * hashes them (sha256). When the set of hashes differs from the last attempt it rebuilds from the
 * main file through `ProxyServer.reload`, which builds the new config completely before swapping
 * one reference.
 *
 * - Success: logs `reconfigured` with the new md5 and the destinations added and removed, watches
 *   the new config's files, and keeps a copy on disk (`ConfigDump`).
 * - Failure (unreadable file, JSON syntax error from a half-written file, unknown pool, ...): logs
 *   `Failed to reconfigure: <JSON path>: <reason>`, counts `config_failures`, and the old config
 *   keeps serving. The same content is not retried; the next change is.
 *
 * Inline configs (`--config '<json>'`, `--config-str`) are never reloaded (mcrouter).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ProxyStats } from '../admin/proxy-stats.js';
import { ConfigError, McProxyError } from '../errors.js';
import { log } from '../logger.js';
import type { ConfigChange } from './config-change.js';
import type { ConfigDump } from './config-dump.js';
import { ConfigWatcher } from './config-watcher.js';
import type { ConfigSource, ProxyConfig } from './proxy-config.js';

/** What the reloader needs from the proxy (`ProxyServer` implements it). */
export interface Reloadable {
  readonly config: ProxyConfig;
  readonly stats: ProxyStats;
  /** Builds and swaps in a config; throws a `ConfigError` when it is invalid. */
  reload(source: ConfigSource): ConfigChange;
}

/** Options of a `ConfigReloader`. */
export interface ConfigReloaderOptions {
  /** The main config file, absolute. */
  readonly path: string;
  /** `--config-poll-ms`: period of the read-and-hash check, ms. */
  readonly pollMs: number;
  /** Where to keep the last good config, or null. */
  readonly dump: ConfigDump | null;
  /** True when the running config came from the dump (the main file was unusable at start-up). */
  readonly fromDisk?: boolean;
  /** When false, no watcher runs: checks happen only when `check()` is called (tests). Default true. */
  readonly watch?: boolean;
}

/** What one check did. */
export type CheckOutcome = 'unchanged' | 'reloaded' | 'failed' | 'closed';

/** One file as read: its bytes, or the error code. */
interface FileRead {
  readonly content: Buffer | null;
  readonly code: string;
}

/** path → `sha256:<hex>` or `error:<code>`. */
type Snapshot = ReadonlyMap<string, string>;

/** Touch the dump at most this often while the config is unchanged, ms. */
const DUMP_REFRESH_MS = 60_000;

/** See the file comment. */
export class ConfigReloader {
  private readonly watcher: ConfigWatcher | null;
  /** Hashes of the last attempt, and of the last success (null while serving a dumped config). */
  private attempted: Snapshot = new Map();
  private applied: Snapshot | null = null;
  private fromDisk: boolean;
  private running: Promise<CheckOutcome> | null = null;
  private queued: Promise<CheckOutcome> | null = null;
  private lastDumpAt = 0;
  private closed = false;

  constructor(
    private readonly server: Reloadable,
    private readonly opts: ConfigReloaderOptions,
  ) {
    this.fromDisk = opts.fromDisk ?? false;
    this.watcher =
      opts.watch === false
        ? null
        : new ConfigWatcher({
            pollMs: opts.pollMs,
            onTrigger: () => {
              void this.check();
            },
          });
  }

  /**
   * Takes the current config's files as the baseline, keeps a copy on disk, and starts watching.
   * The main file's baseline is the text the running config was built from, so a change made
   * between start-up and now is still seen.
   */
  async start(): Promise<void> {
    const files = this.filesOf(this.server.config);
    const reads = await readAll(files);
    if (!this.fromDisk) {
      reads.set(this.opts.path, { content: Buffer.from(this.server.config.source.text, 'utf8'), code: '' });
    }
    const snapshot = digest(reads);
    this.attempted = snapshot;
    this.applied = this.fromDisk ? null : snapshot;
    await this.watcher?.start(files);
    if (!this.fromDisk) await this.saveDump(reads);
  }

  /**
   * Reads and hashes the files now and reloads when they changed. Concurrent calls are coalesced:
   * at most one check runs and one waits.
   */
  check(): Promise<CheckOutcome> {
    if (this.closed) return Promise.resolve('closed');
    if (this.queued !== null) return this.queued;
    if (this.running !== null) {
      this.queued = this.running.then(() => {
        this.queued = null;
        return this.runOnce();
      });
      return this.queued;
    }
    return this.runOnce();
  }

  /** Stops watching; a check in progress finishes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    await this.running?.catch(() => undefined);
  }

  private runOnce(): Promise<CheckOutcome> {
    if (this.closed) return Promise.resolve('closed');
    this.running = this.checkOnce()
      .catch((err: unknown) => {
        log.error({ err }, 'config check failed');
        return 'failed' as const;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private filesOf(config: ProxyConfig): string[] {
    return [...new Set([this.opts.path, ...config.files])];
  }

  private async checkOnce(): Promise<CheckOutcome> {
    const paths = [...this.attempted.keys()];
    if (paths.length === 0) paths.push(this.opts.path);
    const reads = await readAll(paths);
    const snapshot = digest(reads);
    if (sameSnapshot(snapshot, this.attempted)) {
      if (this.applied === this.attempted && Date.now() - this.lastDumpAt >= DUMP_REFRESH_MS) {
        await this.saveDump(reads);
      }
      return 'unchanged';
    }
    if (this.closed) return 'closed';
    this.attempted = snapshot;
    const main = reads.get(this.opts.path);
    if (main?.content == null) {
      const stats = this.server.stats;
      stats.configFullAttempts++;
      stats.configFailures++;
      stats.configLastAttempt = Date.now();
      const reason = `Can not read config from ${this.opts.path}: ${main?.code ?? 'unknown error'}`;
      log.error(
        { event: 'reconfigure_failed', config: this.opts.path, code: main?.code, jsonPath: '', reason },
        `Failed to reconfigure: ${reason}`,
      );
      return 'failed';
    }
    const started = performance.now();
    let change: ConfigChange;
    try {
      change = this.server.reload({ text: main.content.toString('utf8'), path: this.opts.path });
    } catch (err) {
      const code = err instanceof McProxyError ? err.code : undefined;
      log.error(
        {
          event: 'reconfigure_failed',
          config: this.opts.path,
          code,
          md5: md5(main.content),
          jsonPath: err instanceof ConfigError ? err.path : undefined,
          reason: err instanceof ConfigError ? err.reason : (err as Error).message,
        },
        `Failed to reconfigure: ${(err as Error).message}`,
      );
      return 'failed';
    }
    const buildMs = Math.round((performance.now() - started) * 10) / 10;
    this.fromDisk = false;
    const files = this.filesOf(change.config);
    const missing = files.filter((f) => !reads.has(f));
    for (const [f, r] of await readAll(missing)) reads.set(f, r);
    for (const f of [...reads.keys()]) if (!files.includes(f)) reads.delete(f);
    const applied = digest(reads);
    this.attempted = applied;
    this.applied = applied;
    this.watcher?.setPaths(files);
    log.info(
      {
        event: 'reconfigured',
        config: this.opts.path,
        md5: change.config.md5,
        previousMd5: change.previous.md5,
        added: change.added,
        removed: change.removed,
        files,
        buildMs,
      },
      `reconfigured: md5 ${change.config.md5}, ${change.added.length} destinations added, ${change.removed.length} removed`,
    );
    await this.saveDump(reads);
    return 'reloaded';
  }

  private async saveDump(reads: ReadonlyMap<string, FileRead>): Promise<void> {
    const dump = this.opts.dump;
    if (dump === null) return;
    const contents = new Map<string, Buffer>();
    for (const [path, r] of reads) if (r.content !== null) contents.set(path, r.content);
    this.lastDumpAt = Date.now();
    await dump.save(contents);
  }
}

/** Reads every file (open + read: on NFS this revalidates the cached attributes). */
async function readAll(paths: readonly string[]): Promise<Map<string, FileRead>> {
  const out = new Map<string, FileRead>();
  const results = await Promise.all(
    paths.map(async (p): Promise<FileRead> => {
      try {
        return { content: await readFile(p), code: '' };
      } catch (err) {
        return { content: null, code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
      }
    }),
  );
  paths.forEach((p, i) => out.set(p, results[i] as FileRead));
  return out;
}

function digest(reads: ReadonlyMap<string, FileRead>): Snapshot {
  const out = new Map<string, string>();
  for (const [path, r] of reads) {
    out.set(
      path,
      r.content === null
        ? `error:${r.code}`
        : `sha256:${createHash('sha256').update(r.content).digest('hex')}`,
    );
  }
  return out;
}

function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function md5(content: Buffer): string {
  return createHash('md5').update(content).digest('hex');
}
