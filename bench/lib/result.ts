/** The JSON the load generator prints (one line, prefixed with `RESULT `) at the end of a run. */
import type { Protocol } from './workload.js';

/** Latency distribution of one measurement, in µs. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Outcome of one load generator run (measurement window only, warm-up excluded). */
export interface LoadgenResult {
  readonly host: string;
  readonly port: number;
  /** Wire protocol the load was sent in. */
  readonly protocol: Protocol;
  readonly connections: number;
  readonly depth: number;
  /** Actual measurement window, in ms. */
  readonly windowMs: number;
  /** Completed requests in the window (hits + misses + stored + errors). */
  readonly ops: number;
  readonly opsPerSec: number;
  readonly gets: number;
  readonly sets: number;
  readonly hits: number;
  readonly misses: number;
  /** Error replies or protocol violations (also counted outside the window, see `errorsTotal`). */
  readonly errors: number;
  /** Errors over the whole run, including pre-population and warm-up. */
  readonly errorsTotal: number;
  /** A few offending reply lines or problems, for display. */
  readonly errorSamples: readonly string[];
  /** Per-request latency: from the write of its batch to the parse of its reply. */
  readonly latencyUs: LatencySummary;
  /** The load generator's own CPU use in the window. */
  readonly loadgen: {
    /** User CPU in µs. */
    readonly userUs: number;
    /** System CPU in µs. */
    readonly sysUs: number;
    /** (user+sys) / wall time, in % of one core. */
    readonly cpuPercent: number;
    /** Event loop utilisation in the window (0..1). */
    readonly elu: number;
  };
  /** CPU used in the window by each watched process tree (`--watch name=pid`), in µs. */
  readonly watchedCpuUs: Readonly<Record<string, number>>;
  /** The system part of `watchedCpuUs` (`/proc/<pid>/stat` stime), in µs; the rest is user time. */
  readonly watchedSysUs: Readonly<Record<string, number>>;
  /** Busy % of every core in the window (whole machine, including unrelated load). */
  readonly coreBusyPercent: readonly number[];
}
