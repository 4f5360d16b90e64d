/**
 * `stats [group]` on a proxy with real servers (`mcrouter/stats.cpp`): mcrouter's names and groups, the
 * new/up/down/closed split that adds up to num_servers, `stats servers` and `suspect_servers` in
 * mcrouter's line format, request and result counts, rates over the 1-second bins.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/ports.js';

let used: Memcached;
let unused: Memcached;
let deadPort: number;
let proxy: TestProxy;
let client: RawClient;

beforeAll(async () => {
  [used, unused] = await Promise.all([Memcached.start(), Memcached.start()]);
  deadPort = await freePort();
  proxy = await startProxy(
    {
      pools: {
        A: { servers: [used.address] },
        B: { servers: [unused.address] },
        D: { servers: [`127.0.0.1:${deadPort}`] },
      },
      routes: [
        { aliases: ['/././'], route: 'PoolRoute|A' },
        { aliases: ['/b/b/'], route: 'PoolRoute|B' },
        { aliases: ['/d/d/'], route: 'PoolRoute|D' },
      ],
    },
    // No probe of the dead server during the test: the counts below stay exact.
    { probeTimeoutInitialMs: 3_600_000, probeTimeoutMaxMs: 3_600_000 },
    // Merged stats of several workers: test/integration/num-proxies.test.ts.
    'expects this process as pid and one connection per destination (up:1)',
  );
  client = await RawClient.connect(proxy.port);
  expect(await client.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
  expect(await client.ask('get k\r\n')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
  expect(await client.ask('get nope\r\n')).toBe('END\r\n');
  expect(await client.ask('get /d/d/x\r\n')).toMatch(/^SERVER_ERROR AsyncSocketException: connect failed/);
  expect(await client.ask('get /d/d/y\r\n')).toBe(
    'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
  );
});
afterAll(async () => {
  client.close();
  await proxy.close();
  await Promise.all([used.stop(), unused.stop()]);
});

async function stats(group = ''): Promise<string> {
  const c = await RawClient.connect(proxy.port);
  c.send(group === '' ? 'stats\r\n' : `stats ${group}\r\n`);
  const text = await c.readUntil('END\r\n');
  c.close();
  return text;
}

function parse(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

const num = (m: Map<string, string>, name: string): number => {
  const v = m.get(name);
  if (v === undefined) throw new Error(`no stat ${name}`);
  return Number(v);
};

const OPS = [
  'get',
  'gets',
  'gat',
  'gats',
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'delete',
  'incr',
  'decr',
  'touch',
  'flushall',
  'version',
];

describe('basic', () => {
  test("mcrouter's names, in mcrouter's order, then cmd_<op>_count and cmd_<op>", async () => {
    const names = [...parse(await stats()).keys()];
    expect(names).toEqual([
      'version',
      'commandargs',
      'pid',
      'parent_pid',
      'time',
      'uptime',
      'num_client_connections',
      'num_servers',
      'num_servers_new',
      'num_servers_up',
      'num_servers_down',
      'num_servers_closed',
      'num_suspect_servers',
      'num_connections_opened',
      'num_connections_closed',
      'num_soft_tko_count',
      'num_hard_tko_count',
      'ps_rss',
      'rusage_system',
      'rusage_user',
      'ps_num_minor_faults',
      'ps_num_major_faults',
      'ps_user_time_sec',
      'ps_system_time_sec',
      'ps_vsize',
      'num_proxies',
      'proxy_reqs_processing',
      'destination_pending_reqs',
      'destination_inflight_reqs',
      'duration_us',
      'duration_get_us',
      'duration_update_us',
      'config_age',
      'config_last_attempt',
      'config_last_success',
      'config_failures',
      'configs_from_disk',
      'config_full_attempt',
      ...OPS.flatMap((op) => [`cmd_${op}_count`, `cmd_${op}`]),
    ]);
  });

  test('values: process, servers (new + up + down + closed = num_servers), TKO, counts', async () => {
    const s = parse(await stats());
    expect(num(s, 'pid')).toBe(process.pid);
    expect(num(s, 'parent_pid')).toBe(process.ppid);
    expect(Math.abs(num(s, 'time') - Date.now() / 1000)).toBeLessThan(5);
    expect(num(s, 'uptime')).toBeGreaterThanOrEqual(0);
    // `client` and the one asking (closed connections may take a moment to be noticed).
    await vi.waitFor(
      async () => {
        expect(num(parse(await stats()), 'num_client_connections')).toBe(2);
      },
      { timeout: 5000 },
    );
    expect(num(s, 'num_servers')).toBe(3);
    expect(num(s, 'num_servers_new')).toBe(1);
    expect(num(s, 'num_servers_up')).toBe(1);
    expect(num(s, 'num_servers_down')).toBe(1);
    expect(num(s, 'num_servers_closed')).toBe(0);
    expect(['new', 'up', 'down', 'closed'].reduce((n, st) => n + num(s, `num_servers_${st}`), 0)).toBe(
      num(s, 'num_servers'),
    );
    expect(num(s, 'num_suspect_servers')).toBe(1);
    expect(num(s, 'num_hard_tko_count')).toBe(1);
    expect(num(s, 'num_soft_tko_count')).toBe(0);
    expect(num(s, 'num_connections_opened')).toBe(1);
    expect(num(s, 'ps_rss')).toBeGreaterThan(10 * 1024 * 1024);
    expect(num(s, 'rusage_user')).toBeGreaterThan(0);
    expect(num(s, 'num_proxies')).toBe(1);
    expect(num(s, 'duration_us')).toBeGreaterThan(0);
    expect(num(s, 'duration_get_us')).toBeGreaterThan(0);
    expect(num(s, 'duration_update_us')).toBeGreaterThan(0);
    expect(num(s, 'cmd_get_count')).toBe(4);
    expect(num(s, 'cmd_set_count')).toBe(1);
    expect(num(s, 'config_failures')).toBe(0);
    expect(num(s, 'config_age')).toBeLessThan(60);
  });

  test('cmd_<op> rates: requests per second over the completed 1-second bins', async () => {
    const c = await RawClient.connect(proxy.port);
    for (let i = 0; i < 20; i++) expect(await c.ask(`get r${i}\r\n`)).toBe('END\r\n');
    c.close();
    await vi.waitFor(
      async () => {
        const s = parse(await stats());
        expect(num(s, 'cmd_get')).toBeGreaterThan(0);
        expect(num(s, 'cmd_set')).toBeGreaterThan(0);
      },
      { timeout: 5000, interval: 200 },
    );
    const s = parse(await stats());
    // At most 4 minutes of bins, at least one: the rate is between count/240 and count.
    expect(num(s, 'cmd_get')).toBeLessThanOrEqual(num(s, 'cmd_get_count'));
    expect(num(s, 'cmd_get')).toBeGreaterThanOrEqual(num(s, 'cmd_get_count') / 240);
    expect(num(s, 'cmd_delete')).toBe(0);
  });
});

describe('other groups', () => {
  test('count: request and result counts', async () => {
    const s = parse(await stats('count'));
    expect([...s.keys()].every((k) => k.endsWith('_count'))).toBe(true);
    // Replies so far: 5 in beforeAll; the errors were the two SERVER_ERRORs of the dead server.
    expect(num(s, 'request_error_count')).toBe(2);
    expect(num(s, 'request_replied_count')).toBe(
      num(s, 'request_error_count') + num(s, 'request_success_count'),
    );
    expect(num(s, 'request_sent_count')).toBeGreaterThanOrEqual(num(s, 'request_replied_count'));
    expect(num(s, 'result_connect_error_count')).toBe(2); // the connection failure and the request
    expect(num(s, 'result_tko_count')).toBe(1);
    expect(num(s, 'result_error_count')).toBe(3);
    expect(num(s, 'result_error_all_count')).toBe(3);
    expect(num(s, 'result_data_timeout_count')).toBe(0);
    expect(num(s, 'cmd_set_count')).toBe(1);
    expect(s.has('cmd_get')).toBe(false);
  });

  test('detailed and all add the rates and counters of mcrouter', async () => {
    const detailed = parse(await stats('detailed'));
    for (const name of [
      'request_sent',
      'request_replied',
      'final_result_error',
      'result_error',
      'config_age',
    ])
      expect(detailed.has(name), name).toBe(true);
    expect(detailed.has('ps_rss')).toBe(false);
    expect(detailed.has('request_sent_count')).toBe(false);
    const all = parse(await stats('all'));
    for (const name of ['ps_rss', 'request_sent_count', 'result_tko_all_count', 'cmd_get', 'duration_us'])
      expect(all.has(name), name).toBe(true);
    expect(all.size).toBeGreaterThan(detailed.size);
    const ods = parse(await stats('ods'));
    expect(ods.has('uptime')).toBe(true);
    expect(ods.has('version')).toBe(false);
  });

  test('version, cmd-error, external; reset is RESET and anything else ERROR (memcached)', async () => {
    expect(await stats('version')).toMatch(/^STAT mcrouter-version \S+ mcrouter\r\nEND\r\n$/);
    expect(await stats('cmd-error')).toBe('END\r\n');
    expect(await stats('external')).toBe('END\r\n');
    // memcached's groups: an empty END, so clients that read up to END do not wait.
    for (const g of ['settings', 'items', 'slabs', 'sizes', 'conns', 'malloc', 'self', 'detail dump']) {
      expect(await stats(g)).toBe('END\r\n');
    }
    for (const bad of ['bogus', 'servers all', 'detailed x']) {
      const c = await RawClient.connect(proxy.port);
      expect(await c.ask(`stats ${bad}\r\n`)).toBe('ERROR\r\n');
      c.close();
    }
    for (const reset of ['reset', 'reset extra']) {
      const c = await RawClient.connect(proxy.port);
      expect(await c.ask(`stats ${reset}\r\n`)).toBe('RESET\r\n');
      c.close();
    }
  });
});

describe('stats servers and suspect_servers', () => {
  test("one line per destination in mcrouter's format", async () => {
    const lines = (await stats('servers')).split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      new RegExp(
        `^STAT ${used.address}:ascii:plain:notcompressed-1000 avg_latency_us:\\d+\\.\\d{3} pending_reqs:0 inflight_reqs:0 up:1; found:1 notfound:\\d+ stored:1$`,
      ),
    );
    expect(lines[1]).toBe(
      `STAT ${unused.address}:ascii:plain:notcompressed-1000 avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 new:1`,
    );
    expect(lines[2]).toBe(
      `STAT 127.0.0.1:${deadPort}:ascii:plain:notcompressed-1000 avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 hard_tko;  down:1; connect_error:2`,
    );
    expect(lines.slice(3)).toEqual(['END', '']);
  });

  test('suspect_servers: the failing server with its failure count', async () => {
    expect(await stats('suspect_servers')).toBe(
      `STAT 127.0.0.1:${deadPort} status:tko num_failures:2\r\nEND\r\n`,
    );
  });
});

describe('across a reload', () => {
  test('a server that left stops counting in num_servers; the process totals keep its counts', async () => {
    const m = await Memcached.start();
    const p = await startProxy(
      {
        pools: { A: { servers: [m.address], server_timeout: 300 } },
        route: 'PoolRoute|A',
      },
      {},
      'reloads the in-process server',
    );
    const c = await RawClient.connect(p.port);
    // The short timeout makes the grace period short; a set that memcached, waiting for a core on
    // a loaded machine, answers after it is sent again.
    await vi.waitFor(
      async () => {
        expect(await c.ask('set a 0 0 1\r\n1\r\n')).toBe('STORED\r\n');
      },
      { timeout: 10_000 },
    );
    const read = async (group = 'all'): Promise<Map<string, string>> => {
      c.send(`stats ${group}\r\n`);
      return parse(await c.readUntil('END\r\n'));
    };
    const before = await read();
    expect(num(before, 'num_servers')).toBe(1);
    p.server.reload({ text: JSON.stringify({ route: 'NullRoute' }), path: null });
    // The old destination is drained and closed after its grace period (4 × 300 ms).
    await vi.waitFor(
      async () => {
        expect(num(await read(), 'num_servers')).toBe(0);
      },
      { timeout: 5000, interval: 50 },
    );
    const after = await read();
    expect(num(after, 'num_connections_opened')).toBe(1);
    expect(num(after, 'num_connections_closed')).toBe(1);
    expect(num(after, 'request_success_count')).toBeGreaterThanOrEqual(num(before, 'request_success_count'));
    expect(num(after, 'config_full_attempt')).toBe(1);
    c.close();
    await p.close();
    await m.stop();
  });
});
