/**
 * PoolRoute: hashes each request to one server of a pool (`makePoolRoute` in
 * `mcrouter/routes/McRouteHandleProvider-inl.h`, spec §2.2). `"PoolRoute|A"` or
 * `{"type": "PoolRoute", "pool": "A" | {inline pool}, "hash": "Ch3" | {hash_func, salt, weights}}`.
 * A pool with `weights` hashes with WeightedCh3 unless `hash` says otherwise.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { makeHashRoute, type HashOptions } from './hash-route.js';

const hashSchema = z.union([
  z.string(),
  z.looseObject({
    hash_func: z.string().optional(),
    salt: z.string().optional(),
    weights: z.array(z.number()).optional(),
  }),
]);

const poolRouteSchema = z.looseObject({
  pool: z.unknown(),
  hash: hashSchema.optional(),
});

/** See the file comment. */
export const buildPoolRoute: RouteBuilder = (factory, json, path) => {
  let poolRef: unknown = json;
  let hash: z.output<typeof hashSchema> | undefined;
  let poolPath = path;
  if (typeof json !== 'string') {
    const o = parseWith(poolRouteSchema, json, path);
    poolRef = o.pool;
    hash = o.hash;
    poolPath = childPath(path, 'pool');
  }
  const pool = factory.pool(poolRef, poolPath);
  // A pool with weights hashes with WeightedCh3 unless `hash` says otherwise (spec §2.2 step 3).
  let opts: HashOptions = { hashFunc: pool.weights !== null ? 'WeightedCh3' : 'Ch3', weights: pool.weights };
  if (typeof hash === 'string') opts = { ...opts, hashFunc: hash };
  else if (hash !== undefined) {
    opts = {
      hashFunc: hash.hash_func ?? opts.hashFunc,
      salt: hash.salt,
      weights: hash.weights ?? pool.weights,
    };
  }
  return makeHashRoute(pool.destinationRoutes, opts, pool.name, pool.errorOnEmpty, path);
};
