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
import { OP_NAMES } from '../protocol/op.js';
import { Result, RESULT_NAMES } from '../protocol/result.js';
import { DestinationState, type Destination } from '../destination/destination.js';
import { TkoState } from '../destination/tko-tracker.js';
import { Counter, RESULT_KINDS } from './stat-counters.js';
import { FAILOVER_STAT_NAMES } from '../routes/failover-stats.js';
import {
  collectStatsData,
  serverData,
  type ServerStatsData,
  type StatsContext,
  type StatsData,
} from './stats-data.js';

export type { StatsContext } from './stats-data.js';

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

/** Everything one stats reply reads. */
interface Snapshot {
  readonly data: StatsData;
  readonly nowMs: number;
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
  return { name, groups: groups | RATE, value: (s) => formatG(s.data.rates[counter] ?? 0) };
}

function count(name: string, groups: number, counter: number): StatDef {
  return { name, groups, value: (s) => s.data.counters[counter] ?? 0 };
}

const smoothed = (v: number): string => formatG(v === v ? v : 0);

/** The stat table, in mcrouter's `stat_list.h` order. */
const STATS: readonly StatDef[] = [
  stat('version', BASIC | DETAILED, (s) => s.data.version),
  stat('commandargs', BASIC | DETAILED, (s) => s.data.commandArgs),
  stat('pid', BASIC | DETAILED, (s) => s.data.pid),
  stat('parent_pid', BASIC | DETAILED, (s) => s.data.parentPid),
  stat('time', BASIC | DETAILED, (s) => seconds(s.nowMs)),
  stat('uptime', ODS | BASIC | DETAILED, (s) => seconds(s.nowMs) - seconds(s.data.startedAt)),
  stat('num_client_connections', ODS | BASIC | DETAILED, (s) => s.data.clientConnections),
  stat('num_servers', ODS | BASIC | DETAILED, (s) => s.data.serverCount),
  stat('num_servers_new', ODS | BASIC | DETAILED, (s) => s.data.states[DestinationState.New] ?? 0),
  stat('num_servers_up', ODS | BASIC | DETAILED, (s) => s.data.states[DestinationState.Up] ?? 0),
  stat('num_servers_down', ODS | BASIC | DETAILED, (s) => s.data.states[DestinationState.Down] ?? 0),
  stat('num_servers_closed', ODS | BASIC | DETAILED, (s) => s.data.states[DestinationState.Closed] ?? 0),
  stat('num_suspect_servers', ODS | BASIC | DETAILED, (s) => s.data.suspects.length),
  stat('num_connections_opened', ODS | BASIC | DETAILED, (s) => s.data.connectionsOpened),
  stat('num_connections_closed', ODS | BASIC | DETAILED, (s) => s.data.connectionsClosed),
  stat('num_soft_tko_count', ODS | BASIC | DETAILED, (s) => s.data.softTko),
  stat('num_hard_tko_count', ODS | BASIC | DETAILED, (s) => s.data.hardTko),
  stat('ps_rss', ODS | BASIC, (s) => s.data.proc.rss),
  stat('rusage_system', BASIC | DETAILED, (s) => formatG(s.data.proc.systemSec)),
  stat('rusage_user', BASIC | DETAILED, (s) => formatG(s.data.proc.userSec)),
  stat('ps_num_minor_faults', BASIC | DETAILED, (s) => s.data.proc.minorFaults),
  stat('ps_num_major_faults', BASIC | DETAILED, (s) => s.data.proc.majorFaults),
  stat('ps_user_time_sec', BASIC | DETAILED, (s) => formatG(s.data.proc.userSec)),
  stat('ps_system_time_sec', BASIC | DETAILED, (s) => formatG(s.data.proc.systemSec)),
  stat('ps_vsize', BASIC | DETAILED, (s) => s.data.proc.vsize),
  stat('num_proxies', ODS | BASIC, (s) => s.data.numProxies),
  stat('proxy_reqs_processing', ODS | BASIC, (s) => s.data.requestsInFlight),
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
  stat('destination_pending_reqs', ODS | BASIC, (s) => s.data.pending),
  stat('destination_inflight_reqs', ODS | BASIC, (s) => s.data.inflight),
  stat('duration_us', ODS | BASIC, (s) => smoothed(s.data.durationUs)),
  stat('duration_get_us', ODS | BASIC, (s) => smoothed(s.data.durationGetUs)),
  stat('duration_update_us', ODS | BASIC, (s) => smoothed(s.data.durationUpdateUs)),
  stat('config_age', ODS | BASIC | DETAILED, (s) => seconds(s.nowMs) - seconds(s.data.configLoadedAt)),
  stat('config_last_attempt', ODS | BASIC | DETAILED, (s) =>
    seconds(s.data.configLastAttempt || s.data.configLoadedAt),
  ),
  stat('config_last_success', ODS | BASIC | DETAILED, (s) => seconds(s.data.configLoadedAt)),
  stat('config_failures', ODS | BASIC | DETAILED, (s) => s.data.configFailures),
  stat('configs_from_disk', ODS | BASIC | DETAILED, (s) => s.data.configsFromDisk),
  stat('config_full_attempt', ODS | BASIC | DETAILED, (s) => s.data.configFullAttempts),
  // Counters the routes keep (mcrouter's detailed/ods stats).
  stat('dev_null_requests', ODS | DETAILED, (s) => s.data.devNullRequests),
  stat('asynclog_requests', ODS | DETAILED, (s) => s.data.asynclogRequests),
  stat('asynclog_spool_success', ODS | DETAILED, (s) => s.data.asynclogSpoolSuccess),
  stat('asynclog_spool_dropped', ODS | DETAILED, (s) => s.data.asynclogSpoolDropped),
  stat('failover_all', ODS | DETAILED, (s) => s.data.failoverAll),
  stat('failover_all_failed', ODS | DETAILED, (s) => s.data.failoverAllFailed),
  stat('failover_rate_limited', ODS | DETAILED, (s) => s.data.failoverRateLimited),
  ...FAILOVER_STAT_NAMES.map((name, i) => stat(name, ODS | DETAILED, (s) => s.data.failoverPolicy[i] ?? 0)),
  stat('shadow_requests_dropped', ODS | DETAILED, (s) => s.data.shadowRequestsDropped),
];

/** Builds the whole reply text (CRLFs included) for `stats <args>` from one proxy's live objects. */
export function statsReply(args: readonly string[], ctx: StatsContext): string {
  return statsReplyFrom(args, collectStatsData(ctx));
}

/** Builds the whole reply text (CRLFs included) for `stats <args>` from collected (or merged) figures. */
export function statsReplyFrom(args: readonly string[], data: StatsData): string {
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
    add('mcrouter-version', data.version);
  } else if (group === 'servers') {
    for (const d of data.servers) add(d.key, serverLine(d));
  } else if (group === 'suspect_servers') {
    // mcrouter: `STAT <host:port> status:tko num_failures:<n>` (or status:down: failing, not TKO).
    for (const t of data.suspects) {
      add(t.hostPort, `status:${t.tko ? 'tko' : 'down'} num_failures:${t.failures}`);
    }
  } else {
    const bits = group === 'all' ? -1 : GROUP_BITS.get(group);
    if (bits === undefined) return 'ERROR\r\n';
    if (bits !== 0) {
      const s: Snapshot = { data, nowMs: Date.now() };
      for (const def of STATS) if ((def.groups & bits) !== 0) add(def.name, def.value(s));
      if ((bits & (BASIC | DETAILED | ODS)) !== 0) {
        OP_NAMES.forEach((name, op) => {
          add(`cmd_${name}_count`, data.counters[Counter.cmd + op] ?? 0);
          add(`cmd_${name}`, String(data.rates[Counter.cmd + op] ?? 0));
        });
      } else if ((bits & COUNT) !== 0) {
        OP_NAMES.forEach((name, op) => {
          add(`cmd_${name}_count`, data.counters[Counter.cmd + op] ?? 0);
        });
      }
    }
  }
  lines.push('END');
  return `${lines.join('\r\n')}\r\n`;
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
  return serverLine(serverData(d));
}

/**
 * The same from collected figures; merged over workers, the states are counted (` up:2`) and the
 * latency is the mean of the workers' averages (`ServerStat` in `mcrouter/stats.cpp`).
 */
function serverLine(d: ServerStatsData): string {
  const avg = d.latencyCount === 0 ? 0 : d.latencySumUs / d.latencyCount;
  let out = `avg_latency_us:${avg.toFixed(3)} pending_reqs:${d.pending} inflight_reqs:${d.inflight}`;
  if (d.tko === (TkoState.Hard as number)) out += ' hard_tko; ';
  else if (d.tko === (TkoState.Soft as number)) out += ' soft_tko; ';
  d.states.forEach((n, state) => {
    if (n > 0) out += ` ${STATE_NAMES[state] ?? 'unknown'}:${n}`;
  });
  let first = true;
  const counts = d.results;
  for (let r = 0; r < counts.length; r++) {
    const n = counts[r] ?? 0;
    if (n === 0 || r === (Result.Tko as number)) continue;
    out += `${first ? ';' : ''} ${RESULT_NAMES[r] ?? String(r)}:${n}`;
    first = false;
  }
  return out;
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
