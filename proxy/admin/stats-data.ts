/**
 * Everything the `stats` reply prints, as plain data: collected from one proxy's live objects
 * (`collectStatsData`), and merged across the worker processes of `--num-proxies N`
 * (`mergeStatsData`) the way mcrouter merges its proxy threads (`mcrouter/stats.cpp`
 * `prepare_stats`, `stats_aggregate_rate_value`, the `ServerStat` of `stats servers`):
 *
 * - counters, connection and server counts, TKO counts, pending/in-flight requests: summed (the
 *   stats `mcrouter/stat_list.h` marks as aggregated);
 * - rates: summed (events per second of all workers);
 * - `duration_*_us`: the mean over the workers (mcrouter divides the sum by `num_proxies`);
 * - `stats servers`: one line per destination key, results and pending/in-flight requests
 *   summed, the connection states counted (`up:2`), the average latency the mean of the workers'
 *   averages, TKO the worst of the workers;
 * - `stats suspect_servers`: one line per server (mcrouter's TKO trackers are shared by its
 *   threads, ours are per worker), TKO if any worker has it TKO, the largest failure count;
 * - the config stats: the oldest config any worker runs (`config_age`), the largest attempt and
 *   failure counts (every worker watches the same files, docs/running.md#--num-proxies);
 * - `pid`, `parent_pid`, `uptime`: the primary process's (the process the operator started);
 *   `ps_*`, `rusage_*`: summed over the primary and the workers.
 *
 * Data only (numbers, strings, arrays), so it crosses the cluster's IPC channel as it is.
 */
import { readFileSync } from 'node:fs';
import type { Destination } from '../destination/destination.js';
import type { DestinationMap } from '../destination/destination-map.js';
import type { ProxyStats } from './proxy-stats.js';
import type { StatRates } from './stat-rates.js';
import { COUNTER_COUNT, cumulativeCounters } from './stat-counters.js';

/** The live objects the data is collected from (`ProxyServer.statsContext`). */
export interface StatsContext {
  readonly stats: ProxyStats;
  readonly version: string;
  readonly commandArgs: string;
  /** Every destination and the TKO trackers (`destinations.tko`). */
  readonly destinations: DestinationMap;
  /** When the current config was loaded, ms since the epoch. */
  readonly configLoadedAt: number;
  /** Rates of the counters of `stat-counters.ts`. */
  readonly rates: StatRates;
  /** Requests read from clients and not yet answered (`proxy_reqs_processing`). */
  readonly requestsInFlight: number;
}

/** Process figures for the `ps_*` and `rusage_*` stats. */
export interface ProcessStats {
  /** Resident set size, bytes. */
  readonly rss: number;
  /** Virtual memory size, bytes (0 where `/proc` is not available). */
  readonly vsize: number;
  readonly userSec: number;
  readonly systemSec: number;
  readonly minorFaults: number;
  readonly majorFaults: number;
}

/** One destination key's `stats servers` figures. */
export interface ServerStatsData {
  /** mcrouter's destination key (`Destination.key`). */
  readonly key: string;
  /** Sum of the smoothed average latencies (µs) of the connections that have one, and their number. */
  readonly latencySumUs: number;
  readonly latencyCount: number;
  readonly pending: number;
  readonly inflight: number;
  /** 0 healthy, 1 soft TKO, 2 hard TKO (`TkoState`). */
  readonly tko: number;
  /** Connections by `DestinationState`. */
  readonly states: readonly number[];
  /** Replies by result value. */
  readonly results: readonly number[];
}

/** One server of `stats suspect_servers`. */
export interface SuspectData {
  readonly hostPort: string;
  readonly tko: boolean;
  readonly failures: number;
}

/** See the file comment. */
export interface StatsData {
  readonly version: string;
  readonly commandArgs: string;
  readonly pid: number;
  readonly parentPid: number;
  /** When the proxy started, ms since the epoch. */
  readonly startedAt: number;
  readonly numProxies: number;
  readonly clientConnections: number;
  readonly requestsInFlight: number;
  /** Cumulative counters (`stat-counters.ts`, `COUNTER_COUNT` of them), and their rates per second. */
  readonly counters: readonly number[];
  readonly rates: readonly number[];
  /** Destinations by `DestinationState`, and their number. */
  readonly states: readonly number[];
  readonly serverCount: number;
  readonly connectionsOpened: number;
  readonly connectionsClosed: number;
  readonly softTko: number;
  readonly hardTko: number;
  readonly suspects: readonly SuspectData[];
  readonly pending: number;
  readonly inflight: number;
  /** Smoothed request durations, µs; NaN before the first sample. */
  readonly durationUs: number;
  readonly durationGetUs: number;
  readonly durationUpdateUs: number;
  readonly configLoadedAt: number;
  /** Last reload attempt, ms since the epoch; 0 = none. */
  readonly configLastAttempt: number;
  readonly configFailures: number;
  readonly configsFromDisk: number;
  readonly configFullAttempts: number;
  readonly devNullRequests: number;
  readonly asynclogRequests: number;
  readonly asynclogSpoolSuccess: number;
  readonly asynclogSpoolDropped: number;
  readonly failoverAll: number;
  readonly failoverAllFailed: number;
  readonly failoverRateLimited: number;
  /** `ProxyStats.failoverPolicy`, by `FailoverStat`. */
  readonly failoverPolicy: readonly number[];
  readonly shadowRequestsDropped: number;
  readonly proc: ProcessStats;
  readonly servers: readonly ServerStatsData[];
}

/** One destination's `stats servers` figures. */
export function serverData(d: Destination): ServerStatsData {
  const states = [0, 0, 0, 0];
  states[d.state] = 1;
  const avg = d.avgLatencyUs;
  return {
    key: d.key,
    latencySumUs: avg === avg ? avg : 0,
    latencyCount: avg === avg ? 1 : 0,
    pending: d.pending,
    inflight: d.inflight,
    tko: d.tracker.state,
    states,
    results: Array.from(d.resultCounts),
  };
}

/** Reads one proxy's figures. */
export function collectStatsData(ctx: StatsContext, numProxies = 1): StatsData {
  const { stats, destinations } = ctx;
  const totals = destinations.totals();
  const counters = new Float64Array(COUNTER_COUNT);
  cumulativeCounters(stats, totals, counters);
  const rates = Array.from({ length: COUNTER_COUNT }, (_, i) => ctx.rates.rate(i));
  const states = [0, 0, 0, 0];
  const servers: ServerStatsData[] = [];
  let pending = 0;
  let inflight = 0;
  for (const d of destinations.all()) {
    states[d.state] = (states[d.state] ?? 0) + 1;
    pending += d.pending;
    inflight += d.inflight;
    servers.push(serverData(d));
  }
  return {
    version: ctx.version,
    commandArgs: ctx.commandArgs,
    pid: process.pid,
    parentPid: process.ppid,
    startedAt: stats.startedAt,
    numProxies,
    clientConnections: stats.clientConnections,
    requestsInFlight: ctx.requestsInFlight,
    counters: Array.from(counters),
    rates,
    states,
    serverCount: servers.length,
    connectionsOpened: totals.connectionsOpened,
    connectionsClosed: totals.connectionsClosed,
    softTko: destinations.tko.counters.soft,
    hardTko: destinations.tko.counters.hard,
    suspects: destinations.tko
      .suspects()
      .map((t) => ({ hostPort: t.hostPort, tko: t.isTko, failures: t.consecutiveFailures })),
    pending,
    inflight,
    durationUs: stats.durationUs,
    durationGetUs: stats.durationGetUs,
    durationUpdateUs: stats.durationUpdateUs,
    configLoadedAt: ctx.configLoadedAt,
    configLastAttempt: stats.configLastAttempt,
    configFailures: stats.configFailures,
    configsFromDisk: stats.configsFromDisk,
    configFullAttempts: stats.configFullAttempts,
    devNullRequests: stats.devNullRequests,
    asynclogRequests: stats.asynclogRequests,
    asynclogSpoolSuccess: stats.asynclogSpoolSuccess,
    asynclogSpoolDropped: stats.asynclogSpoolDropped,
    failoverAll: stats.failoverAll,
    failoverAllFailed: stats.failoverAllFailed,
    failoverRateLimited: stats.failoverRateLimited,
    failoverPolicy: Array.from(stats.failoverPolicy),
    shadowRequestsDropped: stats.shadowRequestsDropped,
    proc: processStats(),
    servers,
  };
}

/** The process that stands for the whole proxy in merged stats (the cluster's primary). */
export interface PrimaryInfo {
  readonly pid: number;
  readonly parentPid: number;
  readonly startedAt: number;
  readonly numProxies: number;
  readonly proc: ProcessStats;
}

const sum = (parts: readonly StatsData[], f: (d: StatsData) => number): number =>
  parts.reduce((n, d) => n + f(d), 0);
const max = (parts: readonly StatsData[], f: (d: StatsData) => number): number =>
  parts.reduce((n, d) => Math.max(n, f(d)), 0);
const sumArrays = (arrays: readonly (readonly number[])[]): number[] => {
  const out: number[] = [];
  for (const a of arrays) a.forEach((v, i) => (out[i] = (out[i] ?? 0) + v));
  return out;
};
/** mcrouter's mean of the proxies' smoothed durations: a proxy without a sample counts as 0. */
const meanDuration = (parts: readonly StatsData[], f: (d: StatsData) => number): number =>
  sum(parts, (d) => (f(d) === f(d) ? f(d) : 0)) / parts.length;

/**
 * Merges the workers' figures (see the file comment).
 * @param parts one entry per worker that answered (at least one)
 */
export function mergeStatsData(parts: readonly StatsData[], primary: PrimaryInfo): StatsData {
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeStatsData: no worker figures');
  const servers = new Map<string, ServerStatsData>();
  for (const s of parts.flatMap((d) => d.servers)) {
    const had = servers.get(s.key);
    servers.set(
      s.key,
      had === undefined
        ? s
        : {
            key: s.key,
            latencySumUs: had.latencySumUs + s.latencySumUs,
            latencyCount: had.latencyCount + s.latencyCount,
            pending: had.pending + s.pending,
            inflight: had.inflight + s.inflight,
            tko: Math.max(had.tko, s.tko),
            states: sumArrays([had.states, s.states]),
            results: sumArrays([had.results, s.results]),
          },
    );
  }
  const suspects = new Map<string, SuspectData>();
  for (const s of parts.flatMap((d) => d.suspects)) {
    const had = suspects.get(s.hostPort);
    suspects.set(
      s.hostPort,
      had === undefined
        ? s
        : { hostPort: s.hostPort, tko: had.tko || s.tko, failures: Math.max(had.failures, s.failures) },
    );
  }
  const procs = [primary.proc, ...parts.map((d) => d.proc)];
  const procSum = (f: (p: ProcessStats) => number): number => procs.reduce((n, p) => n + f(p), 0);
  return {
    version: first.version,
    commandArgs: first.commandArgs,
    pid: primary.pid,
    parentPid: primary.parentPid,
    startedAt: primary.startedAt,
    numProxies: primary.numProxies,
    clientConnections: sum(parts, (d) => d.clientConnections),
    requestsInFlight: sum(parts, (d) => d.requestsInFlight),
    counters: sumArrays(parts.map((d) => d.counters)),
    rates: sumArrays(parts.map((d) => d.rates)),
    states: sumArrays(parts.map((d) => d.states)),
    serverCount: sum(parts, (d) => d.serverCount),
    connectionsOpened: sum(parts, (d) => d.connectionsOpened),
    connectionsClosed: sum(parts, (d) => d.connectionsClosed),
    softTko: sum(parts, (d) => d.softTko),
    hardTko: sum(parts, (d) => d.hardTko),
    suspects: [...suspects.values()],
    pending: sum(parts, (d) => d.pending),
    inflight: sum(parts, (d) => d.inflight),
    durationUs: meanDuration(parts, (d) => d.durationUs),
    durationGetUs: meanDuration(parts, (d) => d.durationGetUs),
    durationUpdateUs: meanDuration(parts, (d) => d.durationUpdateUs),
    configLoadedAt: parts.reduce((t, d) => Math.min(t, d.configLoadedAt), Infinity),
    configLastAttempt: max(parts, (d) => d.configLastAttempt),
    configFailures: max(parts, (d) => d.configFailures),
    configsFromDisk: max(parts, (d) => d.configsFromDisk),
    configFullAttempts: max(parts, (d) => d.configFullAttempts),
    devNullRequests: sum(parts, (d) => d.devNullRequests),
    asynclogRequests: sum(parts, (d) => d.asynclogRequests),
    asynclogSpoolSuccess: sum(parts, (d) => d.asynclogSpoolSuccess),
    asynclogSpoolDropped: sum(parts, (d) => d.asynclogSpoolDropped),
    failoverAll: sum(parts, (d) => d.failoverAll),
    failoverAllFailed: sum(parts, (d) => d.failoverAllFailed),
    failoverRateLimited: sum(parts, (d) => d.failoverRateLimited),
    failoverPolicy: sumArrays(parts.map((d) => d.failoverPolicy)),
    shadowRequestsDropped: sum(parts, (d) => d.shadowRequestsDropped),
    proc: {
      rss: procSum((p) => p.rss),
      vsize: procSum((p) => p.vsize),
      userSec: procSum((p) => p.userSec),
      systemSec: procSum((p) => p.systemSec),
      minorFaults: procSum((p) => p.minorFaults),
      majorFaults: procSum((p) => p.majorFaults),
    },
    servers: [...servers.values()],
  };
}

/** This process's figures. */
export function processStats(): ProcessStats {
  const ru = process.resourceUsage();
  return {
    rss: process.memoryUsage.rss(),
    vsize: procVsize(),
    userSec: ru.userCPUTime / 1e6,
    systemSec: ru.systemCPUTime / 1e6,
    minorFaults: ru.minorPageFault,
    majorFaults: ru.majorPageFault,
  };
}

/** Field 23 (`vsize`) of `/proc/self/stat`, bytes; 0 when unreadable (as mcrouter's). */
function procVsize(): number {
  try {
    const text = readFileSync('/proc/self/stat', 'latin1');
    // Fields after the command name (which may contain spaces) start at field 3.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(rest[20] ?? 0) || 0;
  } catch {
    return 0;
  }
}
