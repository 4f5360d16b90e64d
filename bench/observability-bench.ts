/**
 * Micro-benchmark of what observability adds to each request (README, Operating mcproxy): the
 * counters and histograms are recorded with the real classes, in a loop, and compared with the
 * loop alone. Per request the proxy does one `isServiceInfoKey` check (gets), one
 * `ProxyStats.countReply` (reply count and smoothed duration), and per destination reply one
 * `LatencyHistogram.record` plus the smoothed average; `performance.now()` is read once per
 * socket read and once per flush (shared by every request in it). For comparison: prom-client's
 * `Histogram.observe` with pre-bound labels, and a perf_hooks histogram's `record`.
 *
 * Run: `npx tsx bench/observability-bench.ts` (or `node dist/bench/observability-bench.js`).
 */
import { createHistogram } from 'node:perf_hooks';
import { Histogram, Registry } from 'prom-client';
import { ProxyStats } from '../proxy/admin/proxy-stats.js';
import { isServiceInfoKey } from '../proxy/admin/service-info.js';
import { LatencyHistogram } from '../proxy/destination/latency-histogram.js';
import { Op } from '../proxy/protocol/op.js';
import { Result } from '../proxy/protocol/result.js';

const N = 20_000_000;
const latencies = Float64Array.from({ length: 4096 }, (_, i) => 50 + ((i * 7919) % 4000) * 0.37);
const keys = Array.from({ length: 64 }, (_, i) => Buffer.from(`user:${i}:profile`));

function time(label: string, n: number, body: (i: number) => void): number {
  for (let i = 0; i < 100_000; i++) body(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  process.stdout.write(`${label.padEnd(58)} ${ns.toFixed(2).padStart(7)} ns/op\n`);
  return ns;
}

let sink = 0;
const base = time('loop alone', N, (i) => {
  sink += latencies[i & 4095] ?? 0;
});

const stats = new ProxyStats();
time('ProxyStats.countReply (count + 64-sample average)', N, (i) => {
  stats.countReply(i & 1 ? Op.Get : Op.Set, Result.Found, latencies[i & 4095] ?? 0);
});

const h = new LatencyHistogram();
let avg = Number.NaN;
time('LatencyHistogram.record + 16-sample average', N, (i) => {
  const us = latencies[i & 4095] ?? 0;
  h.record(us);
  avg = avg === avg ? (us + 15 * avg) / 16 : us;
});

time('isServiceInfoKey (ordinary key)', N, (i) => {
  if (isServiceInfoKey(keys[i & 63] as Buffer)) sink++;
});

time('performance.now()', N / 4, () => {
  sink += performance.now();
});

const ph = createHistogram();
time('perf_hooks histogram.record (for comparison)', N / 4, (i) => {
  ph.record(Math.max(1, Math.round(latencies[i & 4095] ?? 1)));
});

const prom = new Histogram({
  name: 'bench_latency_seconds',
  help: 'bench',
  labelNames: ['destination'],
  buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
  registers: [new Registry()],
}).labels('127.0.0.1:11211');
time('prom-client Histogram.observe, pre-bound labels (comparison)', N / 4, (i) => {
  prom.observe((latencies[i & 4095] ?? 0) / 1e6);
});

process.stdout.write(
  `(loop overhead ${base.toFixed(2)} ns/op is included in every line; ${sink > 0 ? 'ok' : ''})\n`,
);
