/**
 * FailoverRoute's policy counters (`mcrouter/routes/FailoverRoute.h`, names from `mcrouter/stat_list.h`):
 * one slot each in `ProxyStats.failoverPolicy`, shown by `stats detailed|ods|all` in this order.
 */

/** Index of each counter in `ProxyStats.failoverPolicy`. */
export const enum FailoverStat {
  /** Error replies (not TKO-like) a FailoverRoute saw from a child it asked to fail over. */
  PolicyResultError = 0,
  /** TKO and hard-TKO replies a FailoverRoute saw. */
  PolicyTkoError = 1,
  /** DeterministicOrderPolicy picks that hit a child already tried (or the normal route's twin). */
  NumCollisions = 2,
  /** DeterministicOrderPolicy picks that hit a failure domain that answered TKO. */
  NumFailedDomainCollisions = 3,
  /** Failovers whose last reply was an error (same events as `failover_all_failed`). */
  AllFailedCount = 4,
}

/** Stat names, by `FailoverStat`. */
export const FAILOVER_STAT_NAMES: readonly string[] = [
  'failover_policy_result_error',
  'failover_policy_tko_error',
  'failover_num_collisions',
  'failover_num_failed_domain_collisions',
  'failover_all_failed_count',
];

/** Adds `by` to counter `stat` of `counters` (a `ProxyStats.failoverPolicy`). */
export function countFailover(counters: Float64Array, stat: FailoverStat, by = 1): void {
  counters[stat] = (counters[stat] ?? 0) + by;
}
