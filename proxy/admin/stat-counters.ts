/**
 * The cumulative counters behind mcrouter's `_count` stats and their rates (`mcrouter/stats.cpp`,
 * `mcrouter/stat_list.h`), computed from what the proxy counts anyway: requests by op
 * (`ProxyStats.cmdCounts`), client replies by op and result (`ProxyStats.replyCounts`) and
 * destination replies by result (`DestinationMap.totals()`).
 *
 * - `request_sent`: requests routed plus admin gets answered; `request_replied`: replies written
 *   to clients (a multi-get counts one per key); `request_error` / `final_result_error`: those
 *   that were errors; `request_success`: the rest.
 * - `result_<kind>`: replies from (or on behalf of) servers: every reply a destination produced,
 *   including the fast-fail replies of a TKO server (`result_tko`) and `busy` refusals. This proxy
 *   does not tell failover and shadow requests apart, so `result_<kind>_all` equals
 *   `result_<kind>`.
 */
import { OP_NAMES } from '../protocol/op.js';
import { Result, isErrorResult } from '../protocol/result.js';
import type { DestinationTotals } from '../destination/destination-map.js';
import { RESULT_SLOTS, type ProxyStats } from './proxy-stats.js';

/** `result_<kind>` stats: the name's kind and the results it counts (`null` = every error). */
export const RESULT_KINDS: readonly { readonly kind: string; readonly results: readonly Result[] | null }[] =
  [
    { kind: 'error', results: null },
    { kind: 'connect_error', results: [Result.ConnectError] },
    { kind: 'connect_timeout', results: [Result.ConnectTimeout] },
    { kind: 'data_timeout', results: [Result.Timeout] },
    { kind: 'busy', results: [Result.Busy] },
    { kind: 'tko', results: [Result.Tko] },
    { kind: 'client_error', results: [Result.ClientError] },
    { kind: 'local_error', results: [Result.LocalError] },
    { kind: 'remote_error', results: [Result.RemoteError] },
  ];

/** Whether each result value is an error (`isErrorResult`), by value. */
const IS_ERROR: readonly boolean[] = Array.from({ length: RESULT_SLOTS }, (_, r) =>
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- r is a Result value
  isErrorResult(r as Result),
);

/** Index of each counter in the vector `cumulativeCounters` fills. */
export const Counter = {
  /** `cmd_<op>`: OP_NAMES.length entries from here, by op. */
  cmd: 0,
  requestSent: OP_NAMES.length,
  requestError: OP_NAMES.length + 1,
  requestSuccess: OP_NAMES.length + 2,
  requestReplied: OP_NAMES.length + 3,
  finalResultError: OP_NAMES.length + 4,
  /** `result_<kind>`: RESULT_KINDS.length entries from here. */
  result: OP_NAMES.length + 5,
} as const;

/** Length of the counter vector. */
export const COUNTER_COUNT = Counter.result + RESULT_KINDS.length;

/**
 * Fills `out` (length `COUNTER_COUNT`) with the current cumulative values.
 * @param totals destination counters (`DestinationMap.totals()`)
 */
export function cumulativeCounters(stats: ProxyStats, totals: DestinationTotals, out: Float64Array): void {
  let sent = 0;
  for (let op = 0; op < OP_NAMES.length; op++) {
    const n = stats.cmdCounts[op] ?? 0;
    out[Counter.cmd + op] = n;
    sent += n;
  }
  let replied = 0;
  let errors = 0;
  const replies = stats.replyCounts;
  for (let i = 0; i < replies.length; i++) {
    const n = replies[i] ?? 0;
    if (n === 0) continue;
    replied += n;
    if (IS_ERROR[i % RESULT_SLOTS] === true) errors += n;
  }
  out[Counter.requestSent] = sent + stats.adminRequests;
  out[Counter.requestError] = errors;
  out[Counter.requestSuccess] = replied - errors;
  out[Counter.requestReplied] = replied;
  out[Counter.finalResultError] = errors;
  RESULT_KINDS.forEach(({ results }, k) => {
    let n = 0;
    if (results === null) {
      for (let r = 0; r < totals.results.length; r++) if (IS_ERROR[r] === true) n += totals.results[r] ?? 0;
    } else {
      for (const r of results) n += totals.results[r] ?? 0;
    }
    out[Counter.result + k] = n;
  });
}
