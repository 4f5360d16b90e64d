/**
 * RootRoute: the top of every config's route tree. It picks the route(s) for a key's routing
 * prefix (`mcrouter/routes/RootRoute.h`, `RouteHandleMap-inl.h`, spec §1.6):
 * - no prefix → the default route (`-R/--route-prefix`, default `/././`);
 * - `/r/c/` naming an alias → that alias' route;
 * - a prefix with `*` (`/*\/*\/`, `/r/*\/`, globs) → every matching alias, default first; the
 *   first target's reply is returned, the others run in the background;
 * - nothing matches → `SERVER_ERROR RootRoute: No rh found`, or the default route with
 *   `--send-invalid-route-to-default`.
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Result } from '../protocol/result.js';
import { DISCARD_SINK, traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

const NO_RH = McReply.error(Result.LocalError, 'RootRoute: No rh found');

/** One `routes` entry: a routing prefix and its route. */
export interface RouteAlias {
  readonly prefix: string;
  readonly route: RouteHandle;
}

/** See the file comment. */
export class RootRoute implements RouteHandle {
  readonly name = 'root';
  private readonly byPrefix = new Map<string, RouteHandle>();
  private readonly ordered: RouteAlias[];

  /**
   * @param aliases every (prefix, route) pair; one prefix must be `defaultPrefix`
   * @param defaultPrefix the default routing prefix (`-R`)
   * @param sendInvalidRouteToDefault route unknown prefixes to the default route
   * @throws Error when no alias equals the default prefix
   */
  constructor(
    aliases: readonly RouteAlias[],
    readonly defaultPrefix: string,
    private readonly sendInvalidRouteToDefault: boolean,
  ) {
    for (const a of aliases) if (!this.byPrefix.has(a.prefix)) this.byPrefix.set(a.prefix, a.route);
    const def = this.byPrefix.get(defaultPrefix);
    if (def === undefined) throw new Error(`invalid default route: ${defaultPrefix}`);
    this.defaultRoute = def;
    // Default first, then config order: the order multi-target requests go out in.
    this.ordered = [
      { prefix: defaultPrefix, route: def },
      ...aliases.filter((a) => a.prefix !== defaultPrefix),
    ];
  }

  /** The route for keys without a routing prefix. */
  readonly defaultRoute: RouteHandle;

  /** The routes a request goes to (first one answers); empty when none matches. */
  targets(req: McRequest): readonly RouteHandle[] {
    const p = req.routingPrefixLength;
    if (p === 0) return [this.defaultRoute];
    const prefix = req.key.toString('latin1', 0, p);
    const exact = this.byPrefix.get(prefix);
    if (exact !== undefined) return [exact];
    if (prefix.includes('*')) {
      const re = globToRegExp(prefix);
      const out: RouteHandle[] = [];
      for (const a of this.ordered) if (re.test(a.prefix) && !out.includes(a.route)) out.push(a.route);
      if (out.length > 0) return out;
    }
    return this.sendInvalidRouteToDefault ? [this.defaultRoute] : [];
  }

  route(req: McRequest, sink: ReplySink): void {
    if (req.routingPrefixLength === 0) {
      this.defaultRoute.route(req, sink);
      return;
    }
    const targets = this.targets(req);
    const first = targets[0];
    if (first === undefined) {
      sink.onReply(NO_RH);
      return;
    }
    first.route(req, sink);
    for (let i = 1; i < targets.length; i++) targets[i]?.route(req, DISCARD_SINK);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.targets(req), req, visit, depth);
  }
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters inside one segment (`/r/*\/` → every cluster of r). */
function globToRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
    re = new RegExp(`^${body}$`);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}
