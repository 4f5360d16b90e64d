/**
 * `--stats-root` files (mcrouter `McrouterLogger.cpp`, `test_async_files.py`): the CLI writes
 * `libmcrouter.mcrouter.<port>.stats`, `.startup_options` and `.config_sources_info` every
 * `--stats-logging-interval` ms, and keeps them fresh.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { spawnProxy } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'mcproxy-stats-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('the three files appear, hold the stats, options and config digest, and are rewritten', async () => {
  const config = join(dir, 'mcrouter.json');
  const text = JSON.stringify({ route: 'NullRoute' });
  writeFileSync(config, text);
  const root = join(dir, 'stats');
  const { p, port } = await spawnProxy(`file:${config}`, [
    '--stats-root',
    root,
    '--stats-logging-interval',
    '100',
    '-R',
    '/a/b/',
    '--config-dump-root',
    '',
  ]);
  try {
    const prefix = `libmcrouter.mcrouter.${port}`;
    const file = (suffix: string): string => join(root, `${prefix}.${suffix}`);
    await vi.waitFor(() => {
      for (const s of ['stats', 'startup_options', 'config_sources_info'])
        expect(statSync(file(s)).size).toBeGreaterThan(0);
    }, 10_000);
    const stats = JSON.parse(readFileSync(file('stats'), 'utf8')) as Record<string, unknown>;
    expect(typeof stats[`${prefix}.uptime`]).toBe('number');
    expect(stats[`${prefix}.pid`]).toBe(p.proc.pid);
    const startup = JSON.parse(readFileSync(file('startup_options'), 'utf8')) as Record<string, unknown>;
    expect(startup.default_route).toBe('/a/b/');
    expect(startup.pid).toBe(String(p.proc.pid));
    const sources = JSON.parse(readFileSync(file('config_sources_info'), 'utf8')) as Record<string, unknown>;
    expect(sources.mcrouter_config).toBe(createHash('md5').update(text).digest('hex'));
    const before = statSync(file('stats')).mtimeMs;
    await vi.waitFor(() => {
      expect(statSync(file('stats')).mtimeMs).toBeGreaterThan(before);
      expect(statSync(file('startup_options')).mtimeMs).toBeGreaterThan(before);
    }, 5_000);
  } finally {
    p.proc.kill('SIGKILL');
  }
});
