/**
 * A latency histogram cheap enough for the request path: one counter per power-of-two bucket of
 * microseconds, a sum and a count, in plain numbers. Recording is a `Math.clz32` and two additions
 * (no allocation, no native call, no clock read of its own); the buckets are turned into
 * Prometheus `_bucket{le=...}` series only when the metrics endpoint is scraped
 * (`admin/metrics.ts`).
 *
 * Bucket `i` (1 ≤ i < BUCKETS − 1) counts latencies in [2^(i−1), 2^i) µs, bucket 0 those below
 * 1 µs, and the last bucket everything from 2^(BUCKETS−2) µs (≈ 33.5 s) up. Counts are exact;
 * the resolution is a factor of two, like an HDR histogram with one significant bit.
 */

/** Number of buckets: below 1 µs, [1, 2), [2, 4), …, [2^24, 2^25) µs, and ≥ 2^25 µs. */
export const LATENCY_BUCKETS = 27;

/** Upper bound (exclusive) of bucket `i`, in µs; Infinity for the last one. */
export function bucketUpperBoundUs(i: number): number {
  return i >= LATENCY_BUCKETS - 1 ? Infinity : 2 ** i;
}

/** See the file comment. */
export class LatencyHistogram {
  /** Samples per bucket (see the file comment for the bounds). */
  readonly counts = new Float64Array(LATENCY_BUCKETS);
  /** Sum of every sample, µs. */
  sumUs = 0;
  /** Number of samples. */
  count = 0;

  /**
   * Records one latency.
   * @param us the latency in microseconds (≥ 0; fractions allowed)
   */
  record(us: number): void {
    // clz32 truncates to an unsigned 32-bit integer: 0 for us < 1, so bucket 0.
    let b = us < 4294967296 ? 32 - Math.clz32(us) : LATENCY_BUCKETS;
    if (b >= LATENCY_BUCKETS) b = LATENCY_BUCKETS - 1;
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    this.sumUs += us;
    this.count++;
  }
}
