/**
 * mcconfgen's Prometheus metrics (`--metrics-port`), so "config stale" and "write refused" can be
 * alerted on: what the last cycles did, when the config was last known good, why the last write
 * was refused, and how many peers and central servers were discovered. Served by the proxy's
 * endpoint class (`proxy/admin/metrics-server.ts`, `GET /metrics`, loopback by default); process
 * and Node.js metrics are prom-client's defaults, as in the proxy (`proxy/admin/metrics.ts`).
 *
 * A cycle is a success when the file was written or already had the rendered bytes. The config
 * age (`mcconfgen_config_age_seconds`) is read at scrape time: seconds since the last success, or
 * since start-up while there has been none, so an instance that never produced a config alarms.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CycleReport } from './confgen.js';

/** See the file comment. `now` returns milliseconds since the epoch (tests pass their own clock). */
export class ConfgenMetrics {
  readonly registry = new Registry();
  private readonly startedAt: number;
  private lastSuccessMs: number | null = null;
  private readonly cycles: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly lastSuccess: Gauge;
  private readonly refusal: Gauge<'reason'>;
  private readonly refusalTime: Gauge;
  private readonly servers: Gauge<'pool'>;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
    const registers = [this.registry];
    this.cycles = new Counter({
      name: 'mcconfgen_cycles_total',
      help: 'Cycles by outcome (written, unchanged, printed, discovery-failed, refused, write-failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'mcconfgen_cycle_duration_seconds',
      help: 'Time one cycle took (discovery, render, safety check, write), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'mcconfgen_last_success_timestamp_seconds',
      help: 'When a cycle last wrote the config or found it up to date, seconds since the epoch (0: never).',
      registers,
    });
    const age = (): number => (this.now() - (this.lastSuccessMs ?? this.startedAt)) / 1000;
    new Gauge({
      name: 'mcconfgen_config_age_seconds',
      help: 'Seconds since the last successful cycle (since start-up while none succeeded).',
      registers,
      collect() {
        this.set(age());
      },
    });
    this.refusal = new Gauge({
      name: 'mcconfgen_last_refusal_info',
      help: 'The reason the last write was refused or failed as a label (value 1); none before the first.',
      labelNames: ['reason'],
      registers,
    });
    this.refusalTime = new Gauge({
      name: 'mcconfgen_last_refusal_timestamp_seconds',
      help: 'When a write was last refused or failed, seconds since the epoch (0: never).',
      registers,
    });
    this.servers = new Gauge({
      name: 'mcconfgen_servers',
      help: 'Servers in the last discovered topology, by pool (peers, central).',
      labelNames: ['pool'],
      registers,
    });
    this.lastSuccess.set(0);
    this.refusalTime.set(0);
    collectDefaultMetrics({ register: this.registry, prefix: 'mcconfgen_' });
  }

  /** Records one cycle. */
  record(report: CycleReport): void {
    this.cycles.inc({ outcome: report.outcome });
    this.duration.observe({ outcome: report.outcome }, report.seconds);
    if (report.topology !== undefined) {
      this.servers.set({ pool: 'peers' }, report.topology.peers.length);
      this.servers.set({ pool: 'central' }, report.topology.central.length);
    }
    if (report.outcome === 'written' || report.outcome === 'unchanged') {
      this.lastSuccessMs = this.now();
      this.lastSuccess.set(this.lastSuccessMs / 1000);
    } else if (report.reason !== undefined) {
      this.refusal.reset();
      this.refusal.set({ reason: report.reason }, 1);
      this.refusalTime.set(this.now() / 1000);
    }
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
