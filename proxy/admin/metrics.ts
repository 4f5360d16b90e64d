/**
 * Prometheus metrics (beyond mcrouter), in prom-client's text format. Nothing here runs per
 * request: every series is read at scrape time from counters the proxy keeps anyway (plain
 * numbers in `ProxyStats`, `Destination`, the TKO trackers) through prom-client's `collect`
 * callbacks, and the per-destination latency histograms are converted from their power-of-two
 * buckets (`destination/latency-histogram.ts`) into cumulative `_bucket{le=...}` series.
 *
 * Labels: `op` (carbon operation name), `result` (mcrouter result name without `mc_res_`),
 * `destination` (`host:port`, or `unix:<path>`), `timeout_ms` (a destination is a server plus a
 * timeout, as in mcrouter). Each proxy has its own registry (several proxies may share a process
 * in tests); process and Node.js metrics are prom-client's defaults.
 *
 * Under `--num-proxies N` every worker keeps this registry and the primary serves the endpoint
 * through prom-client's `AggregatorRegistry` (`cluster/cluster-metrics.ts`), which merges the
 * workers' series by each metric's `aggregator`: counts are summed (default), a server's TKO
 * state and failure count are the worst worker's (`max`), and the config series, which every
 * worker reports for the same files, are not multiplied (`max`; the last success `min`, the
 * oldest config).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { OP_NAMES } from '../protocol/op.js';
import { RESULT_NAMES } from '../protocol/result.js';
import { DestinationState, type Destination } from '../destination/destination.js';
import type { DestinationMap } from '../destination/destination-map.js';
import {
  LATENCY_BUCKETS,
  bucketUpperBoundUs,
  type LatencyHistogram,
} from '../destination/latency-histogram.js';
import { TkoState } from '../destination/tko-tracker.js';
import type { ProxyConfig } from '../config/proxy-config.js';
import { RESULT_SLOTS, type ProxyStats } from './proxy-stats.js';

/** What the metrics read. `ProxyServer` implements it. */
export interface MetricsSource {
  readonly stats: ProxyStats;
  readonly destinations: DestinationMap;
  /** The config new requests use. */
  readonly config: ProxyConfig;
}

/** Smallest latency bucket exported: 2^5 µs = 32 µs (smaller ones are summed into it). */
const FIRST_EXPORTED_BUCKET = 5;

type Labels = Record<string, string | number>;

function destinationLabels(d: Destination): Labels {
  return { destination: d.hostPort, timeout_ms: d.settings.timeoutMs };
}

/**
 * A histogram whose buckets are filled elsewhere and read at scrape time: a custom collector, the
 * Prometheus clients' way to export data aggregated outside them. prom-client's `Histogram` is not
 * used because it can only be fed sample by sample: `observe` on the request path would build a
 * label-hash string and an object per reply (prom-client `lib/histogram.js`), and replaying the
 * counts at scrape time costs one call per sample. The registry takes any object with the metric
 * contract its `Registry` and `AggregatorRegistry` read (`name`, `help`, `type`, `aggregator`,
 * `get()`, `reset()`); `test/integration/metrics.test.ts` checks the text it renders.
 */
class ScrapedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly series: () => Iterable<{ labels: Labels; histogram: LatencyHistogram }>,
  ) {}

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Labels; value: number; metricName: string }[];
  }> {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (const { labels, histogram } of this.series()) {
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS - 1; i++) {
        cumulative += histogram.counts[i] ?? 0;
        if (i < FIRST_EXPORTED_BUCKET) continue;
        values.push({
          labels: { ...labels, le: bucketUpperBoundUs(i) / 1e6 },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: { ...labels, le: '+Inf' },
        value: histogram.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels, value: histogram.sumUs / 1e6, metricName: `${this.name}_sum` });
      values.push({ labels, value: histogram.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    /* the counts belong to the destinations */
  }
}

/** Sets a counter to `values` at scrape time (prom-client counters only go up: reset, then inc). */
function fillCounter(c: Counter, values: Iterable<[Labels, number]>): void {
  c.reset();
  for (const [labels, v] of values) c.inc(labels, v);
}

function fillGauge(g: Gauge, values: Iterable<[Labels, number]>): void {
  g.reset();
  for (const [labels, v] of values) g.set(labels, v);
}

function* perDestination(map: DestinationMap, f: (d: Destination) => number): Iterable<[Labels, number]> {
  for (const d of map.all()) yield [destinationLabels(d), f(d)];
}

/** See the file comment. */
export class ProxyMetrics {
  readonly registry = new Registry();

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    const { stats, destinations } = source;

    new Counter({
      name: 'mcproxy_requests_total',
      help: 'Requests received from clients, by operation (admin gets excluded).',
      labelNames: ['op'],
      registers,
      collect() {
        fillCounter(
          this,
          OP_NAMES.map((op, i): [Labels, number] => [{ op }, stats.cmdCounts[i] ?? 0]),
        );
      },
    });
    new Counter({
      name: 'mcproxy_replies_total',
      help: 'Replies written to clients, by operation and result (a multi-get counts one per key).',
      labelNames: ['op', 'result'],
      registers,
      collect() {
        const out: [Labels, number][] = [];
        stats.replyCounts.forEach((n, i) => {
          if (n === 0) return;
          const op = OP_NAMES[Math.floor(i / RESULT_SLOTS)] ?? 'unknown';
          out.push([{ op, result: RESULT_NAMES[i % RESULT_SLOTS] ?? 'unknown' }, n]);
        });
        fillCounter(this, out);
      },
    });
    new Counter({
      name: 'mcproxy_admin_requests_total',
      help: 'Admin requests answered (get __mcrouter__.*); their replies are in mcproxy_replies_total.',
      registers,
      collect() {
        fillCounter(this, [[{}, stats.adminRequests]]);
      },
    });
    new Gauge({
      name: 'mcproxy_client_connections',
      help: 'Client connections open now.',
      registers,
      collect() {
        this.set(stats.clientConnections);
      },
    });
    new Counter({
      name: 'mcproxy_client_connections_accepted_total',
      help: 'Client connections accepted.',
      registers,
      collect() {
        fillCounter(this, [[{}, stats.clientConnectionsTotal]]);
      },
    });
    new Counter({
      name: 'mcproxy_client_connections_refused_total',
      help: 'Client connections refused (--max-conns reached, or shutting down).',
      registers,
      collect() {
        fillCounter(this, [[{}, stats.rejectedConnections]]);
      },
    });
    new Counter({
      name: 'mcproxy_client_protocol_errors_total',
      help: 'Requests rejected by the parser (malformed, bad key, value too large).',
      registers,
      collect() {
        fillCounter(this, [[{}, stats.clientErrors]]);
      },
    });

    new Counter({
      name: 'mcproxy_destination_replies_total',
      help: 'Replies per destination by result, including fast-fail tko and busy replies.',
      labelNames: ['destination', 'timeout_ms', 'result'],
      registers,
      collect() {
        const out: [Labels, number][] = [];
        for (const d of destinations.all()) {
          d.resultCounts.forEach((n, r) => {
            if (n !== 0) out.push([{ ...destinationLabels(d), result: RESULT_NAMES[r] ?? String(r) }, n]);
          });
        }
        fillCounter(this, out);
      },
    });
    this.registry.registerMetric(
      new ScrapedHistogram(
        'mcproxy_destination_latency_seconds',
        'Time from writing a request to a server to reading its reply (replies only, not timeouts).',
        function* () {
          for (const d of destinations.all()) yield { labels: destinationLabels(d), histogram: d.latency };
        },
      ) as unknown as Metric,
    );
    new Gauge({
      name: 'mcproxy_destination_pending_requests',
      help: 'Requests queued for a destination and not yet written.',
      labelNames: ['destination', 'timeout_ms'],
      registers,
      collect() {
        fillGauge(
          this,
          perDestination(destinations, (d) => d.pending),
        );
      },
    });
    new Gauge({
      name: 'mcproxy_destination_inflight_requests',
      help: 'Requests written to a destination and awaiting a reply.',
      labelNames: ['destination', 'timeout_ms'],
      registers,
      collect() {
        fillGauge(
          this,
          perDestination(destinations, (d) => d.inflight),
        );
      },
    });
    new Gauge({
      name: 'mcproxy_destination_up',
      help: 'Whether the destination has an open connection (1) or not (0).',
      labelNames: ['destination', 'timeout_ms'],
      registers,
      collect() {
        fillGauge(
          this,
          perDestination(destinations, (d) => (d.state === DestinationState.Up ? 1 : 0)),
        );
      },
    });
    new Counter({
      name: 'mcproxy_destination_connections_opened_total',
      help: 'Connections a destination opened.',
      labelNames: ['destination', 'timeout_ms'],
      registers,
      collect() {
        fillCounter(
          this,
          perDestination(destinations, (d) => d.connectionsOpened),
        );
      },
    });

    new Gauge({
      name: 'mcproxy_server_tko',
      help: 'TKO state of a server: 0 healthy, 1 soft TKO (timeouts), 2 hard TKO (connect errors).',
      labelNames: ['destination'],
      aggregator: 'max',
      registers,
      collect() {
        const out: [Labels, number][] = [];
        for (const t of destinations.tko.all()) {
          out.push([
            { destination: t.hostPort },
            t.state === TkoState.Hard ? 2 : t.state === TkoState.Soft ? 1 : 0,
          ]);
        }
        fillGauge(this, out);
      },
    });
    new Gauge({
      name: 'mcproxy_server_consecutive_failures',
      help: 'Consecutive failures of a server (num_failures of stats suspect_servers).',
      labelNames: ['destination'],
      aggregator: 'max',
      registers,
      collect() {
        const out: [Labels, number][] = [];
        for (const t of destinations.tko.all())
          out.push([{ destination: t.hostPort }, t.consecutiveFailures]);
        fillGauge(this, out);
      },
    });
    new Gauge({
      name: 'mcproxy_tko_servers',
      help: 'Servers TKO now, by kind (num_soft_tko_count, num_hard_tko_count).',
      labelNames: ['kind'],
      registers,
      collect() {
        const c = destinations.tko.counters;
        fillGauge(this, [
          [{ kind: 'soft' }, c.soft],
          [{ kind: 'hard' }, c.hard],
        ]);
      },
    });
    new Counter({
      name: 'mcproxy_tko_marks_total',
      help: 'Times a server was marked TKO.',
      registers,
      collect() {
        fillCounter(this, [[{}, destinations.tko.counters.marks]]);
      },
    });

    new Counter({
      name: 'mcproxy_config_reloads_total',
      help: 'Config reloads after start-up, by outcome (success, failure).',
      labelNames: ['outcome'],
      aggregator: 'max',
      registers,
      collect() {
        fillCounter(this, [
          [{ outcome: 'success' }, stats.configFullAttempts - stats.configFailures],
          [{ outcome: 'failure' }, stats.configFailures],
        ]);
      },
    });
    new Gauge({
      name: 'mcproxy_config_last_success_timestamp_seconds',
      help: 'When the running config was loaded, seconds since the epoch (config_last_success).',
      aggregator: 'min',
      registers,
      collect() {
        this.set(source.config.builtAt / 1000);
      },
    });
    new Gauge({
      name: 'mcproxy_config_info',
      help: 'The running config: its md5 (config_md5_digest) as a label; the value is always 1.',
      labelNames: ['md5'],
      aggregator: 'max',
      registers,
      collect() {
        fillGauge(this, [[{ md5: source.config.md5 }, 1]]);
      },
    });

    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition (what `GET /metrics` returns). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `Content-Type` of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
