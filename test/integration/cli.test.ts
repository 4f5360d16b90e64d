/**
 * The `mcproxy` command line: mcrouter's flags and exit codes (`mcrouter/mcrouter_options_list.h`): 0 ok, 2 cannot start
 * (bad config), 3 bad options or an invalid config under --validate-config.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs, spawnProxy } from '../helpers/process.js';
import { VERSION_STRING } from '../../proxy/version.js';

const CLI = 'proxy/cli.ts';
let dir: string;
let mc: Memcached;
let goodConfig: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-cli-'));
  mc = await Memcached.start();
  goodConfig = join(dir, 'good.json');
  writeFileSync(
    goodConfig,
    JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }),
  );
});
afterAll(async () => {
  await mc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('--validate-config', () => {
  test('exits 0 for a valid config (the example colocated config)', async () => {
    const p = runTs(CLI, ['--validate-config', '--config', 'file:examples/colocated.json']);
    expect((await p.exited).code).toBe(0);
  });

  test('exits 3 for an invalid one, naming the JSON path', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      '{"pools": {"A": {"servers": []}}, "route": {"type": "AllFastestRoute", "children": ["PoolRoute|B"]}}',
    );
    const p = runTs(CLI, ['--validate-config', '--config', `file:${bad}`]);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain('invalid config: route.children[0]: unknown pool "B"');
  });
});

describe('exit codes and flags', () => {
  test('an invalid config at start-up exits 2 with the reason', async () => {
    const p = runTs(CLI, ['-p', String(await freePort()), '--config', '{"route": "PoolRoute|nope"}']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toContain('invalid config: route: unknown pool "nope"');
  });

  test('an unreadable config file exits 2', async () => {
    const p = runTs(CLI, ['-p', String(await freePort()), '--config', `file:${join(dir, 'missing.json')}`]);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toMatch(/Can not read config from .*missing\.json: ENOENT/);
  });

  test('a malformed option value exits 3', async () => {
    const p = runTs(CLI, ['-p', 'abc', '--config', `file:${goodConfig}`]);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain('invalid port');
  });

  test('no port exits 3 ("invalid ports")', async () => {
    const p = runTs(CLI, ['--config', `file:${goodConfig}`]);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain('invalid ports');
  });

  test('-V prints the version', async () => {
    const p = runTs(CLI, ['-V']);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout.trim()).toBe(VERSION_STRING);
  });

  test('--help lists mcrouter options', async () => {
    const p = runTs(CLI, ['--help']);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout).toContain('Usage: mcproxy [options] -p port(s) --config file:<config-file>');
    for (const flag of ['--port', '--config', '--route-prefix', '--server-timeout', '--enable-flush-cmd'])
      expect(p.stdout).toContain(flag);
  });
});

describe('serving', () => {
  test('-f (config file), several ports, an unknown option ignored; SIGTERM exits 0', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const p = runTs(CLI, [
      '-p',
      `${p1},${p2}`,
      '--listen-addresses',
      '127.0.0.1',
      '-f',
      goodConfig,
      '--no-such-option',
      '--stats-root',
      '/tmp',
    ]);
    await p.waitForOutput('serving');
    expect(p.stderr).toContain('options ignored');
    expect(p.stderr).toContain('--no-such-option');
    const a = await RawClient.connect(p1);
    const b = await RawClient.connect(p2);
    expect(await a.call('set cli 0 0 2\r\nhi\r\n', 'STORED\r\n')).toBe('STORED\r\n');
    expect(await b.call('get cli\r\n', 'VALUE cli 0 2\r\nhi\r\nEND\r\n')).toBe(
      'VALUE cli 0 2\r\nhi\r\nEND\r\n',
    );
    a.close();
    b.close();
    p.proc.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });

  test('--config-str inline JSON and -R route prefix', async () => {
    const port = await freePort();
    const cfg = JSON.stringify({
      pools: { A: { servers: [mc.address] } },
      routes: [{ aliases: ['/x/y/'], route: 'PoolRoute|A' }],
    });
    const p = runTs(CLI, [
      '-p',
      String(port),
      '--listen-addresses',
      '127.0.0.1',
      '--config-str',
      cfg,
      '-R',
      '/x/y/',
    ]);
    await waitForPort(port);
    const c = await RawClient.connect(port);
    expect(
      await c.call('set rp 0 0 1\r\nr\r\nget /x/y/rp\r\n', 'STORED\r\nVALUE /x/y/rp 0 1\r\nr\r\nEND\r\n'),
    ).toBe('STORED\r\nVALUE /x/y/rp 0 1\r\nr\r\nEND\r\n');
    c.close();
    p.proc.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });

  test('--enable-flush-cmd: flush_all reaches every server of every pool', async () => {
    const other = await Memcached.start();
    const { p, port } = await spawnProxy(
      { pools: { A: { servers: [mc.address] }, B: { servers: [other.address] } }, route: 'PoolRoute|A' },
      ['--enable-flush-cmd'],
    );
    for (const m of [mc, other]) {
      const d = await RawClient.connect(m.port);
      expect(await d.call('set f 0 0 1\r\nf\r\n', 'STORED\r\n')).toBe('STORED\r\n');
      d.close();
    }
    const c = await RawClient.connect(port);
    expect(await c.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    for (const m of [mc, other]) {
      const d = await RawClient.connect(m.port);
      expect(await d.call('get f\r\n', 'END\r\n')).toBe('END\r\n');
      d.close();
    }
    c.close();
    p.proc.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    await other.stop();
  });

  test('--enable-shutdown-cmd: shutdown stops the proxy (exit 0)', async () => {
    const port = await freePort();
    const p = runTs(CLI, [
      '-p',
      String(port),
      '--listen-addresses',
      '127.0.0.1',
      '--config',
      `file:${goodConfig}`,
      '--enable-shutdown-cmd',
    ]);
    await waitForPort(port);
    const c = await RawClient.connect(port);
    c.send('shutdown\r\n');
    expect((await p.exited).code).toBe(0);
    expect(await c.waitClosed()).toBe(true);
  });
});
