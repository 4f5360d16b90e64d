/**
 * RateLimitRoute: PoolRoute's `rates` (`mcrouter/routes/RateLimitRoute.h`, `RateLimiter.h`,
 * `mcrouter/routes/McRouteHandleProvider-inl.h` step 4). `{"gets_rate": r, "gets_burst": b, "sets_rate": …, "sets_burst": …,
 * "deletes_rate": …, "deletes_burst": …}`: per group, a token bucket refilled at `rate` requests
 * per second holding at most `burst` (default: the rate), full at start. A request over its
 * group's limit is not sent and gets NullRoute's reply (a miss, NOT_STORED, NOT_FOUND); groups
 * without a rate, and other operations (touch, incr, …), are not limited.
 */
import { z } from 'zod';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isDeleteLike, isGetLike, isUpdateLike } from '../protocol/op.js';
import { parseWith } from '../config/schema.js';
import { TokenBucket } from './token-bucket.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

const rate = z.number('expected a number').positive('must be positive');
const schema = z.looseObject(
  {
    gets_rate: rate.optional(),
    gets_burst: rate.optional(),
    sets_rate: rate.optional(),
    sets_burst: rate.optional(),
    deletes_rate: rate.optional(),
    deletes_burst: rate.optional(),
  },
  'rates must be an object',
);

/** The three buckets (null = not limited). */
export interface RateLimits {
  readonly gets: TokenBucket | null;
  readonly sets: TokenBucket | null;
  readonly deletes: TokenBucket | null;
}

/**
 * Parses `rates`.
 * @throws ConfigError at `path`
 */
export function parseRates(json: unknown, path: string): RateLimits {
  const o = parseWith(schema, json, path);
  const bucket = (r: number | undefined, b: number | undefined): TokenBucket | null =>
    r === undefined ? null : new TokenBucket(r, b ?? r);
  return {
    gets: bucket(o.gets_rate, o.gets_burst),
    sets: bucket(o.sets_rate, o.sets_burst),
    deletes: bucket(o.deletes_rate, o.deletes_burst),
  };
}

/** See the file comment. */
export class RateLimitRoute implements RouteHandle {
  readonly name = 'rate-limit';

  constructor(
    readonly target: RouteHandle,
    private readonly limits: RateLimits,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    const op = req.op;
    const bucket = isGetLike(op)
      ? this.limits.gets
      : isUpdateLike(op)
        ? this.limits.sets
        : isDeleteLike(op)
          ? this.limits.deletes
          : null;
    if (bucket !== null && !bucket.consume(1, performance.now() / 1000)) {
      sink.onReply(McReply.defaultFor(op));
      return;
    }
    this.target.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.target, req, visit, depth);
  }
}
