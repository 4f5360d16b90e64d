/**
 * LoadBalancerRoute (`mcrouter/routes/LoadBalancerRoute.h`): picks one child per request by the
 * children's server load. Written `{"type": "LoadBalancerRoute", "children": [...], "salt": "",
 * "load_ttl_ms": 100, "failover_count": 1, "algorithm": "weighted-hashing" | "two-random-choices"}`,
 * or as a HashRoute / PoolRoute hash: `"hash": {"hash_func": "LoadBalancer", ...}` with the same keys
 * (`mcrouter/routes/HashRouteFactory.h`). No children → NullRoute, one → the child itself.
 *
 * mcrouter weighs each child by 1 − the load its server reports in replies. Only mcrouter's thrift
 * transport carries a server load; memcached's ASCII and meta replies carry none, so every child
 * keeps mcrouter's initial load 0 (weight 1.0) and never expires one (`load_ttl_ms` is accepted and
 * changes nothing). What remains is what an mcrouter user on memcached sees:
 * - `weighted-hashing` (default): WeightedCh3 with every weight 1.0 over the routing key (plus
 *   `salt`); with `failover_count` n > 1 an error reply is retried on up to n − 1 further children,
 *   each pick a WeightedCh3 over the children not tried yet, salted with `salt` + the number of
 *   retries left (mcrouter's order);
 * - `two-random-choices`: two distinct children drawn at random; with equal loads mcrouter sends to
 *   the second draw, i.e. to a uniformly random child. No failover.
 * `enable_thrift_server_load: true` (ask thrift servers for their load) is a config error: there is
 * no thrift transport here.
 */
import { z } from 'zod';
import type { ReplySink, McReply } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isErrorResult } from '../protocol/result.js';
import { createHashSelector, type HashSelector } from '../hash/hash-selector.js';
import { ConfigError } from '../errors.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { collectionRoute } from './collection-route.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** mcrouter's `AlgorithmType` names. */
export const WEIGHTED_HASHING = 'weighted-hashing';
export const TWO_RANDOM_CHOICES = 'two-random-choices';

/** Equal-load WeightedCh3 over `n` children, key + `salt`. */
function equalLoadSelector(n: number, salt: string): HashSelector {
  return createHashSelector({ hashFunc: 'WeightedCh3', n, salt, weights: new Array<number>(n).fill(1) });
}

/** Retries an error reply on the children not tried yet (weighted-hashing, `failover_count` > 1). */
class LoadBalancerFailover implements ReplySink {
  /** Child indexes still untried, in mcrouter's swap-with-last order; built on the first error. */
  private untried: number[] | null = null;

  constructor(
    private readonly route: LoadBalancerRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
    private idx: number,
    private retries: number,
  ) {}

  onReply(reply: McReply): void {
    if (--this.retries <= 0 || !isErrorResult(reply.result)) {
      this.sink.onReply(reply);
      return;
    }
    const route = this.route;
    let untried = this.untried;
    if (untried === null) {
      untried = Array.from(route.children, (_, i) => i);
      this.untried = untried;
    }
    // Remove the child just tried (swap with the last, as mcrouter), then hash over the rest.
    const last = untried.length - 1;
    untried[this.idx] = untried[last] as number;
    untried.pop();
    const req = this.req;
    const select = route.retrySelectors[this.retries] as HashSelector;
    this.idx = select(req.key, req.routingKeyStart, req.routingKeyEnd);
    (route.children[untried[this.idx] as number] as RouteHandle).route(req, this);
  }
}

/** See the file comment. Built with ≥ 2 children. */
export class LoadBalancerRoute implements RouteHandle {
  readonly name: string;
  private readonly select: HashSelector;
  /** Index r: the selector of the retry made with r retries left (over n − (count − r) children). */
  readonly retrySelectors: HashSelector[] = [];

  /**
   * @param children ≥ 2 children, in config order
   * @param salt appended to the routing key before hashing ('' for none)
   * @param failoverCount tries per request (1 = no failover), capped at the number of children
   * @param algorithm `weighted-hashing` or `two-random-choices`
   */
  constructor(
    readonly children: readonly RouteHandle[],
    salt: string,
    readonly failoverCount: number,
    readonly algorithm: string,
  ) {
    const n = children.length;
    this.name = `loadbalancer|${algorithm}`;
    this.failoverCount = Math.max(1, Math.min(failoverCount, n));
    this.select = equalLoadSelector(n, salt);
    for (let r = 1; r < this.failoverCount; r++) {
      this.retrySelectors[r] = equalLoadSelector(n - (this.failoverCount - r), `${salt}${r}`);
    }
  }

  route(req: McRequest, sink: ReplySink): void {
    const children = this.children;
    if (this.algorithm === TWO_RANDOM_CHOICES) {
      // mcrouter's selectTwoRandomChoices with equal loads: the second draw y.
      const n = children.length;
      let y = 1;
      if (n > 2) {
        const x = Math.floor(Math.random() * n);
        y = Math.floor(Math.random() * (n - 1));
        if (x === y) y = n - 1;
      }
      (children[y] as RouteHandle).route(req, sink);
      return;
    }
    const idx = this.select(req.key, req.routingKeyStart, req.routingKeyEnd);
    const child = children[idx] as RouteHandle;
    if (this.failoverCount <= 1) child.route(req, sink);
    else child.route(req, new LoadBalancerFailover(this, req, sink, idx, this.failoverCount));
  }

  /** Any child may be picked (randomly, or by failover), so a dry run visits them all. */
  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

const optionsSchema = z.looseObject({
  salt: z.string('LoadBalancerRoute: salt is not a string').optional(),
  load_ttl_ms: z.int('LoadBalancerRoute: load_ttl_ms is not an integer').optional(),
  failover_count: z.int('LoadBalancerRoute: failover_count is not an integer').optional(),
  algorithm: z.string('LoadBalancerRoute: algorithm is not a string').optional(),
  enable_thrift_server_load: z
    .boolean('LoadBalancerRoute: enable_thrift_server_load is not a bool')
    .optional(),
});

/**
 * A LoadBalancerRoute over `children` with the options in `json` (a LoadBalancerRoute object or a
 * `hash` object with `hash_func: "LoadBalancer"`), as mcrouter's `createLoadBalancerRoute`: no
 * children → NullRoute, one → that child.
 * @throws ConfigError at `path` for a bad option, an unknown algorithm or
 *   `enable_thrift_server_load: true`
 */
export function makeLoadBalancerRoute(
  children: readonly RouteHandle[],
  json: unknown,
  path: string,
): RouteHandle {
  const o = parseWith(optionsSchema, json ?? {}, path);
  const algorithm = o.algorithm ?? WEIGHTED_HASHING;
  if (algorithm !== WEIGHTED_HASHING && algorithm !== TWO_RANDOM_CHOICES) {
    throw new ConfigError(childPath(path, 'algorithm'), `Unknown algorithm: ${algorithm}`);
  }
  if (o.enable_thrift_server_load === true) {
    throw new ConfigError(
      childPath(path, 'enable_thrift_server_load'),
      'server load comes only from mcrouter thrift servers; mcproxy speaks memcached ASCII/meta, whose replies carry no load',
    );
  }
  return collectionRoute(
    children,
    (c) => new LoadBalancerRoute(c, o.salt ?? '', o.failover_count ?? 1, algorithm),
  );
}

const routeSchema = z.looseObject({
  children: z.unknown().refine((v) => v !== undefined, "LoadBalancerRoute: 'children' property is missing"),
});

/** `LoadBalancerRoute`: `{children, salt, load_ttl_ms, failover_count, algorithm}`. */
export const buildLoadBalancerRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(routeSchema, json, path);
  const children = factory.createList(o.children, childPath(path, 'children'));
  return makeLoadBalancerRoute(children, json, path);
};
