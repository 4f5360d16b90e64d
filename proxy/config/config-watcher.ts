/**
 * Tells the reloader when to look at the config files again. Two triggers:
 *
 * - file events (chokidar, native `fs.watch`/inotify) on the **directories** holding the config
 *   files (and the directories their symlinks resolve to): the fast path for writes made on this
 *   host. Watching the directory, not the file, sees what replaces a file rather than edits it:
 *   an atomic rename (`mcconfgen`'s temp file + rename), a symlink swap (a Kubernetes ConfigMap's
 *   `..data` link, a `current -> v42.json` link), a file created after start-up. An event in such
 *   a directory triggers when it names a watched file or its symlink's target (chokidar reports a
 *   swap of a link on the way, `..data`, as a change of the watched link itself); other files
 *   there are ignored, not even watched (an application's log appended 1,000 times a second
 *   beside the config cost the idle proxy 12 % of a core through chokidar's per-event work, 6 %
 *   with them ignored: the directory's own watch still sees the writes). The check is cheap and
 *   coalesced, and the content hash decides.
 * - a periodic tick every `pollMs` (±10 % jitter, so a fleet does not read EFS in step): the
 *   reloader then opens, reads and hashes every file. NFS/EFS never delivers events for writes
 *   made by other hosts, and its attribute cache can hide them from stat polling; opening the file
 *   makes the NFS client revalidate it (close-to-open consistency), so such a write is seen within
 *   one period (docs/config.md, "Why polling").
 *
 * The watcher only triggers; what changed is decided by content hashes (`ConfigReloader`).
 */
import { realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { log } from '../logger.js';

/** Options of a `ConfigWatcher`. Times in ms. */
export interface ConfigWatcherOptions {
  /** Period of the read-and-hash check, ms (jittered ±10 %). */
  readonly pollMs: number;
  /**
   * Called on every trigger, with the path of the file event (absolute), or none for the periodic
   * tick; must not throw.
   */
  readonly onTrigger: (path?: string) => void;
}

/** Jittered delay: `ms` ± 10 %. */
export function jittered(ms: number, fraction = 0.1): number {
  return Math.max(1, Math.round(ms * (1 - fraction + 2 * fraction * Math.random())));
}

/**
 * Where events can mean a change of `paths` (absolute): each file's directory and name and, when
 * the file is a symlink, its target's directory and name (a missing or unreadable file: its own,
 * so that its creation is seen).
 */
export function watchedPlaces(paths: readonly string[]): { dirs: Set<string>; names: Set<string> } {
  const dirs = new Set<string>();
  const names = new Set<string>();
  for (const p of paths) {
    dirs.add(dirname(p));
    names.add(basename(p));
    try {
      const target = realpathSync(p);
      dirs.add(dirname(target));
      names.add(basename(target));
    } catch {
      // Missing or unreadable now: its own directory and name are watched.
    }
  }
  return { dirs, names };
}

/** See the file comment. */
export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private dirs = new Set<string>();
  /** `watchedPlaces` names of the paths: events for other names in `dirs` are ignored. */
  private names = new Set<string>();
  /** chokidar's `ignored`: true for what cannot be a change of the watched files (see the file comment). */
  private readonly ignored = (path: string): boolean =>
    !this.dirs.has(path) && !this.names.has(basename(path));
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Resolves `start()`'s promise: on the watcher's `ready`, or on `close()` before it. */
  private settleStart: (() => void) | null = null;

  constructor(private readonly opts: ConfigWatcherOptions) {}

  /**
   * Starts watching the directories of `paths` (absolute) and the periodic tick.
   * @returns resolves once the file watcher is ready (events from then on are seen)
   */
  start(paths: readonly string[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    ({ dirs: this.dirs, names: this.names } = watchedPlaces(paths));
    const watcher = watch([...this.dirs], {
      ignored: this.ignored,
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => {
      this.opts.onTrigger(path);
    });
    watcher.on('error', (err) => {
      log.warn({ err }, 'config directory watcher error; the periodic check goes on');
    });
    this.scheduleTick();
    return new Promise((resolve) => {
      this.settleStart = resolve;
      watcher.once('ready', resolve);
    });
  }

  /** Watches the directories of exactly `paths` from now on (after a reload changed the files). */
  setPaths(paths: readonly string[]): void {
    const { dirs: next, names } = watchedPlaces(paths);
    this.names = names;
    const added = [...next].filter((d) => !this.dirs.has(d));
    const removed = [...this.dirs].filter((d) => !next.has(d));
    this.dirs = next;
    if (this.watcher === null) return;
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
  }

  /** Stops both triggers. */
  async close(): Promise<void> {
    this.closed = true;
    this.settleStart?.();
    this.settleStart = null;
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
