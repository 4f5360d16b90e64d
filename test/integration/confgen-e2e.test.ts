/**
 * End to end with the real command lines and real memcached: `mcconfgen` writes the config into
 * a directory, a running `mcproxy` (`--config file:`, `--config-poll-ms 200`) picks the change up
 * within the poll period + 1 s and routes to the new servers.
 *
 * 1. Deploy-hook style: `mcconfgen --once` with static peers, then again with more peers.
 * 2. Service style: `mcconfgen --interval 1` with ElastiCache Auto Discovery (a loopback
 *    configuration endpoint) whose node list grows; configured through `MCCONFGEN_*` variables.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs, type Spawned } from '../helpers/process.js';
import { directGet } from '../helpers/direct.js';
import { clusterPayload, fakeEndpoint } from '../helpers/elasticache-endpoint.js';

const POLL_MS = 200;
let local: Memcached;
let peers: Memcached[];
let centrals: Memcached[];
let dir: string;

beforeAll(async () => {
  local = await Memcached.start();
  peers = await Promise.all([0, 1, 2].map(() => Memcached.start()));
  centrals = await Promise.all([0, 1].map(() => Memcached.start()));
});
afterAll(async () => {
  await Promise.all([local, ...peers, ...centrals].map((m) => m.stop()));
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcconfgen-e2e-'));
  return () => {
    rmSync(dir, { recursive: true, force: true });
  };
});

async function startProxy(output: string): Promise<{ proxy: Spawned; port: number }> {
  const port = await freePort();
  const proxy = runTs('proxy/cli.ts', [
    '-p',
    String(port),
    '--config',
    `file:${output}`,
    '--config-poll-ms',
    String(POLL_MS),
    '--config-dump-root',
    join(dir, 'dump'),
  ]);
  await waitForPort(port);
  return { proxy, port };
}

/** Sets `n` keys through the proxy; returns how many landed on each of `servers`. */
async function spread(port: number, prefix: string, n: number, servers: Memcached[]): Promise<number[]> {
  const c = await RawClient.connect(port);
  for (let i = 0; i < n; i++) {
    expect(await c.call(`set ${prefix}${i} 0 0 1\r\nv\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
  }
  c.close();
  const counts = servers.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (const [j, m] of servers.entries()) {
      if ((await directGet(m, `${prefix}${i}`)) !== 'END\r\n') counts[j] = (counts[j] ?? 0) + 1;
    }
  }
  return counts;
}

/** Waits for the proxy's `reconfigured` log line number `n`. */
async function reconfigured(proxy: Spawned, n: number): Promise<void> {
  await proxy.waitForOutput(new RegExp(`(reconfigured: md5[^\\n]*\\n[^]*){${n}}`));
}

test('deploy hook: mcconfgen --once writes, the proxy reloads within poll + 1 s and routes to the new peers', async () => {
  const output = join(dir, 'mcrouter.json');
  const common = [
    '--once',
    '--output',
    output,
    '--template',
    'seed',
    '--local',
    local.address,
    '--static-central',
    (centrals[0] as Memcached).address,
  ];
  const first = runTs('confgen/cli.ts', [...common, '--static-peers', (peers[0] as Memcached).address]);
  expect((await first.exited).code).toBe(0);
  const { proxy, port } = await startProxy(output);

  expect(await spread(port, 'before', 10, peers)).toEqual([10, 0, 0]);

  const second = runTs('confgen/cli.ts', [
    ...common,
    '--static-peers',
    peers.map((m) => m.address).join(','),
  ]);
  expect((await second.exited).code).toBe(0);
  const writtenAt = statSync(output).mtimeMs;
  await reconfigured(proxy, 1);
  // From the file's mtime to the proxy's log line, both wall-clock ms on this host.
  const line = proxy.stderr.split('\n').find((l) => l.includes('reconfigured: md5')) ?? '{}';
  const latency = (JSON.parse(line) as { time: number }).time - writtenAt;
  expect(latency).toBeGreaterThanOrEqual(0);
  // The promise is one poll interval + 1 s; a loaded machine gets 3× that before it fails.
  expect(latency).toBeLessThan(3 * (POLL_MS + 1000));
  expect(proxy.stderr).toMatch(/"added":\["127\.0\.0\.1:\d+","127\.0\.0\.1:\d+"\],"removed":\[\]/);

  const counts = await spread(port, 'after', 60, peers);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
  expect(counts.every((c) => c > 0)).toBe(true);
  process.stderr.write(
    `confgen-e2e: file written → proxy reconfigured in ${latency.toFixed(0)} ms (poll ${POLL_MS} ms)\n`,
  );
  proxy.proc.kill('SIGTERM');
  expect((await proxy.exited).code).toBe(0);
});

test('service: mcconfgen --interval follows Auto Discovery; the proxy follows the file', async () => {
  const output = join(dir, 'mcrouter.json');
  let nodes = [(centrals[0] as Memcached).address];
  let version = 1;
  const ep = await fakeEndpoint({ payload: () => clusterPayload(version, nodes) });
  const service = runTs('confgen/cli.ts', [], {
    MCCONFGEN_OUTPUT: output,
    MCCONFGEN_INTERVAL: '1',
    MCCONFGEN_TEMPLATE: 'seed',
    MCCONFGEN_LOCAL: local.address,
    MCCONFGEN_STATIC_PEERS: (peers[0] as Memcached).address,
    MCCONFGEN_ELASTICACHE_CONFIG_ENDPOINT: `127.0.0.1:${ep.port}`,
  });
  try {
    await service.waitForOutput('config written');
    const { proxy, port } = await startProxy(output);
    // The seed's default route sends everything but get/set/delete to central.
    const touch = async (prefix: string): Promise<number[]> => {
      const c = await RawClient.connect(port);
      for (let i = 0; i < 40; i++) {
        expect(await c.call(`add ${prefix}${i} 0 0 1\r\nv\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
      }
      c.close();
      const counts = [0, 0];
      for (let i = 0; i < 40; i++) {
        for (const [j, m] of centrals.entries()) {
          if ((await directGet(m, `${prefix}${i}`)) !== 'END\r\n') counts[j] = (counts[j] ?? 0) + 1;
        }
      }
      return counts;
    };
    expect(await touch('one-node')).toEqual([40, 0]);

    nodes = centrals.map((m) => m.address);
    version = 2;
    await service.waitForOutput(/config written[^]*config written/);
    await reconfigured(proxy, 1);
    const counts = await touch('two-nodes');
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(40);
    expect(counts[1]).toBeGreaterThan(0);
    proxy.proc.kill('SIGTERM');
    expect((await proxy.exited).code).toBe(0);
  } finally {
    service.proc.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
    await ep.close();
  }
});
