/**
 * PoolRoute: hashes each request to one server of a pool (`makePoolRoute` in
 * `mcrouter/routes/McRouteHandleProvider-inl.h`). `"PoolRoute|A"` or
 * `{"type": "PoolRoute", "pool": "A" | {inline pool}, "hash": "Ch3" | {hash_func, salt, weights},
 * "shadows": [...], "rates": {...}, "shard_splits": {...}, "split_shard_fanout": n, "asynclog": bool,
 * "asynclog_name": "...", "name": "...", "slow_warmup": {...}}`. mcrouter's other PoolRoute keys (
 * `max_outstanding`, `bucketize`, `distribution_enabled`, `useBucketHashSelector`, `pool_id`) are
 * config errors naming their path.
 *
 * Built inside out, as mcrouter: the pool's servers (`Pool|A`), each with deletes spooled to the
 * asynclog (unless `asynclog: false` or `--asynclog-disable`; the asynclog name is
 * `asynclog_name`, else `name`, else the pool name); then `slow_warmup` (SlowWarmUpRoute per
 * server); then `shadows` per server index; then the
 * hash (WeightedCh3 when the pool has `weights`, unless `hash` says otherwise); then `rates`
 * (RateLimitRoute); then `shard_splits` (ShardSplitRoute).
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith, rejectUnsupported } from '../config/schema.js';
import { DestinationRoute } from './destination-route.js';
import { makeHashRoute, type HashOptions } from './hash-route.js';
import { RateLimitRoute, parseRates } from './rate-limit-route.js';
import { makeShadowRoutes } from './shadow-route.js';
import { ShardSplitRoute, parseShardSplits } from './shard-split-route.js';
import { wrapSlowWarmUp } from './slow-warm-up-route.js';
import type { RouteHandle } from './route-handle.js';

const hashSchema = z.union([
  z.string(),
  z.looseObject({
    hash_func: z.string().optional(),
    salt: z.string().optional(),
    weights: z.array(z.number()).optional(),
  }),
]);

const poolRouteSchema = z.looseObject({
  pool: z.unknown().refine((v) => v !== undefined, 'PoolRoute: pool not found'),
  hash: hashSchema.optional(),
  rates: z.unknown().optional(),
  asynclog: z.boolean('asynclog is not a boolean').optional(),
  asynclog_name: z.string('asynclog_name is not a string').optional(),
  name: z.string().optional(),
  shard_splits: z.unknown().optional(),
  split_shard_fanout: z.int('ShardSplitRoute "split_shard_fanout" is not integer').min(0).optional(),
  slow_warmup: z.unknown().optional(),
});

/** mcrouter PoolRoute keys not implemented here, with the values that change nothing. */
const UNSUPPORTED = {
  max_outstanding: [0],
  bucketize: [false],
  distribution_enabled: [false],
  useBucketHashSelector: [false],
  pool_id: [],
};

/** See the file comment. */
export const buildPoolRoute: RouteBuilder = (factory, json, path) => {
  let poolRef: unknown = json;
  let o: z.output<typeof poolRouteSchema> | null = null;
  let poolPath = path;
  if (typeof json !== 'string') {
    o = parseWith(poolRouteSchema, json, path);
    rejectUnsupported(o, UNSUPPORTED, path);
    poolRef = o.pool;
    poolPath = childPath(path, 'pool');
  }
  const pool = factory.pool(poolRef, poolPath);
  let destinations: RouteHandle[] = [...pool.destinationRoutes];
  const asyncLog = factory.asyncLog;
  if (asyncLog !== null && o?.asynclog !== false) {
    const name = o?.asynclog_name ?? o?.name ?? pool.name;
    destinations = destinations.map((d) =>
      d instanceof DestinationRoute ? d.withAsynclog({ sink: asyncLog, name }) : d,
    );
  }
  if (o?.slow_warmup !== undefined)
    destinations = wrapSlowWarmUp(factory, o.slow_warmup, destinations, childPath(path, 'slow_warmup'));
  if (o !== null && typeof json === 'object' && json !== null) {
    destinations = makeShadowRoutes(factory, json as Record<string, unknown>, destinations, path);
  }
  // A pool with weights hashes with WeightedCh3 unless `hash` says otherwise (`mcrouter/routes/McRouteHandleProvider-inl.h` step 3).
  const hash = o?.hash;
  let opts: HashOptions = { hashFunc: pool.weights !== null ? 'WeightedCh3' : 'Ch3', weights: pool.weights };
  if (typeof hash === 'string') opts = { ...opts, hashFunc: hash };
  else if (hash !== undefined) {
    opts = {
      hashFunc: hash.hash_func ?? opts.hashFunc,
      salt: hash.salt,
      weights: hash.weights ?? pool.weights,
      json: hash,
      jsonPath: childPath(path, 'hash'),
    };
  }
  let route = makeHashRoute(destinations, opts, pool.name, pool.errorOnEmpty, path);
  if (o?.rates !== undefined)
    route = new RateLimitRoute(route, parseRates(o.rates, childPath(path, 'rates')));
  if (o?.shard_splits !== undefined) {
    const splits = parseShardSplits(o.shard_splits, childPath(path, 'shard_splits'));
    route = new ShardSplitRoute(route, splits, factory.hostId);
  }
  return route;
};
