/**
 * 100 config swaps under load (issue 5, deliverable 3): pools added, removed and reordered, one
 * invalid config in every ten, while several pipelined connections keep sending gets, multi-gets,
 * sets and touches through the proxy.
 *
 * Every memcached holds the same value for every key (written before the proxy starts, and every
 * set writes that same value), so the right reply to each request is known whatever server a
 * config sends it to. Each reply is compared byte for byte: every request gets exactly one
 * correct reply. The server in the `stable` pool is in every config: its destination must keep
 * its connections, the interactive one and the bulk one (checked on the destination and in
 * memcached's own `total_connections`), and no destination ever opens a connection again.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';
import { ConfigReloader } from '../../proxy/config/config-reloader.js';
import { DestinationState, type Destination } from '../../proxy/destination/destination.js';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/ports.js';
import { LogCapture } from '../helpers/log-capture.js';

const KEYS = 300;
const CONNECTIONS = 6;
const BATCH = 8;
const SWAPS = 100;
const BATCHES_PER_SWAP = 12;
const COLD_UNTIL = 40;

let servers: Memcached[];
let empty: Memcached;
let dir: string;

const key = (i: number): string => `swap:${i}`;
const value = (i: number): string => `value-${i}-${'x'.repeat(i % 37)}`;

beforeAll(async () => {
  servers = await Promise.all([0, 1, 2, 3, 4].map(() => Memcached.start()));
  empty = await Memcached.start();
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-swaps-'));
  await Promise.all(
    servers.map(async (m) => {
      const c = await RawClient.connect(m.port);
      let out = '';
      let expected = '';
      for (let i = 0; i < KEYS; i++) {
        out += `set ${key(i)} 0 0 ${value(i).length}\r\n${value(i)}\r\n`;
        expected += 'STORED\r\n';
      }
      expect(await c.call(out, expected)).toBe(expected);
      c.close();
    }),
  );
});
afterAll(async () => {
  await Promise.all([...servers, empty].map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledSubset(rand: () => number, items: string[], min: number): string[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as string, copy[i] as string];
  }
  return copy.slice(0, min + Math.floor(rand() * (copy.length - min + 1)));
}

/** Config number `n`: random pools (subsets, in random order), some extra pools, random get route. */
function makeConfig(rand: () => number, n: number): string {
  const all = servers.map((m) => m.address);
  const stable = servers[0]?.address as string;
  const pools: Record<string, unknown> = {
    stable: { servers: [stable] },
    main: { servers: shuffledSubset(rand, all, 1) },
    other: { servers: shuffledSubset(rand, all, 1) },
  };
  // The cold server is only in the first configs: it leaves for good and must be drained and closed.
  if (n <= COLD_UNTIL && rand() < 0.7) pools.cold = { servers: [empty.address] };
  for (let e = 0; e < Math.floor(rand() * 3); e++)
    pools[`extra${n}_${e}`] = { servers: shuffledSubset(rand, all, 1) };
  const get =
    pools.cold !== undefined
      ? { type: 'WarmUpRoute', cold: 'PoolRoute|cold', warm: 'PoolRoute|main', exptime: 1 }
      : 'PoolRoute|main';
  return JSON.stringify({
    pools,
    route: {
      type: 'OperationSelectorRoute',
      default_policy: 'PoolRoute|main',
      operation_policies: { get, set: 'PoolRoute|other', touch: 'PoolRoute|stable' },
    },
  });
}

/** One pipelined connection sending random batches and checking every reply byte for byte. */
class LoadConnection {
  requests = 0;
  readonly errors: string[] = [];
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly client: RawClient,
    private readonly rand: () => number,
    private readonly onProgress: () => void,
  ) {
    this.done = this.run();
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.errors.length === 0) {
      let out = '';
      let expected = '';
      for (let r = 0; r < BATCH; r++) {
        const i = Math.floor(this.rand() * KEYS);
        const hit = (j: number): string => `VALUE ${key(j)} 0 ${value(j).length}\r\n${value(j)}\r\n`;
        const kind = this.rand();
        if (kind < 0.45) {
          out += `get ${key(i)}\r\n`;
          expected += `${hit(i)}END\r\n`;
        } else if (kind < 0.6) {
          const js = [i, (i + 7) % KEYS, (i + 101) % KEYS];
          out += `get ${js.map(key).join(' ')}\r\n`;
          expected += `${js.map(hit).join('')}END\r\n`;
        } else if (kind < 0.9) {
          out += `set ${key(i)} 0 0 ${value(i).length}\r\n${value(i)}\r\n`;
          expected += 'STORED\r\n';
        } else {
          out += `touch ${key(i)} 0\r\n`;
          expected += 'TOUCHED\r\n';
        }
      }
      const got = await this.client.call(out, expected);
      if (got !== expected) this.errors.push(`sent:\n${out}\nexpected:\n${expected}\ngot:\n${got}`);
      this.requests += BATCH;
      this.onProgress();
    }
  }
}

async function totalConnections(m: Memcached): Promise<number> {
  const c = await RawClient.connect(m.port);
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  return Number(/STAT total_connections (\d+)/.exec(text)?.[1]);
}

test('100 swaps under load: every request gets exactly one correct reply; kept destinations keep their connection', async () => {
  const logs = new LogCapture('warn');
  const rand = prng(0x5eed);
  const path = join(dir, 'mcrouter.json');
  writeFileSync(path, makeConfig(rand, 0));
  const port = await freePort();
  const server = new ProxyServer(
    { ...DEFAULT_OPTIONS, listenAddresses: ['127.0.0.1'], ports: [port] },
    { text: makeConfig(prng(0x5eed), 0), path },
  );
  await server.listen();
  const reloader = new ConfigReloader(server, { path, pollMs: 1000, dump: null, watch: false });
  await reloader.start();
  const stableServer = servers[0] as Memcached;
  const stableConnectionsBefore = await totalConnections(stableServer);

  let progress = 0;
  let waiter: (() => void) | null = null;
  const onProgress = (): void => {
    progress++;
    waiter?.();
  };
  const untilProgress = async (n: number): Promise<void> => {
    const target = progress + n;
    while (progress < target) await new Promise<void>((resolve) => (waiter = resolve));
    waiter = null;
  };
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawClient.connect(port)));
  const load = clients.map((c, i) => new LoadConnection(c, prng(1000 + i), onProgress));

  const seen = new Set<Destination>(server.destinations.all());
  const stableDest = [...seen].find((d) => d.hostPort === stableServer.address);
  let reloaded = 0;
  let failed = 0;
  const reloadMs: number[] = [];
  for (let n = 1; n <= SWAPS; n++) {
    // Let every connection complete a few batches on each config (the test then lasts longer than
    // the 4 s grace period, so removed destinations are drained and closed under load too).
    await untilProgress(CONNECTIONS * BATCHES_PER_SWAP);
    const previousMd5 = server.config.md5;
    let text = makeConfig(rand, n);
    const invalid = n % 10 === 0;
    if (invalid) {
      text =
        n % 20 === 0
          ? text.slice(0, Math.floor(text.length / 2)) // half-written
          : text.replace('"touch":"PoolRoute|stable"', '"touch":"PoolRoute|missing"');
    }
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
    const t0 = performance.now();
    const outcome = await reloader.check();
    reloadMs.push(performance.now() - t0);
    if (invalid) {
      expect(outcome).toBe('failed');
      expect(server.config.md5).toBe(previousMd5);
      failed++;
    } else {
      expect(outcome).toBe('reloaded');
      expect(server.config.md5).toBe(createHash('md5').update(text).digest('hex'));
      reloaded++;
    }
    for (const d of server.destinations.all()) seen.add(d);
    if (load.some((l) => l.errors.length > 0)) break;
  }
  // Load goes on until the cold server, gone since swap 40, is drained and closed.
  const coldDest = [...seen].find((d) => d.hostPort === empty.address);
  expect(coldDest).toBeDefined();
  await vi.waitFor(
    () => {
      expect(coldDest?.state).toBe(DestinationState.Closed);
    },
    { timeout: 4 * DEFAULT_OPTIONS.serverTimeoutMs + 5000, interval: 50 },
  );
  await untilProgress(CONNECTIONS * 3);
  for (const l of load) l.stop();
  await Promise.all(load.map((l) => l.done));

  const errors = load.flatMap((l) => l.errors);
  expect(errors.slice(0, 1)).toEqual([]);
  // Nothing left over on any connection: one last request gets exactly its own reply.
  for (const c of clients) {
    expect(
      await c.call(`get ${key(1)}\r\n`, `VALUE ${key(1)} 0 ${value(1).length}\r\n${value(1)}\r\nEND\r\n`),
    ).toBe(`VALUE ${key(1)} 0 ${value(1).length}\r\n${value(1)}\r\nEND\r\n`);
    expect(c.unread).toBe('');
    c.close();
  }
  expect([reloaded, failed]).toEqual([90, 10]);
  expect(server.stats.configFailures).toBe(10);
  expect(logs.matching('Failed to reconfigure:')).toHaveLength(10);

  // The stable server's destination was never replaced and never reconnected.
  expect([...server.destinations.all()].filter((d) => d.hostPort === stableServer.address)).toEqual([
    stableDest,
  ]);
  // Its interactive connection and its bulk one (the load pipelines), each opened once.
  const opened = stableDest?.connectionsOpened ?? 0;
  expect(opened === 1 || opened === 2).toBe(true);
  expect(stableDest?.connectionsClosed).toBe(0);
  // This stats connection, and the proxy's connections: nothing else connected to it.
  expect((await totalConnections(stableServer)) - stableConnectionsBefore).toBe(1 + opened);
  // No destination object ever opened more than its two connections.
  expect([...seen].filter((d) => d.connectionsOpened > 2).map((d) => d.hostPort)).toEqual([]);
  const closed = [...seen].filter((d) => d.state === DestinationState.Closed);

  const requests = load.reduce((s, l) => s + l.requests, 0);
  const sorted = [...reloadMs].sort((x, y) => x - y);
  process.stderr.write(
    `reload-swaps: ${requests} requests on ${CONNECTIONS} connections, ${reloaded} reloads + ${failed} failures, ` +
      `check+reload ms p50 ${sorted[50]?.toFixed(2)} max ${sorted[sorted.length - 1]?.toFixed(2)}, ` +
      `${seen.size} destination objects, ${closed.length} drained and closed\n`,
  );
  await reloader.close();
  await server.close();
  logs.restore();
});
