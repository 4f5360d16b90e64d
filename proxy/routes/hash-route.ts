/**
 * HashRoute: sends each request to one child chosen by hashing the routing key (the key without
 * its routing prefix, up to a `|#|` hash stop) — Ch3 by default (`mcrouter/routes/HashRouteFactory.h`,
 * `mcrouter/routes/HashRouteFactory.h`, `mcrouter/`). With 0 children the factory builds an ErrorRoute, with 1 the child itself.
 */
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { z } from 'zod';
import { createHashSelector, type HashSelector } from '../hash/hash-selector.js';
import { ConfigError } from '../errors.js';
import { RouteFactory, type RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { NULL_ROUTE } from './null-route.js';
import { makeLoadBalancerRoute } from './load-balancer-route.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** See the file comment. */
export class HashRoute implements RouteHandle {
  readonly name: string;

  /**
   * @param children the candidates, in config order
   * @param select maps routing-key bytes to an index in [0, children.length)
   * @param hashName hash function name for `route_handles` (e.g. `Ch3`)
   * @param salt salt appended to the routing key, '' for none
   */
  constructor(
    readonly children: readonly RouteHandle[],
    private readonly select: HashSelector,
    hashName: string,
    salt: string,
  ) {
    this.name = `selection|hash|${hashName}${salt !== '' ? `|salt=${salt}` : ''}`;
  }

  /** Index of the child `req` hashes to. */
  pickIndex(req: McRequest): number {
    return this.select(req.key, req.routingKeyStart, req.routingKeyEnd);
  }

  /** The child `req` hashes to. */
  pick(req: McRequest): RouteHandle {
    return this.children[this.pickIndex(req)] ?? (this.children[0] as RouteHandle);
  }

  route(req: McRequest, sink: ReplySink): void {
    this.pick(req).route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.pick(req), req, visit, depth);
  }
}

/** Hash options shared by HashRoute and PoolRoute's `hash`. */
export interface HashOptions {
  readonly hashFunc?: string | undefined;
  readonly salt?: string | undefined;
  readonly weights?: readonly number[] | null | undefined;
  /** The JSON object the options came from (`hash_func: "LoadBalancer"` reads its own keys there). */
  readonly json?: unknown;
  /** JSON path of `json` (default: the route's path). */
  readonly jsonPath?: string | undefined;
}

/**
 * Builds the hashing step over `children`: ErrorRoute `HashRoute with empty children, name: <name>`
 * (or NullRoute when `errorOnEmpty` is false) for none, the child itself for one, else a HashRoute.
 * @throws ConfigError at `path` for an unknown hash function or bad weights
 */
export function makeHashRoute(
  children: readonly RouteHandle[],
  opts: HashOptions,
  name: string,
  errorOnEmpty: boolean,
  path: string,
): RouteHandle {
  if (children.length === 0) return errorOnEmpty ? RouteFactory.emptyPoolRoute(name) : NULL_ROUTE;
  if (children.length === 1) return children[0] as RouteHandle;
  const weights = opts.weights ?? undefined;
  const hashFunc = opts.hashFunc ?? 'Ch3';
  if (hashFunc === 'LoadBalancer') return makeLoadBalancerRoute(children, opts.json, opts.jsonPath ?? path);
  let select: HashSelector;
  try {
    select = createHashSelector({
      hashFunc,
      n: children.length,
      ...(opts.salt !== undefined ? { salt: opts.salt } : {}),
      ...(weights !== undefined ? { weights } : {}),
    });
  } catch (err) {
    throw new ConfigError(path, (err as Error).message);
  }
  return new HashRoute(children, select, hashFunc, opts.salt ?? '');
}

const hashRouteSchema = z.looseObject({
  children: z.unknown(),
  hash_func: z.string().optional(),
  salt: z.string().optional(),
  weights: z.array(z.number()).optional(),
  error_on_empty: z.boolean().optional(),
  name: z.string().optional(),
});

/** `HashRoute` config: `{children, hash_func, salt, weights}` or `HashRoute|<children>`. */
export const buildHashRoute: RouteBuilder = (factory, json, path) => {
  if (typeof json === 'string' || Array.isArray(json)) {
    return makeHashRoute(
      factory.createList(json, path),
      {},
      typeof json === 'string' ? json : 'HashRoute',
      true,
      path,
    );
  }
  const o = parseWith(hashRouteSchema, json, path);
  const children = factory.createList(o.children, childPath(path, 'children'));
  const opts: HashOptions = { hashFunc: o.hash_func, salt: o.salt, weights: o.weights, json };
  return makeHashRoute(children, opts, o.name ?? '', o.error_on_empty ?? true, path);
};
