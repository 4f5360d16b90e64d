/**
 * mcsidecar with `--prewarm`: the fresh memcached is filled from a peer before the proxy serves,
 * so the first gets are served from local; a peer that refuses or hangs does not keep the sidecar
 * from serving (docs/prewarm.md).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { runTs, type Spawned } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';

const MAIN = 'proxy/sidecar/main.ts';
// Each test starts memcached, the sidecar, a warm and a proxy: slow on a busy machine.
vi.setConfig({ testTimeout: 90_000 });
const dir = mkdtempSync(join(tmpdir(), 'mcsidecar-prewarm-'));
const peers: Memcached[] = [];
const sidecars: Spawned[] = [];
afterAll(async () => {
  for (const p of sidecars) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  await Promise.all(peers.map((m) => m.stop()));
});

async function stat(port: number, name: string): Promise<number> {
  const c = await RawClient.connect(port);
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  return Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)?.[1]);
}

/** Starts mcsidecar with a config whose `peers` pool lists this instance's memcached and `peer`. */
async function sidecar(
  peer: Memcached,
  extra: readonly string[] = [],
): Promise<{ p: Spawned; proxyPort: number; mcPort: number }> {
  const [proxyPort, mcPort] = [await freePort(), await freePort()];
  const config = join(dir, `config-${mcPort}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      pools: {
        local: { servers: [`127.0.0.1:${mcPort}`] },
        peers: { servers: [`127.0.0.1:${mcPort}`, peer.address] },
      },
      route: 'PoolRoute|local',
    }),
  );
  const p = runTs(MAIN, [
    '-p',
    String(proxyPort),
    '--memcached-port',
    String(mcPort),
    '--listen-addresses',
    '127.0.0.1',
    '--config',
    `file:${config}`,
    '--prewarm',
    'peers',
    ...extra,
  ]);
  sidecars.push(p);
  return { p, proxyPort, mcPort };
}

test('prewarm from the warmest peer: the first gets are served from the local memcached', async () => {
  const peer = await Memcached.start(['-m', '64']);
  peers.push(peer);
  const c = await RawClient.connect(peer.port);
  for (let i = 0; i < 200; i++) c.send(`set warm:${i} ${i} 0 6\r\nvalue${i % 10}\r\n`);
  expect(await c.readUntil('STORED\r\n'.repeat(200))).toBe('STORED\r\n'.repeat(200));
  c.close();

  const { p, proxyPort, mcPort } = await sidecar(peer);
  await p.waitForOutput(/ serving"/, 30_000);
  expect(p.stderr).toContain(`warming from peer ${peer.address}`);
  expect(p.stderr).toContain('prewarm finished');
  // Before the proxy served anything, the local memcached already held every key.
  expect(p.stderr.indexOf('prewarm finished')).toBeLessThan(p.stderr.indexOf('mcproxy started'));
  await waitForPort(proxyPort);
  expect(await stat(mcPort, 'get_hits')).toBe(0);
  const client = await RawClient.connect(proxyPort);
  expect(await client.ask('get warm:7\r\n')).toBe('VALUE warm:7 7 6\r\nvalue7\r\nEND\r\n');
  expect(await client.ask('get warm:199\r\n')).toBe('VALUE warm:199 199 6\r\nvalue9\r\nEND\r\n');
  client.close();
  expect(await stat(mcPort, 'get_hits')).toBe(2);
  expect(await stat(mcPort, 'curr_items')).toBe(200);
  p.proc.kill('SIGTERM');
  expect((await p.exited).code).toBe(0);
});

test('a peer that refuses enumeration: the warm fails, the sidecar serves anyway', async () => {
  const peer = await Memcached.start(['-X', '-m', '64']);
  peers.push(peer);
  const c = await RawClient.connect(peer.port);
  expect(await c.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
  c.close();
  const { p, proxyPort } = await sidecar(peer);
  await p.waitForOutput(/ serving"/, 30_000);
  expect(p.stderr).toContain('MCR_ERR_WARM_ENUM_REFUSED');
  expect(p.stderr).toContain('prewarm failed; serving anyway');
  const client = await RawClient.connect(proxyPort);
  expect(await client.ask('get k\r\n')).toBe('END\r\n');
  client.close();
  p.proc.kill('SIGTERM');
  expect((await p.exited).code).toBe(0);
});

test('a peer that hangs: the proxy serves once the deadline has passed', async () => {
  const peer = await Memcached.start(['-m', '64']);
  peers.push(peer);
  const c = await RawClient.connect(peer.port);
  expect(await c.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
  c.close();
  await peer.pause();
  const { p } = await sidecar(peer, ['--prewarm-deadline-ms', '1500']);
  await p.waitForOutput(/ serving"/, 30_000);
  expect(p.stderr).toMatch(/prewarm deadline passed|prewarm failed; serving anyway/);
  peer.signal('SIGCONT');
  p.proc.kill('SIGTERM');
  expect((await p.exited).code).toBe(0);
});
