/**
 * PrefixSelectorRoute: picks a route by the longest `policies` prefix of the routing key, else
 * `wildcard` (`mcrouter/routes/PrefixSelectorRoute.{h,cpp}`, `RoutePolicyMap`, `mcrouter/routes/PrefixSelectorRoute.h`). Only
 * valid as the value of `route` or of a `routes` entry — anywhere else it is an unknown type, as
 * in mcrouter. `{"type": "PrefixSelectorRoute", "policies": {"prefix": route, ...},
 * "wildcard": route}` needs at least one of the two. The routing key is the key without its
 * `/region/cluster/` prefix, up to a `|#|` hash stop.
 *
 * When nothing matches and there is no wildcard the request has no route:
 * `SERVER_ERROR RootRoute: No rh found` (or the default route with
 * `--send-invalid-route-to-default`, decided by RootRoute).
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Result } from '../protocol/result.js';
import type { RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** `SERVER_ERROR RootRoute: No rh found`. */
export const NO_ROUTE_REPLY = McReply.error(Result.LocalError, 'RootRoute: No rh found');

/** A byte trie node: children by byte, and the route of the prefix ending here. */
interface TrieNode {
  readonly next: Map<number, TrieNode>;
  route: RouteHandle | null;
}

/** See the file comment. */
export class PrefixSelectorRoute implements RouteHandle {
  readonly name = 'prefix-selector';
  private readonly trie: TrieNode = { next: new Map(), route: null };

  /**
   * @param policies (prefix, route) pairs
   * @param wildcard the route when no prefix matches, or null
   */
  constructor(
    policies: readonly (readonly [string, RouteHandle])[],
    readonly wildcard: RouteHandle | null,
  ) {
    for (const [prefix, route] of policies) {
      let node = this.trie;
      for (const byte of Buffer.from(prefix, 'latin1')) {
        let n = node.next.get(byte);
        if (n === undefined) {
          n = { next: new Map(), route: null };
          node.next.set(byte, n);
        }
        node = n;
      }
      node.route = route;
    }
  }

  /** The route for `req`: the longest matching policy, else the wildcard, else null. */
  select(req: McRequest): RouteHandle | null {
    const key = req.key;
    const end = req.routingKeyEnd;
    let node: TrieNode | undefined = this.trie;
    let best = node.route ?? this.wildcard;
    for (let i = req.routingKeyStart; i < end; i++) {
      node = node.next.get(key[i] as number);
      if (node === undefined) break;
      if (node.route !== null) best = node.route;
    }
    return best;
  }

  route(req: McRequest, sink: ReplySink): void {
    const r = this.select(req);
    if (r === null) sink.onReply(NO_ROUTE_REPLY);
    else r.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    const r = this.select(req);
    if (r !== null) traverseOne(r, req, visit, depth);
  }
}

/**
 * Builds the value of `route` or of a `routes` entry: a PrefixSelectorRoute object, or any other
 * route (which is then simply that route, mcrouter's "wildcard only").
 * @throws ConfigError
 */
export function buildTopLevelRoute(factory: RouteFactory, json: unknown, path: string): RouteHandle {
  if (!isObject(json) || json.type !== 'PrefixSelectorRoute') return factory.create(json, path);
  const policies = json.policies;
  const wildcard = json.wildcard;
  if (policies === undefined && wildcard === undefined) {
    throw new ConfigError(path, 'PrefixSelectorRoute: no policies/wildcard');
  }
  const pairs: [string, RouteHandle][] = [];
  if (policies !== undefined) {
    const pp = childPath(path, 'policies');
    if (!isObject(policies)) throw new ConfigError(pp, 'PrefixSelectorRoute: policies is not an object');
    // mcrouter builds the policies in sorted key order (it matters for named handles).
    for (const prefix of Object.keys(policies).sort()) {
      pairs.push([prefix, factory.create(policies[prefix], childPath(pp, prefix))]);
    }
  }
  const w = wildcard === undefined ? null : factory.create(wildcard, childPath(path, 'wildcard'));
  return new PrefixSelectorRoute(pairs, w);
}
