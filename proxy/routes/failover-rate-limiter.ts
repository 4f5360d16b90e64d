/**
 * FailoverRoute's `failover_limit` (`mcrouter/routes/FailoverRateLimiter.{h,cpp}`, `mcrouter/routes/FailoverRoute.h`):
 * failovers are limited relative to requests, not to time. `{"rate": r, "burst": b}`: every
 * request adds `r` tokens (r clamped to [0, 1]), at most `b` are kept (b ≥ 1, default 1000), and
 * each failover takes one; the bucket starts full. Rate 0.5 lets at most half of all requests
 * fail over, whatever the request rate.
 */
import { z } from 'zod';
import { parseWith } from '../config/schema.js';
import { TokenBucket } from './token-bucket.js';

const schema = z.object(
  {
    rate: z.number('FailoverRateLimiter: rate is not a number'),
    burst: z.number('FailoverRateLimiter: burst is not a number').optional(),
  },
  'FailoverRateLimiter: failover limit is not an object',
);

/** See the file comment. */
export class FailoverRateLimiter {
  private readonly bucket: TokenBucket;
  private totalReqs = 0;

  /**
   * @param rate failovers per request, clamped to [0, 1]
   * @param burst bucket size, at least 1
   */
  constructor(rate: number, burst: number) {
    this.bucket = new TokenBucket(Math.min(Math.max(rate, 0), 1), Math.max(burst, 1));
  }

  /**
   * Parses `failover_limit`.
   * @throws ConfigError at `path`
   */
  static parse(json: unknown, path: string): FailoverRateLimiter {
    const o = parseWith(schema, json, path);
    return new FailoverRateLimiter(o.rate, o.burst ?? 1000);
  }

  /** Counts one request (failed or not). */
  bumpTotalReqs(): void {
    this.totalReqs++;
  }

  /** Takes a token for one failover; false when the limit is reached. */
  failoverAllowed(): boolean {
    return this.bucket.consume(1, this.totalReqs);
  }
}
