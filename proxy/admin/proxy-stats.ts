/**
 * Counters the proxy keeps for `stats` (spec §5.2). Plain numbers bumped in the hot path; the
 * text is built only when a client asks.
 */
import { OP_NAMES, type Op } from '../protocol/op.js';

/** See the file comment. */
export class ProxyStats {
  /** Process start, ms since the epoch. */
  readonly startedAt = Date.now();
  /** Requests received by op (`cmd_<op>_count`). */
  readonly cmdCounts = new Float64Array(OP_NAMES.length);
  /** Requests rejected by the parser (malformed, bad key, too large). */
  clientErrors = 0;
  /** Client connections open now, and ever accepted. */
  clientConnections = 0;
  clientConnectionsTotal = 0;
  /** Connections refused (`--max-conns` reached, or shutting down). */
  rejectedConnections = 0;
  /** Failed config (re)loads (`config_failures`). */
  configFailures = 0;
  /** Config (re)load attempts after the first config (`config_full_attempt`). */
  configFullAttempts = 0;
  /** Last reload attempt, successful or not, ms since the epoch; 0 = none yet. */
  configLastAttempt = 0;
  /** Configs loaded from the `--config-dump-root` backup (`configs_from_disk`). */
  configsFromDisk = 0;
  /** Requests answered by DevNullRoute (`dev_null_requests`, spec §2.1). */
  devNullRequests = 0;
  /** Deletes spooled to the asynclog (`asynclog_requests`, spec §2.2). */
  asynclogRequests = 0;
  /** Requests FailoverRoute sent to a failover child (`failover_all`, spec §2.3.4). */
  failoverAll = 0;
  /** Failovers where every child tried answered an error (`failover_all_failed`). */
  failoverAllFailed = 0;
  /** Failovers refused by `failover_limit` (`failover_rate_limited`). */
  failoverRateLimited = 0;
  /** Shadow requests not sent because the target had `--target-max-shadow-requests` in flight. */
  shadowRequestsDropped = 0;

  /** Counts one incoming request. */
  countRequest(op: Op): void {
    this.cmdCounts[op] = (this.cmdCounts[op] ?? 0) + 1;
  }
}
