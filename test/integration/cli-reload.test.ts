/**
 * Reload through the real `mcproxy` command line: `--config-poll-ms`, `--config-dump-root` and
 * start-up from the kept config, `--max-dumped-config-age`, `--disable-reload-configs`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs, type Spawned } from '../helpers/process.js';
import { directGet } from '../helpers/direct.js';
import { ConfigDump } from '../../proxy/config/config-dump.js';

const CLI = 'proxy/cli.ts';
let a: Memcached;
let b: Memcached;
let dir: string;

beforeAll(async () => {
  [a, b] = await Promise.all([Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-cli-reload-'));
  return () => {
    rmSync(dir, { recursive: true, force: true });
  };
});

function poolConfig(server: string): string {
  return JSON.stringify({ pools: { A: { servers: [server] } }, route: 'PoolRoute|A' });
}

async function setVia(port: number, key: string): Promise<void> {
  const c = await RawClient.connect(port);
  expect(await c.call(`set ${key} 0 0 1\r\nv\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
  c.close();
}

async function stats(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  return text;
}

async function stop(p: Spawned): Promise<void> {
  p.proc.kill('SIGTERM');
  expect((await p.exited).code).toBe(0);
}

describe('start-up from the last good config', () => {
  test('an invalid config file at start-up falls back to the kept copy; fixing the file reloads', async () => {
    const path = join(dir, 'mcrouter.json');
    const root = join(dir, 'dump');
    const port = await freePort();
    const args = [
      '-p',
      String(port),
      '--config',
      `file:${path}`,
      '--config-dump-root',
      root,
      '--config-poll-ms',
      '100',
    ];
    writeFileSync(path, poolConfig(a.address));
    const first = runTs(CLI, args);
    await waitForPort(port);
    const kept = new ConfigDump(root, String(port)).fileFor(path);
    await vi.waitFor(
      () => {
        expect(existsSync(kept)).toBe(true);
      },
      { timeout: 5000 },
    );
    expect(readFileSync(kept, 'utf8')).toBe(poolConfig(a.address));
    await stop(first);

    writeFileSync(path, '{"pools": {"A": {"servers": [');
    const second = runTs(CLI, args);
    await waitForPort(port);
    await second.waitForOutput('starting from the last good config kept on disk');
    await setVia(port, 'from-disk');
    expect(await directGet(a, 'from-disk')).toBe('VALUE from-disk 0 1\r\nv\r\nEND\r\n');
    expect(await stats(port)).toContain('STAT configs_from_disk 1\r\n');
    // The kept copy is not overwritten while the proxy serves it.
    expect(readFileSync(kept, 'utf8')).toBe(poolConfig(a.address));

    writeFileSync(path, poolConfig(b.address));
    await second.waitForOutput('reconfigured: md5');
    await setVia(port, 'fixed');
    expect(await directGet(b, 'fixed')).toBe('VALUE fixed 0 1\r\nv\r\nEND\r\n');
    await vi.waitFor(
      () => {
        expect(readFileSync(kept, 'utf8')).toBe(poolConfig(b.address));
      },
      { timeout: 5000 },
    );
    await stop(second);
  });

  test('a kept copy older than --max-dumped-config-age is not used (exit 2)', async () => {
    const path = join(dir, 'mcrouter.json');
    const root = join(dir, 'dump');
    const port = await freePort();
    const dump = new ConfigDump(root, String(port));
    expect(dump.ensureDir()).toBe(true);
    writeFileSync(dump.fileFor(path), poolConfig(a.address));
    const old = new Date(Date.now() - 120_000);
    utimesSync(dump.fileFor(path), old, old);
    const p = runTs(CLI, [
      '-p',
      String(port),
      '--config',
      `file:${path}`,
      '--config-dump-root',
      root,
      '--max-dumped-config-age',
      '60',
    ]);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toContain('config backup too old to be trusted');
    expect(p.stderr).toMatch(/Can not read config from .*mcrouter\.json: ENOENT/);
  });
});

describe('--disable-reload-configs', () => {
  test('the file is not reloaded', async () => {
    const path = join(dir, 'mcrouter.json');
    const port = await freePort();
    writeFileSync(path, poolConfig(a.address));
    const p = runTs(CLI, [
      '-p',
      String(port),
      '--config',
      `file:${path}`,
      '--config-poll-ms',
      '50',
      '--disable-reload-configs',
    ]);
    await waitForPort(port);
    writeFileSync(path, poolConfig(b.address));
    // Nothing to wait for: give a poller ten periods to (wrongly) act.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await setVia(port, 'still-a');
    expect(await directGet(a, 'still-a')).toBe('VALUE still-a 0 1\r\nv\r\nEND\r\n');
    expect(await stats(port)).toContain('STAT config_full_attempt 0\r\n');
    await stop(p);
  });
});
