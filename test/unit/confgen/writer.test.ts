/** The atomic writer: only on change, through a temp file and rename, stale temps cleaned. */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic, writeIfChanged } from '../../../confgen/writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcconfgen-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeIfChanged', () => {
  test('creates the file, then leaves identical content alone (same inode, same mtime)', async () => {
    const path = join(dir, 'mcrouter.json');
    expect(await writeIfChanged(path, 'one\n')).toBe('written');
    const before = statSync(path);
    utimesSync(path, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    expect(await writeIfChanged(path, 'one\n')).toBe('unchanged');
    const after = statSync(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, 1_700_000_000_000]);
    expect(readdirSync(dir)).toEqual(['mcrouter.json']);
  });

  test('a change replaces the file by rename (a new inode; readers holding the old one see old bytes)', async () => {
    const path = join(dir, 'mcrouter.json');
    await writeIfChanged(path, 'one\n');
    const before = statSync(path).ino;
    expect(await writeIfChanged(path, 'two\n')).toBe('written');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['mcrouter.json']);
  });

  test('temp files left by a crashed writer are removed once stale; fresh ones are kept', async () => {
    const path = join(dir, 'mcrouter.json');
    const stale = join(dir, '.mcrouter.json.tmp.host.1.dead');
    const fresh = join(dir, '.mcrouter.json.tmp.host.2.busy');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(stale, old, old);
    await writeIfChanged(path, 'three\n');
    expect(readdirSync(dir).sort()).toEqual(['.mcrouter.json.tmp.host.2.busy', 'mcrouter.json']);
  });

  test('a rename that fails removes its temp file and leaves what was there', async () => {
    // The target is a non-empty directory: the temp file is written, the rename fails.
    const target = join(dir, 'mcrouter.json');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    await expect(writeAtomic(target, 'new\n')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['mcrouter.json']);
    expect(readdirSync(target)).toEqual(['keep']);
  });
});
