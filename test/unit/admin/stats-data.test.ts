/**
 * Stats merged over the workers of `--num-proxies` (`mergeStatsData`), as mcrouter merges its
 * proxy threads (`mcrouter/stats.cpp`): sums, the states counted per server, the primary's pid.
 */
import { expect, test } from 'vitest';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { parseServerAddress } from '../../../proxy/config/server-address.js';
import { Op } from '../../../proxy/protocol/op.js';
import { ProxyStats } from '../../../proxy/admin/proxy-stats.js';
import { StatRates } from '../../../proxy/admin/stat-rates.js';
import { collectStatsData, mergeStatsData, processStats } from '../../../proxy/admin/stats-data.js';
import { statsReplyFrom } from '../../../proxy/admin/stats-reply.js';

function worker(gets: number, loadedAt: number, durationUs: number): ReturnType<typeof collectStatsData> {
  const map = new DestinationMap();
  map.get({ address: parseServerAddress('192.0.2.1:11211'), timeoutMs: 1000, connectTimeoutMs: 1000 });
  const stats = new ProxyStats();
  for (let i = 0; i < gets; i++) stats.countRequest(Op.Get);
  stats.durationUs = durationUs;
  stats.clientConnections = 3;
  const data = collectStatsData(
    {
      stats,
      version: 'v',
      commandArgs: '',
      destinations: map,
      configLoadedAt: loadedAt,
      rates: new StatRates(1, () => undefined),
      requestsInFlight: 0,
    },
    2,
  );
  map.closeAll();
  return data;
}

test('two workers: counts summed, one server line with new:2, the oldest config, the primary pid', () => {
  const merged = mergeStatsData([worker(5, 2_000_000, 10), worker(7, 1_000_000, NaN)], {
    pid: 4242,
    parentPid: 1,
    startedAt: 0,
    numProxies: 2,
    proc: processStats(),
  });
  const text = statsReplyFrom([], merged);
  const stat = (name: string): string | undefined =>
    new RegExp(`^STAT ${name} (.*)\\r$`, 'm').exec(text)?.[1];
  expect(stat('cmd_get_count')).toBe('12');
  expect(stat('num_client_connections')).toBe('6');
  expect(stat('num_servers')).toBe('2');
  expect(stat('num_proxies')).toBe('2');
  expect(stat('pid')).toBe('4242');
  // mcrouter: the sum of the proxies' durations divided by num_proxies (no sample counts as 0).
  expect(stat('duration_us')).toBe('5');
  expect(stat('config_last_success')).toBe('1000');
  expect(statsReplyFrom(['servers'], merged)).toBe(
    'STAT 192.0.2.1:11211:ascii:plain:notcompressed-1000 avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 new:2\r\nEND\r\n',
  );
});
