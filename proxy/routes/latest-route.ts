/**
 * LatestRoute: a FailoverRoute over `failover_count` (default 5) of its children, chosen once per
 * host when the config is built (`mcrouter/routes/LatestRoute.cpp`, `mcrouter/routes/`): each pick is a
 * WeightedCh3 hash (with `weights`, default all 1.0) over the children not yet picked, of a key
 * derived from the host id — so different hosts spread over different children, and one host
 * always uses the same ones, in the same order.
 *
 * The key is mcsidecar's: the decimal host id (`--hostid`), then `:<salt>` when `salt` is set,
 * then `:<i>` for the i-th pick after the first. mcrouter hashes folly hashes of its own host id,
 * which is not portable, so the children a given host picks differ from mcrouter's (spec open
 * question 7). All FailoverRoute options apply; `thread_local_failover` is accepted and ignored
 * (one event loop).
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { createHashSelector } from '../hash/hash-selector.js';
import { ConfigError } from '../errors.js';
import { makeFailoverRoute } from './failover-route.js';
import type { RouteHandle } from './route-handle.js';

const schema = z.looseObject({
  children: z.unknown().optional(),
  failover_count: z.int('LatestRoute: failover_count is not an integer').min(0).optional(),
  salt: z.string('LatestRoute: salt is not a string').optional(),
  thread_local_failover: z.boolean('LatestRoute: thread_local_failover is not a boolean').optional(),
  weights: z.array(z.number()).optional(),
});

/**
 * The children LatestRoute fails over between, in order.
 * @param hostId the host id
 * @param count how many to pick (capped at the number of children)
 */
export function latestTargets(
  children: readonly RouteHandle[],
  weights: readonly number[],
  count: number,
  hostId: number,
  salt: string,
): RouteHandle[] {
  const left = [...children];
  const w = [...weights];
  const out: RouteHandle[] = [];
  let key = salt === '' ? String(hostId) : `${hostId}:${salt}`;
  const n = Math.min(count, left.length);
  for (let i = 0; i < n; i++) {
    const sel = createHashSelector({ hashFunc: 'WeightedCh3', n: left.length, weights: w });
    const k = Buffer.from(key, 'latin1');
    const id = sel(k, 0, k.length);
    out.push(left[id] as RouteHandle);
    // mcrouter swaps the pick with the last element and drops it.
    left[id] = left[left.length - 1] as RouteHandle;
    left.pop();
    w[id] = w[w.length - 1] as number;
    w.pop();
    key = `${key}:${i}`;
  }
  return out;
}

/** `LatestRoute`: `{children, failover_count, salt, weights, …FailoverRoute options}`. */
export const buildLatestRoute: RouteBuilder = (factory, json, path) => {
  let children: RouteHandle[];
  let count = 5;
  let salt = '';
  let weights: number[] | undefined;
  if (isObject(json)) {
    const o = parseWith(schema, json, path);
    children = o.children === undefined ? [] : factory.createList(o.children, childPath(path, 'children'));
    count = o.failover_count ?? 5;
    salt = o.salt ?? '';
    weights = o.weights;
  } else {
    children = factory.createList(json ?? '', path);
  }
  const w = (weights ?? []).slice(0, children.length);
  while (w.length < children.length) w.push(weights === undefined ? 1 : 0.5);
  if (w.some((x) => x < 0 || x > 1))
    throw new ConfigError(childPath(path, 'weights'), 'weights must be in [0, 1]');
  const targets = children.length === 0 ? [] : latestTargets(children, w, count, factory.hostId, salt);
  return makeFailoverRoute(factory, targets, json, path);
};
