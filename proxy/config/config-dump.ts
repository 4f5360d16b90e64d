/**
 * The last good config, kept on local disk (`--config-dump-root`, `mcrouter/ConfigApi.cpp`, mcrouter's
 * `ConfigApi::dumpConfigSourceToDisk`): after every successful (re)load each file the config was
 * read from is written to `<root>/mcrouter/<router>/file-<escaped absolute path>` (mcrouter's
 * layout; `<router>` is the first listen port, or `0`). At start-up, when the config file cannot be
 * read or is invalid, the proxy starts from that copy if it is younger than
 * `--max-dumped-config-age` (a config read from EFS survives an EFS outage).
 *
 * Writes are atomic (temp file, fsync, rename) so a crash never leaves half a backup. A file whose
 * content did not change is only touched: the backup's age is the time since the proxy last saw
 * the source still valid. Failing to write is logged (at most once a minute) and never stops the
 * proxy.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, rename, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../logger.js';

/** mcrouter's standalone service name (the first directory level under the dump root). */
const SERVICE_NAME = 'mcrouter';
const ERROR_LOG_INTERVAL_MS = 60_000;

/** A config read back from the dump. */
export interface DumpedConfig {
  readonly text: string;
  /** Where it was read from. */
  readonly file: string;
  /** Age of the backup, seconds. */
  readonly ageSeconds: number;
}

/**
 * Escapes a path like folly's `uriEscape`: everything but `A-Z a-z 0-9 - _ . ~` becomes `%XX`
 * (UTF-8 bytes).
 */
export function escapeDumpName(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** See the file comment. */
export class ConfigDump {
  /** The directory backups go to. */
  readonly dir: string;
  private readonly written = new Map<string, string>();
  private lastErrorLog = 0;

  /**
   * @param root `--config-dump-root`
   * @param routerName mcrouter's router name: the first listen port, or `0`
   */
  constructor(root: string, routerName: string) {
    this.dir = join(root, SERVICE_NAME, routerName);
  }

  /** The backup file for a config file path. */
  fileFor(path: string): string {
    return join(this.dir, `file-${escapeDumpName(path)}`);
  }

  /**
   * Saves every file of a good config (absolute path → content). Unchanged files are touched.
   * Never throws: failures are logged.
   */
  async save(files: ReadonlyMap<string, string | Buffer>): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      this.logError(err, this.dir);
      return;
    }
    for (const [path, content] of files) {
      const target = this.fileFor(path);
      const md5 = createHash('md5').update(content).digest('hex');
      try {
        if (this.written.get(target) === md5) {
          const now = new Date();
          await utimes(target, now, now);
        } else {
          await writeAtomically(target, content);
          this.written.set(target, md5);
        }
      } catch (err) {
        this.written.delete(target);
        this.logError(err, target);
      }
    }
  }

  /**
   * Reads the backup of `path` if it exists and is at most `maxAgeSeconds` old (synchronous:
   * used before the proxy starts). Logs why it cannot be used.
   * @returns the backup, or null
   */
  load(path: string, maxAgeSeconds: number): DumpedConfig | null {
    const file = this.fileFor(path);
    if (maxAgeSeconds <= 0) {
      log.warn('reading configs from the dump is disabled (--max-dumped-config-age 0)');
      return null;
    }
    try {
      const ageSeconds = (Date.now() - statSync(file).mtimeMs) / 1000;
      if (ageSeconds > maxAgeSeconds) {
        log.warn(
          { file, ageSeconds: Math.round(ageSeconds), maxAgeSeconds },
          'config backup too old to be trusted',
        );
        return null;
      }
      return { text: readFileSync(file, 'utf8'), file, ageSeconds };
    } catch (err) {
      log.warn({ file, code: (err as NodeJS.ErrnoException).code }, 'no usable config backup');
      return null;
    }
  }

  /** Creates the dump directory now (start-up), logging when it cannot. */
  ensureDir(): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      return true;
    } catch (err) {
      this.logError(err, this.dir);
      return false;
    }
  }

  private logError(err: unknown, file: string): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog = now;
    log.warn(
      { file, code: (err as NodeJS.ErrnoException).code, err: (err as Error).message },
      'cannot keep the last good config on disk (--config-dump-root); going on without',
    );
  }
}

/** Writes `content` to `target` through a temp file in the same directory: write, fsync, rename. */
async function writeAtomically(target: string, content: string | Buffer): Promise<void> {
  const tmp = `${target}.tmp.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
