/**
 * A token bucket with folly's `TokenBucket` arithmetic, used by FailoverRoute's `failover_limit`
 * (time = number of requests seen) and RateLimitRoute (time = seconds). Tokens accrue at `rate`
 * per unit of time up to `burst`; `consume` takes one or refuses. The bucket starts full.
 */

/** See the file comment. */
export class TokenBucket {
  /** The time at which the bucket was (virtually) empty. */
  private zeroTime = Number.NEGATIVE_INFINITY;

  /**
   * @param rate tokens per unit of time; ≤ 0 never grants a token
   * @param burst the bucket's capacity
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  /**
   * Takes `n` tokens at time `now` if the bucket has them.
   * @returns whether the tokens were taken
   */
  consume(n: number, now: number): boolean {
    if (!(this.rate > 0)) return false;
    const tokens = Math.min((now - this.zeroTime) * this.rate, this.burst);
    if (tokens < n) return false;
    this.zeroTime = now - (tokens - n) / this.rate;
    return true;
  }
}
