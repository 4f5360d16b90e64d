/**
 * `--num-proxies 2` through the built CLI: two worker processes serve one port; `stats` and the
 * Prometheus endpoint count the requests of both; a config reload reaches both; a worker killed
 * with SIGKILL is replaced; SIGTERM drains both and exits 0 (docs/running.md#--num-proxies).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { directGet } from '../helpers/direct.js';
import { CLUSTER_SERVING, runBuiltCli } from '../helpers/proxy.js';
import type { Spawned } from '../helpers/process.js';

let a: Memcached;
let b: Memcached;
let dir: string;
let proxy: Spawned;
let port: number;
let metricsPort: number;

function config(server: string): string {
  return JSON.stringify({ pools: { P: { servers: [server] } }, route: 'PoolRoute|P' });
}

beforeAll(async () => {
  [a, b] = await Promise.all([Memcached.start(), Memcached.start()]);
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-num-proxies-'));
  writeFileSync(join(dir, 'config.json'), config(a.address));
  [port, metricsPort] = [await freePort(), await freePort()];
  proxy = runBuiltCli([
    '-p',
    String(port),
    '--listen-addresses',
    '127.0.0.1',
    '--num-proxies',
    '2',
    '--metrics-port',
    String(metricsPort),
    '--config-poll-ms',
    '100',
    '--config',
    `file:${join(dir, 'config.json')}`,
  ]);
  await proxy.waitForOutput(CLUSTER_SERVING);
});
afterAll(async () => {
  if (proxy.proc.exitCode === null) proxy.proc.kill('SIGKILL');
  await Promise.all([a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens `n` connections at once (round-robin spreads them over the workers), sets a key on each. */
async function setOnMany(n: number, prefix: string): Promise<RawClient[]> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  await Promise.all(
    clients.map(async (c, i) => {
      expect(await c.call(`set ${prefix}${i} 0 0 1\r\nv\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
    }),
  );
  return clients;
}

async function stats(group = ''): Promise<Map<string, string>> {
  const c = await RawClient.connect(port);
  c.send(`stats ${group}\r\n`.replace(' \r\n', '\r\n'));
  const text = await c.readUntil('END\r\n');
  c.close();
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

/** Lines of the log with `"event":"<event>"`, parsed. */
function events(event: string): Record<string, unknown>[] {
  return (proxy.stdout + proxy.stderr)
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('two workers serve one port; stats and metrics count the requests of both', async () => {
  const clients = await setOnMany(20, 'k');
  const s = await stats();
  expect(s.get('num_proxies')).toBe('2');
  expect(s.get('cmd_set_count')).toBe('20');
  // The 20 connections plus the one asking.
  expect(s.get('num_client_connections')).toBe('21');
  // Each worker has its own connection to the server: `up:2`, 20 replies between them.
  const servers = await stats('servers');
  expect([...servers.values()]).toEqual([expect.stringMatching(/ up:2; stored:20$/)]);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/^mcproxy_requests_total\{op="set"\} 20$/m);
  expect(metrics).toMatch(/^mcproxy_destination_up\{destination="[^"]+",timeout_ms="1000"\} 2$/m);
  for (const c of clients) c.close();
});

test('a config reload reaches both workers', async () => {
  const before = events('reconfigured').length;
  writeFileSync(join(dir, 'config.json'), config(b.address));
  expect(before).toBe(0);
  await proxy.waitForOutput(/"event":"reconfigured"[\s\S]*"event":"reconfigured"/);
  const clients = await setOnMany(20, 'r');
  for (let i = 0; i < 20; i++) expect(await directGet(b, `r${i}`)).toBe(`VALUE r${i} 0 1\r\nv\r\nEND\r\n`);
  expect(await directGet(a, 'r0')).toBe('END\r\n');
  for (const c of clients) c.close();
});

test('a worker killed with SIGKILL is logged and replaced', async () => {
  const [started] = events('startup').filter((e) => e.numProxies === 2);
  const victim = (started?.workers as number[])[0] as number;
  process.kill(victim, 'SIGKILL');
  await proxy.waitForOutput(/"event":"worker_exited"/);
  const exited = events('worker_exited')[0];
  expect(exited).toMatchObject({ worker: 0, pid: victim, signal: 'SIGKILL' });
  // The new worker's own start-up line follows the exit.
  await proxy.waitForOutput(/"event":"worker_exited"[\s\S]*"event":"startup"/);
  expect(events('worker_started').filter((e) => e.worker === 0)).toHaveLength(2);
  // Both workers serve again: 20 new connections reach both, each with its own connection to b.
  const clients = await setOnMany(20, 'x');
  const servers = await stats('servers');
  expect([...servers.values()]).toContainEqual(expect.stringMatching(/ up:2; /));
  expect((await stats()).get('num_proxies')).toBe('2');
  for (const c of clients) c.close();
});

test('SIGTERM drains both workers and exits 0', async () => {
  proxy.proc.kill('SIGTERM');
  expect(await proxy.exited).toEqual({ code: 0, signal: null });
  expect((proxy.stdout + proxy.stderr).match(/"msg":"stopped"/g)?.length).toBe(3);
});
