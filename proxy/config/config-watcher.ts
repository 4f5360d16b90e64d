/**
 * Tells the reloader when to look at the config files again. Two triggers:
 *
 * - chokidar with `usePolling` (stat polling, `fs.watchFile`): the fast path for writes made on
 *   this host, symlink swaps and atomic renames. Native events (inotify) are not used: NFS/EFS never
 *   delivers them for writes made by other hosts (docs/confgen.md).
 * - a periodic tick every `pollMs` (±10 % jitter, so a fleet does not read EFS in step): the
 *   reloader then opens, reads and hashes every file. Opening the file makes the NFS client
 *   revalidate it (close-to-open consistency), so a write from another host is seen within one
 *   period even when the attribute cache hides it from stat polling.
 *
 * The watcher only triggers; what changed is decided by content hashes (`ConfigReloader`).
 */
import { watch, type FSWatcher } from 'chokidar';
import { log } from '../logger.js';

/** Options of a `ConfigWatcher`. Times in ms. */
export interface ConfigWatcherOptions {
  /** Period of the read-and-hash check, ms (jittered ±10 %). */
  readonly pollMs: number;
  /** Called on every trigger; must not throw. */
  readonly onTrigger: () => void;
}

/** Jittered delay: `ms` ± 10 %. */
export function jittered(ms: number, fraction = 0.1): number {
  return Math.max(1, Math.round(ms * (1 - fraction + 2 * fraction * Math.random())));
}

/** See the file comment. */
export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private paths = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: ConfigWatcherOptions) {}

  /** Stat-polling interval for chokidar: half the check period, within [100, 1000] ms. */
  get statIntervalMs(): number {
    return Math.max(100, Math.min(1000, Math.floor(this.opts.pollMs / 2)));
  }

  /** Starts watching `paths` (absolute) and the periodic tick. */
  start(paths: readonly string[]): void {
    if (this.closed) return;
    this.paths = new Set(paths);
    this.watcher = watch([...this.paths], {
      usePolling: true,
      interval: this.statIntervalMs,
      binaryInterval: this.statIntervalMs,
      ignoreInitial: true,
      followSymlinks: true,
      persistent: true,
    });
    this.watcher.on('all', () => {
      this.opts.onTrigger();
    });
    this.watcher.on('error', (err) => {
      log.warn({ err }, 'config file watcher error; the periodic check goes on');
    });
    this.scheduleTick();
  }

  /** Watches exactly `paths` from now on (after a reload changed the set of files). */
  setPaths(paths: readonly string[]): void {
    const next = new Set(paths);
    const added = [...next].filter((p) => !this.paths.has(p));
    const removed = [...this.paths].filter((p) => !next.has(p));
    this.paths = next;
    if (this.watcher === null) return;
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
  }

  /** Stops both triggers. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const w = this.watcher;
    this.watcher = null;
    await w?.close();
  }

  private scheduleTick(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.opts.onTrigger();
      this.scheduleTick();
    }, jittered(this.opts.pollMs));
    this.timer.unref();
  }
}
