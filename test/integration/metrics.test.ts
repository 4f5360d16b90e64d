/**
 * The Prometheus endpoint (`--metrics-port`, `--metrics-address`): off by default, loopback-only
 * by default, and while load runs through real memcached servers it shows request and reply
 * counters, a latency histogram for every destination, TKO state and config reloads.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/ports.js';
import { Load, getOp, setOp } from '../helpers/load.js';

/** One sample of the text exposition. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses Prometheus text format (the subset prom-client writes). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(address: string): Promise<Sample[]> {
  const res = await fetch(`http://${address}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

function values(samples: Sample[], name: string, labels: Record<string, string> = {}): number[] {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

const one = (samples: Sample[], name: string, labels: Record<string, string> = {}): number => {
  const v = values(samples, name, labels);
  if (v.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${v.length} samples`);
  return v[0] as number;
};

describe('the endpoint', () => {
  test('off by default', async () => {
    const p = await startProxy({ route: 'NullRoute' }, {}, 'reads the in-process metrics address');
    expect(p.server.metricsAddress).toBeNull();
    await p.close();
  });

  test('bound to 127.0.0.1 unless --metrics-address says otherwise; only GET /metrics', async () => {
    const port = await freePort();
    const p = await startProxy(
      { route: 'NullRoute' },
      { metricsPort: port },
      'reads the in-process metrics address',
    );
    expect(p.server.metricsAddress).toBe(`127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    const samples = await scrape(`127.0.0.1:${port}`);
    // prom-client's process and Node.js metrics are there too.
    expect(values(samples, 'process_cpu_seconds_total')[0]).toBeGreaterThan(0);
    expect(values(samples, 'process_resident_memory_bytes')[0]).toBeGreaterThan(0);
    expect(values(samples, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
    await p.close();

    const other = await freePort();
    const q = await startProxy(
      { route: 'NullRoute' },
      { metricsPort: other, metricsAddress: '127.0.0.2' },
      'reads the in-process metrics address',
    );
    expect(q.server.metricsAddress).toBe(`127.0.0.2:${other}`);
    expect((await fetch(`http://127.0.0.2:${other}/metrics`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${other}/metrics`)).rejects.toThrow();
    await q.close();
  });
});

describe('while load runs', () => {
  let mcs: Memcached[];
  let proxy: TestProxy;
  let address: string;

  beforeAll(async () => {
    mcs = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
    const metricsPort = await freePort();
    proxy = await startProxy(
      { pools: { A: { servers: mcs.map((m) => m.address) } }, route: 'PoolRoute|A' },
      { metricsPort },
      // Merged metrics of several workers: test/integration/num-proxies.test.ts.
      'expects one connection per destination (mcproxy_destination_up 1)',
    );
    address = `127.0.0.1:${metricsPort}`;
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(mcs.map((m) => m.stop()));
  });

  test('request and reply counters, and latency buckets for every destination', async () => {
    const c = await RawClient.connect(proxy.port);
    for (let i = 0; i < 300; i++)
      expect(await c.ask(`set m${i} 0 0 ${`v${i}`.length}\r\nv${i}\r\n`)).toBe('STORED\r\n');
    c.close();
    let n = 0;
    const load = new Load(proxy.port, 4, 8, () => {
      const i = n++;
      const key = `m${i % 300}`;
      return i % 4 === 0 ? setOp('set', key, `v${i % 300}`) : getOp('get', key, `v${i % 300}`);
    });
    let during: Sample[] = [];
    try {
      await vi.waitFor(
        async () => {
          during = await scrape(address);
          expect(one(during, 'mcproxy_requests_total', { op: 'get' })).toBeGreaterThan(500);
          for (const m of mcs) {
            expect(
              one(during, 'mcproxy_destination_latency_seconds_count', { destination: m.address }),
            ).toBeGreaterThan(0);
          }
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      const tally = await load.stop();
      expect(tally.wrongSamples).toEqual([]);
    }
    expect(one(during, 'mcproxy_requests_total', { op: 'set' })).toBeGreaterThan(0);
    expect(one(during, 'mcproxy_requests_total', { op: 'delete' })).toBe(0);
    expect(one(during, 'mcproxy_replies_total', { op: 'set', result: 'stored' })).toBeGreaterThan(0);
    expect(values(during, 'mcproxy_replies_total', { op: 'get' }).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      0,
    );
    // The load's 4 connections (the one that filled the keys may not be noticed as closed yet).
    expect(one(during, 'mcproxy_client_connections')).toBeGreaterThanOrEqual(4);
    expect(one(during, 'mcproxy_client_connections')).toBeLessThanOrEqual(5);

    for (const m of mcs) {
      const labels = { destination: m.address, timeout_ms: '1000' };
      const buckets = during
        .filter(
          (s) =>
            s.name === 'mcproxy_destination_latency_seconds_bucket' && s.labels.destination === m.address,
        )
        .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }));
      const count = one(during, 'mcproxy_destination_latency_seconds_count', labels);
      // Cumulative, ending at +Inf with the count; some finite bucket (under 33 s) holds samples.
      expect(buckets.at(-1)).toEqual({ le: Infinity, count });
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]?.le).toBeGreaterThan(buckets[i - 1]?.le ?? 0);
        expect(buckets[i]?.count).toBeGreaterThanOrEqual(buckets[i - 1]?.count ?? 0);
      }
      expect(buckets.find((b) => Number.isFinite(b.le) && b.count > 0)).toBeDefined();
      expect(buckets[0]?.le).toBe(0.000032);
      const sum = one(during, 'mcproxy_destination_latency_seconds_sum', labels);
      expect(sum).toBeGreaterThan(0);
      expect(sum / count).toBeLessThan(1); // mean latency, seconds
      expect(
        values(during, 'mcproxy_destination_replies_total', labels).reduce((a, b) => a + b, 0),
      ).toBeGreaterThan(0);
      expect(one(during, 'mcproxy_destination_up', labels)).toBe(1);
      expect(one(during, 'mcproxy_server_tko', { destination: m.address })).toBe(0);
    }
  });
});

describe('TKO and config reloads', () => {
  test('a refused server shows as hard TKO; reloads count by outcome', async () => {
    const m = await Memcached.start();
    const dead = `127.0.0.1:${await freePort()}`;
    const cfg = { pools: { A: { servers: [m.address] }, D: { servers: [dead] } }, route: 'PoolRoute|D' };
    const p = await startProxy(
      cfg,
      {
        metricsPort: await freePort(),
        // No probe of the dead server during the test: the counts below stay exact.
        probeTimeoutInitialMs: 3_600_000,
        probeTimeoutMaxMs: 3_600_000,
      },
      'reloads the in-process server and reads its config md5',
    );
    const address = p.server.metricsAddress ?? '';
    const c = await RawClient.connect(p.port);
    expect(await c.ask('get x\r\n')).toMatch(/^SERVER_ERROR AsyncSocketException: connect failed/);
    expect(await c.ask('get x\r\n')).toBe(
      'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
    );
    let s = await scrape(address);
    expect(one(s, 'mcproxy_server_tko', { destination: dead })).toBe(2);
    expect(one(s, 'mcproxy_server_tko', { destination: m.address })).toBe(0);
    expect(one(s, 'mcproxy_server_consecutive_failures', { destination: dead })).toBe(2);
    expect(one(s, 'mcproxy_tko_servers', { kind: 'hard' })).toBe(1);
    expect(one(s, 'mcproxy_tko_servers', { kind: 'soft' })).toBe(0);
    expect(one(s, 'mcproxy_tko_marks_total')).toBe(1);
    expect(one(s, 'mcproxy_destination_replies_total', { destination: dead, result: 'connect_error' })).toBe(
      2,
    );
    expect(one(s, 'mcproxy_destination_replies_total', { destination: dead, result: 'tko' })).toBe(1);
    expect(one(s, 'mcproxy_replies_total', { op: 'get', result: 'tko' })).toBe(1);
    expect(one(s, 'mcproxy_config_reloads_total', { outcome: 'success' })).toBe(0);
    const firstMd5 = p.server.config.md5;
    expect(one(s, 'mcproxy_config_info', { md5: firstMd5 })).toBe(1);

    p.server.reload({ text: JSON.stringify({ ...cfg, route: 'PoolRoute|A' }), path: null });
    expect(() => p.server.reload({ text: '{"route": "PoolRoute|nope"}', path: null })).toThrow(/nope/);
    s = await scrape(address);
    expect(one(s, 'mcproxy_config_reloads_total', { outcome: 'success' })).toBe(1);
    expect(one(s, 'mcproxy_config_reloads_total', { outcome: 'failure' })).toBe(1);
    expect(values(s, 'mcproxy_config_info', { md5: firstMd5 })).toEqual([]);
    expect(one(s, 'mcproxy_config_info', { md5: p.server.config.md5 })).toBe(1);
    expect(
      Math.abs(one(s, 'mcproxy_config_last_success_timestamp_seconds') - Date.now() / 1000),
    ).toBeLessThan(60);
    expect(await c.ask('get __mcrouter__.version\r\n')).toMatch(/^VALUE /);
    expect(one(await scrape(address), 'mcproxy_admin_requests_total')).toBe(1);
    c.close();
    await p.close();
    await m.stop();
  });
});
