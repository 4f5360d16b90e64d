/**
 * The text of `stats servers` (golden lines, byte for byte mcrouter's `ServerStat::toString`), C's
 * `%g` as mcrouter prints doubles and rates, and the 240-bin rate window.
 */
import { describe, expect, test } from 'vitest';
import { Destination, DestinationState } from '../../../proxy/destination/destination.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { parseServerAddress } from '../../../proxy/config/server-address.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';
import type { McReply } from '../../../proxy/protocol/reply.js';
import { formatG, serverStatsLine, statsReply } from '../../../proxy/admin/stats-reply.js';
import { ProxyStats } from '../../../proxy/admin/proxy-stats.js';
import { RATE_BINS, StatRates } from '../../../proxy/admin/stat-rates.js';
import {
  LATENCY_BUCKETS,
  LatencyHistogram,
  bucketUpperBoundUs,
} from '../../../proxy/destination/latency-histogram.js';

function destination(map: DestinationMap, hostPort: string, timeoutMs = 1000): Destination {
  return map.get({ address: parseServerAddress(hostPort), timeoutMs, connectTimeoutMs: timeoutMs });
}

describe('stats servers lines (golden)', () => {
  test('a destination never used', () => {
    const d = destination(new DestinationMap(), '127.0.0.1:11211');
    expect(serverStatsLine(d)).toBe('avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 new:1');
  });

  test('replies by result in result order, the first after "; ", the average with 3 decimals', () => {
    const d = destination(new DestinationMap(), '10.0.0.1:11211');
    d.state = DestinationState.Up;
    d.avgLatencyUs = 123.4567;
    d.resultCounts[Result.Stored] = 3;
    d.resultCounts[Result.Found] = 5;
    d.resultCounts[Result.Timeout] = 1;
    d.resultCounts[Result.NotFound] = 2;
    d.resultCounts[Result.Tko] = 4; // fast-fail replies: not the destination's (mcrouter)
    expect(serverStatsLine(d)).toBe(
      'avg_latency_us:123.457 pending_reqs:0 inflight_reqs:0 up:1; found:5 notfound:2 stored:3 timeout:1',
    );
  });

  test('soft and hard TKO', () => {
    const map = new DestinationMap();
    const soft = destination(map, '10.0.0.2:11211');
    for (let i = 0; i < 3; i++) soft.tracker.record(Result.Timeout, soft);
    soft.resultCounts[Result.Timeout] = 3;
    soft.state = DestinationState.Up;
    soft.avgLatencyUs = 1000000;
    expect(serverStatsLine(soft)).toBe(
      'avg_latency_us:1000000.000 pending_reqs:0 inflight_reqs:0 soft_tko;  up:1; timeout:3',
    );
    const hard = destination(map, '10.0.0.3:11211');
    hard.tracker.record(Result.ConnectError, hard);
    hard.resultCounts[Result.ConnectError] = 2;
    hard.state = DestinationState.Down;
    expect(serverStatsLine(hard)).toBe(
      'avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 hard_tko;  down:1; connect_error:2',
    );
  });

  test('pending requests, and the whole reply keyed by host:port:ascii:plain:notcompressed-<timeout>', () => {
    const map = new DestinationMap();
    // TEST-NET-1: the connect never completes during the test; the requests stay queued.
    const d = destination(map, '192.0.2.1:11211', 250);
    destination(map, '192.0.2.2:11212');
    const replies: McReply[] = [];
    const sink = { onReply: (r: McReply): void => void replies.push(r) };
    d.send(new McRequest(Op.Get, Buffer.from('a')), sink, 0);
    d.send(new McRequest(Op.Get, Buffer.from('b')), sink, 0);
    const text = statsReply(['servers'], {
      stats: new ProxyStats(),
      version: 'v',
      commandArgs: '',
      destinations: map,
      configLoadedAt: Date.now(),
      rates: new StatRates(1, () => undefined),
      requestsInFlight: 0,
    });
    map.closeAll();
    expect(text).toBe(
      'STAT 192.0.2.1:11211:ascii:plain:notcompressed-250 avg_latency_us:0.000 pending_reqs:2 inflight_reqs:0 new:1\r\n' +
        'STAT 192.0.2.2:11212:ascii:plain:notcompressed-1000 avg_latency_us:0.000 pending_reqs:0 inflight_reqs:0 new:1\r\n' +
        'END\r\n',
    );
    expect(replies.map((r) => r.result)).toEqual([Result.LocalError, Result.LocalError]);
  });
});

describe('formatG (printf %g)', () => {
  test.each([
    [0, '0'],
    [1, '1'],
    [0.5, '0.5'],
    [12.5, '12.5'],
    [100000, '100000'],
    [123456.7, '123457'],
    [1234567, '1.23457e+06'],
    [3.14159265, '3.14159'],
    [0.0001, '0.0001'],
    [0.00001234, '1.234e-05'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
    [Number.NaN, 'nan'],
  ])('%s → %s', (x, s) => {
    expect(formatG(x)).toBe(s);
  });
});

describe('StatRates (240 one-second bins)', () => {
  test('0 before the first bin; then events per bin over the bins filled', () => {
    const counter = new Float64Array(1);
    const r = new StatRates(1, (out) => {
      out[0] = counter[0] ?? 0;
    });
    counter[0] = 7;
    expect(r.rate(0)).toBe(0);
    r.tick();
    expect(r.rate(0)).toBe(7);
    counter[0] = 20;
    r.tick();
    expect(r.rate(0)).toBe(10);
    expect(r.bins).toBe(2);
  });

  test('only the last 240 bins count', () => {
    const counter = new Float64Array(2);
    const r = new StatRates(2, (out) => {
      out.set(counter);
    });
    for (let i = 0; i < 100; i++) {
      counter[0] = (counter[0] ?? 0) + 1;
      r.tick();
    }
    for (let i = 0; i < RATE_BINS; i++) {
      counter[0] = (counter[0] ?? 0) + 3;
      counter[1] = (counter[1] ?? 0) + i;
      r.tick();
    }
    expect(r.bins).toBe(RATE_BINS);
    expect(r.rate(0)).toBe(3);
    expect(r.rate(1)).toBe((RATE_BINS - 1) / 2);
  });
});

describe('LatencyHistogram', () => {
  test('power-of-two buckets of microseconds, exact counts and sum', () => {
    const h = new LatencyHistogram();
    for (const us of [0.4, 1, 1.9, 2, 3.99, 4, 1000, 2 ** 25, 2 ** 40]) h.record(us);
    expect(h.count).toBe(9);
    expect(h.sumUs).toBeCloseTo(0.4 + 1 + 1.9 + 2 + 3.99 + 4 + 1000 + 2 ** 25 + 2 ** 40);
    const expected = new Float64Array(LATENCY_BUCKETS);
    expected[0] = 1; // < 1
    expected[1] = 2; // [1, 2)
    expected[2] = 2; // [2, 4)
    expected[3] = 1; // [4, 8)
    expected[10] = 1; // [512, 1024)
    expected[LATENCY_BUCKETS - 1] = 2; // ≥ 2^25
    expect([...h.counts]).toEqual([...expected]);
    expect(bucketUpperBoundUs(10)).toBe(1024);
    expect(bucketUpperBoundUs(LATENCY_BUCKETS - 1)).toBe(Infinity);
  });
});
