/**
 * The `stats [group]` reply (spec §5.2, `mcrouter/stats.cpp::stats_reply`): `STAT <name> <value>`
 * lines, then `END`. Unknown groups get `CLIENT_ERROR bad stats command`.
 */
import { OP_NAMES } from '../protocol/op.js';
import { DestinationState, type Destination } from '../destination/destination.js';
import type { ProxyStats } from './proxy-stats.js';
import type { TkoTrackerMap } from '../destination/tko-tracker.js';

/** What the stats text is built from. */
export interface StatsContext {
  readonly stats: ProxyStats;
  readonly version: string;
  readonly commandArgs: string;
  readonly destinations: Iterable<Destination>;
  /** When the current config was loaded, ms since the epoch. */
  readonly configLoadedAt: number;
  /** TKO state per server. */
  readonly tko: TkoTrackerMap;
}

const GROUPS = new Set([
  '',
  'detailed',
  'all',
  'servers',
  'suspect_servers',
  'count',
  'cmd-error',
  'ods',
  'external',
  'version',
]);

/** Builds the whole reply text (CRLFs included) for `stats <args>`. */
export function statsReply(args: readonly string[], ctx: StatsContext): string {
  const group = args.join(' ');
  if (!GROUPS.has(group)) return 'CLIENT_ERROR bad stats command\r\n';
  const lines: string[] = [];
  const stat = (name: string, value: string | number): void => {
    lines.push(`STAT ${name} ${value}`);
  };
  if (group === 'version') {
    stat('mcrouter-version', ctx.version);
  } else if (group === 'suspect_servers') {
    // mcrouter: `STAT <host:port> status:tko num_failures:<n>` (or status:down: failing, not TKO).
    for (const t of ctx.tko.suspects()) {
      stat(t.hostPort, `status:${t.isTko ? 'tko' : 'down'} num_failures:${t.consecutiveFailures}`);
    }
  } else if (group === '' || group === 'all' || group === 'detailed') {
    basicStats(ctx, stat);
  }
  if (group === 'all' || group === 'detailed' || group === 'ods') routeStats(ctx.stats, stat);
  lines.push('END');
  return `${lines.join('\r\n')}\r\n`;
}

function basicStats(ctx: StatsContext, stat: (name: string, value: string | number) => void): void {
  const now = Date.now();
  const s = ctx.stats;
  stat('version', ctx.version);
  stat('commandargs', ctx.commandArgs);
  stat('pid', process.pid);
  stat('parent_pid', process.ppid);
  stat('time', Math.floor(now / 1000));
  stat('uptime', Math.floor((now - s.startedAt) / 1000));
  const counts = [0, 0, 0, 0];
  let total = 0;
  for (const d of ctx.destinations) {
    counts[d.state] = (counts[d.state] ?? 0) + 1;
    total++;
  }
  stat('num_servers', total);
  stat('num_servers_new', counts[DestinationState.New] ?? 0);
  stat('num_servers_up', counts[DestinationState.Up] ?? 0);
  stat('num_servers_down', counts[DestinationState.Down] ?? 0);
  stat('num_servers_closed', counts[DestinationState.Closed] ?? 0);
  stat('num_suspect_servers', ctx.tko.suspects().length);
  stat('num_soft_tko_count', ctx.tko.counters.soft);
  stat('num_hard_tko_count', ctx.tko.counters.hard);
  stat('num_client_connections', s.clientConnections);
  stat('ps_rss', process.memoryUsage.rss());
  stat('config_age', Math.floor((now - ctx.configLoadedAt) / 1000));
  stat('config_failures', s.configFailures);
  stat('config_last_attempt', Math.floor((s.configLastAttempt || ctx.configLoadedAt) / 1000));
  stat('config_last_success', Math.floor(ctx.configLoadedAt / 1000));
  stat('config_full_attempt', s.configFullAttempts);
  stat('configs_from_disk', s.configsFromDisk);
  OP_NAMES.forEach((name, op) => {
    stat(`cmd_${name}_count`, s.cmdCounts[op] ?? 0);
  });
}

/** Counters routes keep (mcrouter's detailed/ods stats). */
function routeStats(s: ProxyStats, stat: (name: string, value: string | number) => void): void {
  stat('dev_null_requests', s.devNullRequests);
  stat('asynclog_requests', s.asynclogRequests);
  stat('failover_all', s.failoverAll);
  stat('failover_all_failed', s.failoverAllFailed);
  stat('failover_rate_limited', s.failoverRateLimited);
  stat('shadow_requests_dropped', s.shadowRequestsDropped);
}
