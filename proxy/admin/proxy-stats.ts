/**
 * Counters the proxy keeps for `stats` (`mcrouter/stats.cpp`) and the metrics endpoint. Plain numbers bumped
 * in the hot path; the text is built only when a client asks.
 */
import { FAILOVER_STAT_NAMES } from '../routes/failover-stats.js';
import { OP_NAMES, Op, isGetLike, isUpdateLike } from '../protocol/op.js';

/** Replies are counted per (op, result) at `op * RESULT_SLOTS + result`. */
export const RESULT_SLOTS = 64;

/** mcrouter's duration smoothing window (`ExponentialSmoothData<64>` in `ProxyStats`). */
const DURATION_WINDOW = 64;

/** See the file comment. */
export class ProxyStats {
  /** Process start, ms since the epoch. */
  readonly startedAt = Date.now();
  /** Requests received by op (`cmd_<op>_count`); admin gets are not counted, as in mcrouter. */
  readonly cmdCounts = new Float64Array(OP_NAMES.length);
  /**
   * Replies written to clients (and noreply completions) by op and result, at
   * `op * RESULT_SLOTS + result` (`request_replied`, `request_error`, metrics).
   */
  readonly replyCounts = new Float64Array(OP_NAMES.length * RESULT_SLOTS);
  /**
   * Time from a request's arrival to its reply's write, µs, smoothed over 64 requests as
   * mcrouter's `duration_us`; and the same for get-like and update-like requests. NaN until the
   * first sample.
   */
  durationUs = NaN;
  durationGetUs = NaN;
  durationUpdateUs = NaN;
  /** Admin requests answered (`get __mcrouter__.*`): in `request_sent`, not in `cmd_get_count`. */
  adminRequests = 0;
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
  /** Requests answered by DevNullRoute (`dev_null_requests`, `mcrouter/routes/McRouteHandleProvider.cpp`). */
  devNullRequests = 0;
  /** Deletes spooled to the asynclog (`asynclog_requests`, `mcrouter/routes/McRouteHandleProvider-inl.h`). */
  asynclogRequests = 0;
  /** Spooled deletes written to the spool (`asynclog_spool_success`, `mcrouter/stat_list.h`). */
  asynclogSpoolSuccess = 0;
  /** Spooled deletes dropped at `--asynclog-max-bytes` (`asynclog_spool_dropped`). */
  asynclogSpoolDropped = 0;
  /** Requests FailoverRoute sent to a failover child (`failover_all`, `mcrouter/routes/FailoverRoute.h`). */
  failoverAll = 0;
  /** Failovers where every child tried answered an error (`failover_all_failed`). */
  failoverAllFailed = 0;
  /** FailoverRoute's policy counters, by `FailoverStat` (`routes/failover-stats.ts`). */
  readonly failoverPolicy = new Float64Array(FAILOVER_STAT_NAMES.length);
  /** Failovers refused by `failover_limit` (`failover_rate_limited`). */
  failoverRateLimited = 0;
  /** Shadow requests not sent because the target had `--target-max-shadow-requests` in flight. */
  shadowRequestsDropped = 0;

  /** Counts one incoming request. */
  countRequest(op: Op): void {
    this.cmdCounts[op] = (this.cmdCounts[op] ?? 0) + 1;
  }

  /**
   * Counts one reply and, when `durationMs` ≥ 0, samples the request's duration.
   * @param durationMs time from the request's arrival to its reply, ms; negative = not measured
   */
  countReply(op: Op, result: number, durationMs: number): void {
    const i = op * RESULT_SLOTS + result;
    this.replyCounts[i] = (this.replyCounts[i] ?? 0) + 1;
    if (durationMs < 0) return;
    const us = durationMs * 1000;
    this.durationUs = smooth(this.durationUs, us);
    if (isGetLike(op)) this.durationGetUs = smooth(this.durationGetUs, us);
    else if (isUpdateLike(op)) this.durationUpdateUs = smooth(this.durationUpdateUs, us);
  }
}

/** mcrouter's `ExponentialSmoothData<64>::insertSample`: the first sample is taken as it is. */
function smooth(avg: number, sample: number): number {
  return avg === avg ? (sample + (DURATION_WINDOW - 1) * avg) / DURATION_WINDOW : sample;
}
