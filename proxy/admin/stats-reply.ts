/**
 * The `stats [group]` reply (`mcrouter/stats.cpp`, `mcrouter/stats.cpp::stats_reply`, `mcrouter/stat_list.h`):
 * `STAT <name> <value>` lines, then `END`.
 *
 * Groups, as mcrouter's: none (basic), `detailed`, `all`, `count`, `ods`, `servers`,
 * `suspect_servers`, `cmd-error`, `external`, `version`. memcached's groups that clients ask for
 * (`settings`, `items`, `slabs`, `sizes`, `conns`, `malloc`, `self`, `extstore`, `detail dump`;
 * `memcached/proto_text.c` `process_stat`) describe a cache the proxy does not have: they answer an
 * empty `END`, so a client reading up to `END` does not wait. `stats reset` answers `RESET` (the
 * proxy keeps no resettable counters: rates and totals are left as they are) and any other group
 * `ERROR`, as memcached does (mcrouter answers `CLIENT_ERROR bad stats command`). Stats come from one table in mcrouter's order, each with the
 * groups it belongs to; the per-operation stats (`cmd_<op>_count`, and the rate `cmd_<op>`) follow
 * for basic, detailed, all and ods. Stats mcrouter has that mean nothing here (fibers, SSL, thrift,
 * FB-internal routing) are left out rather than shown as a constant 0.
 *
 * Where this list differs from mcrouter's groups: `num_client_connections` and the `config_*`
 * stats are also in the basic group (operators read them from plain `stats`), and `stats count`
 * also lists `cmd_<op>_count` (as older mcrouters did).
 */
import { readFileSync } from 'node:fs';
import { OP_NAMES } from '../protocol/op.js';
import { Result, RESULT_NAMES } from '../protocol/result.js';
import { DestinationState, type Destination } from '../destination/destination.js';
import type { DestinationMap, DestinationTotals } from '../destination/destination-map.js';
import { TkoState } from '../destination/tko-tracker.js';
import type { ProxyStats } from './proxy-stats.js';
import type { StatRates } from './stat-rates.js';
import { COUNTER_COUNT, Counter, RESULT_KINDS, cumulativeCounters } from './stat-counters.js';

/** What the stats text is built from. */
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

/** Group bits (`mcrouter/stats.h` `stat_group_t`). */
const BASIC = 1;
const DETAILED = 2;
const COUNT = 4;
const ODS = 8;
const RATE = 16;

const GROUP_BITS = new Map<string, number>([
  ['', BASIC],
  ['detailed', DETAILED],
  ['count', COUNT],
  ['ods', ODS],
  ['cmd-error', 0],
  ['external', 0],
]);

/** memcached's stats groups, answered with an empty `END`. */
const MEMCACHED_GROUPS = new Set([
  'settings',
  'items',
  'slabs',
  'sizes',
  'conns',
  'malloc',
  'self',
  'extstore',
  'detail dump',
]);

/** Everything one stats reply reads, computed once per reply. */
interface Snapshot {
  readonly ctx: StatsContext;
  readonly nowMs: number;
  readonly counters: Float64Array;
  readonly totals: DestinationTotals;
  readonly states: readonly number[];
  readonly serverCount: number;
  readonly proc: ProcessStats;
}

interface StatDef {
  readonly name: string;
  readonly groups: number;
  /** The value; for RATE stats, the `Counter` index whose rate it is. */
  readonly value: (s: Snapshot) => string | number;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function stat(name: string, groups: number, value: (s: Snapshot) => string | number): StatDef {
  return { name, groups, value };
}

/** A rate stat: `counter`'s events per second, printed as mcrouter's `%g`. */
function rate(name: string, groups: number, counter: number): StatDef {
  return { name, groups: groups | RATE, value: (s) => formatG(s.ctx.rates.rate(counter)) };
}

function count(name: string, groups: number, counter: number): StatDef {
  return { name, groups, value: (s) => s.counters[counter] ?? 0 };
}

const smoothed = (v: number): string => formatG(v === v ? v : 0);

/** The stat table, in mcrouter's `stat_list.h` order. */
const STATS: readonly StatDef[] = [
  stat('version', BASIC | DETAILED, (s) => s.ctx.version),
  stat('commandargs', BASIC | DETAILED, (s) => s.ctx.commandArgs),
  stat('pid', BASIC | DETAILED, () => process.pid),
  stat('parent_pid', BASIC | DETAILED, () => process.ppid),
  stat('time', BASIC | DETAILED, (s) => seconds(s.nowMs)),
  stat('uptime', ODS | BASIC | DETAILED, (s) => seconds(s.nowMs) - seconds(s.ctx.stats.startedAt)),
  stat('num_client_connections', ODS | BASIC | DETAILED, (s) => s.ctx.stats.clientConnections),
  stat('num_servers', ODS | BASIC | DETAILED, (s) => s.serverCount),
  stat('num_servers_new', ODS | BASIC | DETAILED, (s) => s.states[DestinationState.New] ?? 0),
  stat('num_servers_up', ODS | BASIC | DETAILED, (s) => s.states[DestinationState.Up] ?? 0),
  stat('num_servers_down', ODS | BASIC | DETAILED, (s) => s.states[DestinationState.Down] ?? 0),
  stat('num_servers_closed', ODS | BASIC | DETAILED, (s) => s.states[DestinationState.Closed] ?? 0),
  stat('num_suspect_servers', ODS | BASIC | DETAILED, (s) => s.ctx.destinations.tko.suspects().length),
  stat('num_connections_opened', ODS | BASIC | DETAILED, (s) => s.totals.connectionsOpened),
  stat('num_connections_closed', ODS | BASIC | DETAILED, (s) => s.totals.connectionsClosed),
  stat('num_soft_tko_count', ODS | BASIC | DETAILED, (s) => s.ctx.destinations.tko.counters.soft),
  stat('num_hard_tko_count', ODS | BASIC | DETAILED, (s) => s.ctx.destinations.tko.counters.hard),
  stat('ps_rss', ODS | BASIC, (s) => s.proc.rss),
  stat('rusage_system', BASIC | DETAILED, (s) => formatG(s.proc.systemSec)),
  stat('rusage_user', BASIC | DETAILED, (s) => formatG(s.proc.userSec)),
  stat('ps_num_minor_faults', BASIC | DETAILED, (s) => s.proc.minorFaults),
  stat('ps_num_major_faults', BASIC | DETAILED, (s) => s.proc.majorFaults),
  stat('ps_user_time_sec', BASIC | DETAILED, (s) => formatG(s.proc.userSec)),
  stat('ps_system_time_sec', BASIC | DETAILED, (s) => formatG(s.proc.systemSec)),
  stat('ps_vsize', BASIC | DETAILED, (s) => s.proc.vsize),
  stat('num_proxies', ODS | BASIC, () => 1),
  stat('proxy_reqs_processing', ODS | BASIC, (s) => s.ctx.requestsInFlight),
  count('request_sent_count', COUNT, Counter.requestSent),
  count('request_error_count', COUNT, Counter.requestError),
  count('request_success_count', COUNT, Counter.requestSuccess),
  count('request_replied_count', COUNT, Counter.requestReplied),
  rate('request_sent', ODS | DETAILED, Counter.requestSent),
  rate('request_error', ODS | DETAILED, Counter.requestError),
  rate('request_success', ODS | DETAILED, Counter.requestSuccess),
  rate('request_replied', ODS | DETAILED, Counter.requestReplied),
  ...RESULT_KINDS.flatMap(({ kind }, k) => [
    count(`result_${kind}_count`, ODS | COUNT, Counter.result + k),
    count(`result_${kind}_all_count`, ODS | COUNT, Counter.result + k),
  ]),
  rate('final_result_error', ODS | DETAILED, Counter.finalResultError),
  ...RESULT_KINDS.flatMap(({ kind }, k) => [
    rate(`result_${kind}`, ODS | DETAILED, Counter.result + k),
    rate(`result_${kind}_all`, ODS | DETAILED, Counter.result + k),
  ]),
  stat('destination_pending_reqs', ODS | BASIC, (s) => sumOver(s.ctx.destinations, (d) => d.pending)),
  stat('destination_inflight_reqs', ODS | BASIC, (s) => sumOver(s.ctx.destinations, (d) => d.inflight)),
  stat('duration_us', ODS | BASIC, (s) => smoothed(s.ctx.stats.durationUs)),
  stat('duration_get_us', ODS | BASIC, (s) => smoothed(s.ctx.stats.durationGetUs)),
  stat('duration_update_us', ODS | BASIC, (s) => smoothed(s.ctx.stats.durationUpdateUs)),
  stat('config_age', ODS | BASIC | DETAILED, (s) => seconds(s.nowMs) - seconds(s.ctx.configLoadedAt)),
  stat('config_last_attempt', ODS | BASIC | DETAILED, (s) =>
    seconds(s.ctx.stats.configLastAttempt || s.ctx.configLoadedAt),
  ),
  stat('config_last_success', ODS | BASIC | DETAILED, (s) => seconds(s.ctx.configLoadedAt)),
  stat('config_failures', ODS | BASIC | DETAILED, (s) => s.ctx.stats.configFailures),
  stat('configs_from_disk', ODS | BASIC | DETAILED, (s) => s.ctx.stats.configsFromDisk),
  stat('config_full_attempt', ODS | BASIC | DETAILED, (s) => s.ctx.stats.configFullAttempts),
  // Counters the routes keep (mcrouter's detailed/ods stats).
  stat('dev_null_requests', ODS | DETAILED, (s) => s.ctx.stats.devNullRequests),
  stat('asynclog_requests', ODS | DETAILED, (s) => s.ctx.stats.asynclogRequests),
  stat('asynclog_spool_success', ODS | DETAILED, (s) => s.ctx.stats.asynclogSpoolSuccess),
  stat('asynclog_spool_dropped', ODS | DETAILED, (s) => s.ctx.stats.asynclogSpoolDropped),
  stat('failover_all', ODS | DETAILED, (s) => s.ctx.stats.failoverAll),
  stat('failover_all_failed', ODS | DETAILED, (s) => s.ctx.stats.failoverAllFailed),
  stat('failover_rate_limited', ODS | DETAILED, (s) => s.ctx.stats.failoverRateLimited),
  stat('shadow_requests_dropped', ODS | DETAILED, (s) => s.ctx.stats.shadowRequestsDropped),
];

function sumOver(map: DestinationMap, f: (d: Destination) => number): number {
  let n = 0;
  for (const d of map.all()) n += f(d);
  return n;
}

/** Builds the whole reply text (CRLFs included) for `stats <args>`. */
export function statsReply(args: readonly string[], ctx: StatsContext): string {
  const group = args.join(' ');
  const lines: string[] = [];
  const add = (name: string, value: string | number): void => {
    lines.push(`STAT ${name} ${value}`);
  };
  // memcached/proto_text.c process_stat: `reset` is matched on the first token alone.
  if (args[0] === 'reset') return 'RESET\r\n';
  if (MEMCACHED_GROUPS.has(group)) {
    // No STAT lines: see the file comment.
  } else if (group === 'version') {
    add('mcrouter-version', ctx.version);
  } else if (group === 'servers') {
    for (const d of ctx.destinations.all()) add(d.key, serverStatsLine(d));
  } else if (group === 'suspect_servers') {
    // mcrouter: `STAT <host:port> status:tko num_failures:<n>` (or status:down: failing, not TKO).
    for (const t of ctx.destinations.tko.suspects()) {
      add(t.hostPort, `status:${t.isTko ? 'tko' : 'down'} num_failures:${t.consecutiveFailures}`);
    }
  } else {
    const bits = group === 'all' ? -1 : GROUP_BITS.get(group);
    if (bits === undefined) return 'ERROR\r\n';
    if (bits !== 0) {
      const s = snapshot(ctx);
      for (const def of STATS) if ((def.groups & bits) !== 0) add(def.name, def.value(s));
      if ((bits & (BASIC | DETAILED | ODS)) !== 0) {
        OP_NAMES.forEach((name, op) => {
          add(`cmd_${name}_count`, s.counters[Counter.cmd + op] ?? 0);
          add(`cmd_${name}`, String(ctx.rates.rate(Counter.cmd + op)));
        });
      } else if ((bits & COUNT) !== 0) {
        OP_NAMES.forEach((name, op) => {
          add(`cmd_${name}_count`, s.counters[Counter.cmd + op] ?? 0);
        });
      }
    }
  }
  lines.push('END');
  return `${lines.join('\r\n')}\r\n`;
}

function snapshot(ctx: StatsContext): Snapshot {
  const totals = ctx.destinations.totals();
  const counters = new Float64Array(COUNTER_COUNT);
  cumulativeCounters(ctx.stats, totals, counters);
  const states = [0, 0, 0, 0];
  let serverCount = 0;
  for (const d of ctx.destinations.all()) {
    states[d.state] = (states[d.state] ?? 0) + 1;
    serverCount++;
  }
  return { ctx, nowMs: Date.now(), counters, totals, states, serverCount, proc: processStats() };
}

/** The state names of `stats servers` (`clientStateToStr`). */
const STATE_NAMES = ['new', 'up', 'down', 'closed'];

/**
 * One `stats servers` value, byte for byte mcrouter's `ServerStat::toString`
 * (`mcrouter/stats.cpp`): `avg_latency_us:<x.xxx> pending_reqs:<n> inflight_reqs:<n>`, then
 * ` hard_tko; ` or ` soft_tko; ` while TKO, the connection state as ` <state>:1`, then the reply
 * counts by result (`mc_res_` removed), the first after `; `, in result order. The average latency
 * is smoothed over 16 replies (`ExponentialSmoothData<16>`). Like mcrouter's per-destination
 * counts, these leave out the fast-fail replies of a TKO server (they are in `result_tko`).
 */
export function serverStatsLine(d: Destination): string {
  const avg = d.avgLatencyUs === d.avgLatencyUs ? d.avgLatencyUs : 0;
  let out = `avg_latency_us:${avg.toFixed(3)} pending_reqs:${d.pending} inflight_reqs:${d.inflight}`;
  const tko = d.tracker.state;
  if (tko === TkoState.Hard) out += ' hard_tko; ';
  else if (tko === TkoState.Soft) out += ' soft_tko; ';
  out += ` ${STATE_NAMES[d.state] ?? 'unknown'}:1`;
  let first = true;
  const counts = d.resultCounts;
  for (let r = 0; r < counts.length; r++) {
    const n = counts[r] ?? 0;
    if (n === 0 || r === (Result.Tko as number)) continue;
    out += `${first ? ';' : ''} ${RESULT_NAMES[r] ?? String(r)}:${n}`;
    first = false;
  }
  return out;
}

/** Process figures for the `ps_*` and `rusage_*` stats. */
interface ProcessStats {
  /** Resident set size, bytes. */
  readonly rss: number;
  /** Virtual memory size, bytes (0 where `/proc` is not available). */
  readonly vsize: number;
  readonly userSec: number;
  readonly systemSec: number;
  readonly minorFaults: number;
  readonly majorFaults: number;
}

function processStats(): ProcessStats {
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

/**
 * C's `printf("%g", x)`: 6 significant digits, exponent form below 1e-4 or from 1e6, trailing
 * zeros removed (mcrouter prints double stats and rates this way).
 */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '', expText = '0'] = x.toExponential(5).split('e');
  const exp = Number(expText);
  const trim = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trim(x.toFixed(5 - exp));
}
