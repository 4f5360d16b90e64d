/**
 * Writing the config where every proxy reads it (often EFS), so that a reader sees the old file or
 * the new one, never half of one (docs/confgen.md):
 *
 * 1. nothing happens when the file already has exactly these bytes;
 * 2. the bytes go to a temp file in the same directory (`.<name>.tmp.<host>.<pid>.<random>`),
 *    which is fsynced and closed (EFS makes data durable on close);
 * 3. `rename()` replaces the file atomically (within one directory, also on NFSv4);
 * 4. the directory is fsynced so the rename itself is durable.
 *
 * Temp files left by a crashed writer are removed once older than 10 minutes.
 */
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { log } from '../proxy/logger.js';

/** What `writeIfChanged` did. */
export type WriteOutcome = 'written' | 'unchanged';

const STALE_TMP_MS = 10 * 60_000;

/**
 * The current content of `path`, or null when it does not exist.
 * @throws for other read errors
 */
export async function readCurrent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes `content` to `path` atomically, only when it differs from what is there.
 * @throws the file system error (the temp file is removed; the old file is untouched)
 */
export async function writeIfChanged(path: string, content: string): Promise<WriteOutcome> {
  if ((await readCurrent(path)) === content) return 'unchanged';
  await writeAtomic(path, content);
  return 'written';
}

/** Steps 2–4 of the file comment. */
export async function writeAtomic(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.tmp.`;
  const tmp = join(dir, `${prefix}${hostname()}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    try {
      await fh.writeFile(content, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
  await removeStaleTemps(dir, prefix);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    // Some file systems refuse fsync on a directory (EINVAL); the rename is still atomic.
    log.debug({ dir, code: (err as NodeJS.ErrnoException).code }, 'directory fsync not supported');
  }
}

async function removeStaleTemps(dir: string, prefix: string): Promise<void> {
  try {
    const now = Date.now();
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const p = join(dir, name);
      const s = await stat(p).catch(() => null);
      if (s !== null && now - s.mtimeMs > STALE_TMP_MS) {
        await unlink(p).catch(() => undefined);
        log.info({ file: p }, 'removed a stale temp file');
      }
    }
  } catch {
    /* best effort */
  }
}
