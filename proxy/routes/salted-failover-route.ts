/**
 * SaltedFailoverRoute (`McRouteHandleProvider<RouterInfo>::create` in
 * `mcrouter/routes/McRouteHandleProvider-inl.h`): a FailoverRoute over one pool, written
 * `{"type": "SaltedFailoverRoute", "pool": "A" | {inline pool}, "hash": {...},
 * "failover_policy": {...}, "shadows": [...], "shadow_policy": "..."}` plus any FailoverRoute
 * option.
 *
 * Its children are, as mcrouter builds them, a PoolRoute over the pool (with the route's `hash`,
 * `shadows` and `shadow_policy`) as the normal route, then every server of the pool (`Pool|A`)
 * as failover children; the route's `hash` is also DeterministicOrderPolicy's hash, so failover
 * picks are salted hashes of the key over the same pool.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { makeFailoverRoute } from './failover-route.js';

const schema = z.looseObject({
  pool: z.unknown().optional(),
  shadows: z.array(z.unknown(), 'shadows must be an array.').optional(),
  shadow_policy: z.string('shadow_policy must be a string.').optional(),
  hash: z.unknown().optional(),
});

/** See the file comment. */
export const buildSaltedFailoverRoute: RouteBuilder = (factory, json, path) => {
  if (!isObject(json)) throw new ConfigError(path, 'SaltedFailoverRoute: expected an object');
  const o = parseWith(schema, json, path);
  const pool = o.pool;
  const poolPath = childPath(path, 'pool');
  if (typeof pool !== 'string' && !isObject(pool)) {
    throw new ConfigError(poolPath, 'pool needs to be either a string or an object');
  }
  const normal: Record<string, unknown> = { type: 'PoolRoute', pool };
  if (o.shadows !== undefined) normal.shadows = o.shadows;
  if (o.shadow_policy !== undefined) normal.shadow_policy = o.shadow_policy;
  if (o.hash !== undefined) normal.hash = o.hash;
  const children = [
    factory.create(normal, path),
    ...factory.createList(typeof pool === 'string' ? `Pool|${pool}` : { ...pool, type: 'Pool' }, poolPath),
  ];
  return makeFailoverRoute(factory, children, json, path);
};
