/**
 * RootRoute: the top of every config's route tree. It picks the route(s) for a key's routing
 * prefix (`mcrouter/routes/RootRoute.h`, `RouteHandleMap-inl.h`, `RoutePolicyMap-inl.h`,
 * `mcrouter/routes/RootRoute.h`):
 * - no prefix → the default route (`-R/--route-prefix`, default `/././`);
 * - `/r/c/` naming an alias → that alias' route; else `/r/fallback/` when configured;
 * - `/*\/*\/` → every alias' route, default first;
 * - `/r/*\/` → every alias of region r (default first when it is in r);
 * - other `*` patterns (a `*` matches within one segment) → every matching alias, default first;
 * - a PrefixSelectorRoute alias contributes the route its policies pick for the routing key (or
 *   nothing); the same route reached through several aliases is used once;
 * - several targets: the first target's reply is returned, the others run in the background;
 * - nothing → `SERVER_ERROR RootRoute: No rh found`, or the default route's pick with
 *   `--send-invalid-route-to-default`.
 *
 * Reply post-processing (`RootOptions`, mcrouter's RootRoute `routeImpl`): errors reach the client
 * by default, as mcrouter since April 2025; with `--miss-on-get-errors` (mcrouter's old default)
 * an error reply to a get-like request becomes a miss, with `--miss-on-arith-errors` an error reply
 * to incr/decr becomes NOT_FOUND (a request with no route still gets `No rh found`); with
 * `--group-remote-errors` any remaining error becomes a bare REMOTE_ERROR
 * (`SERVER_ERROR remote error`); with `--allow-only-gets` everything but get-like requests gets
 * NullRoute's reply without being routed.
 */
import { ConfigError } from '../errors.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isArithmetic, isGetLike } from '../protocol/op.js';
import { Result, isErrorResult } from '../protocol/result.js';
import { NO_ROUTE_REPLY, PrefixSelectorRoute } from './prefix-selector-route.js';
import { DISCARD_SINK, traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** One `routes` entry: a routing prefix and its route (possibly a PrefixSelectorRoute). */
export interface RouteAlias {
  readonly prefix: string;
  readonly route: RouteHandle;
}

const NONE: readonly RouteHandle[] = [];

/** RootRoute's reply post-processing (see the file comment). All off by default. */
export interface RootOptions {
  readonly missOnGetErrors?: boolean;
  readonly missOnArithErrors?: boolean;
  readonly groupRemoteErrors?: boolean;
  readonly allowOnlyGets?: boolean;
}

const REMOTE_ERROR = McReply.error(Result.RemoteError);

/** Applies the post-processing to the reply of a routed request. */
class RootSink implements ReplySink {
  constructor(
    private readonly opts: RootOptions,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    let r = reply;
    if (isErrorResult(r.result)) {
      const op = this.req.op;
      if (
        (this.opts.missOnGetErrors === true && isGetLike(op)) ||
        (this.opts.missOnArithErrors === true && isArithmetic(op))
      ) {
        r = McReply.defaultFor(op);
      } else if (this.opts.groupRemoteErrors === true) {
        r = REMOTE_ERROR;
      }
    }
    this.sink.onReply(r);
  }
}

/** The route an alias contributes for `req`, or null. */
function pick(route: RouteHandle, req: McRequest): RouteHandle | null {
  return route instanceof PrefixSelectorRoute ? route.select(req) : route;
}

function region(prefix: string): string {
  return prefix.slice(1, prefix.indexOf('/', 1));
}

/** mcrouter's `match_pattern_route`: `*` matches any run of characters without a `/`. */
export function matchPatternRoute(pattern: string, route: string): boolean {
  return matchFrom(pattern, 0, route, 0);
}

function matchFrom(p: string, pi: number, r: string, ri: number): boolean {
  while (pi < p.length && ri <= r.length) {
    if (p[pi] === '*') {
      while (pi < p.length && p[pi] === '*') pi++;
      if (pi === p.length) return !r.includes('/', ri);
      if (p[pi] === '/') {
        const slash = r.indexOf('/', ri);
        if (slash < 0) return false;
        ri = slash;
        continue;
      }
      for (; ri < r.length && r[ri] !== '/'; ri++) if (matchFrom(p, pi, r, ri)) return true;
      return false;
    }
    if (ri >= r.length || p[pi] !== r[ri]) return false;
    pi++;
    ri++;
  }
  return pi === p.length && ri === r.length;
}

/** See the file comment. */
export class RootRoute implements RouteHandle {
  readonly name = 'root';
  private readonly byPrefix = new Map<string, RouteHandle[]>();
  /** Every alias' route: default first, then config order. */
  private readonly all: RouteHandle[];
  private readonly byRegion = new Map<string, RouteHandle[]>();
  /** (prefix, route) pairs, default first, for glob matching. */
  private readonly ordered: RouteAlias[];
  private readonly defaultTargets: RouteHandle[];
  /** True when some post-processing option is on. */
  private readonly post: boolean;

  /**
   * @param aliases every (prefix, route) pair; one prefix must be `defaultPrefix`
   * @param defaultPrefix the default routing prefix (`-R`)
   * @param sendInvalidRouteToDefault route unknown prefixes to the default route
   * @param options reply post-processing (mcrouter's miss-on-get-errors & co.)
   * @throws ConfigError `invalid default route: <prefix>` when no alias equals the default prefix
   */
  constructor(
    aliases: readonly RouteAlias[],
    readonly defaultPrefix: string,
    private readonly sendInvalidRouteToDefault: boolean,
    private readonly options: RootOptions = {},
  ) {
    this.post =
      options.missOnGetErrors === true ||
      options.missOnArithErrors === true ||
      options.groupRemoteErrors === true ||
      options.allowOnlyGets === true;
    // A prefix listed twice takes its last route, as mcrouter's `routeSelectors[alias] = ...`.
    const byPrefix = new Map<string, RouteHandle>();
    for (const a of aliases) byPrefix.set(a.prefix, a.route);
    const def = byPrefix.get(defaultPrefix);
    if (def === undefined) throw new ConfigError('', `invalid default route: ${defaultPrefix}`);
    this.defaultRoute = def;
    this.ordered = [{ prefix: defaultPrefix, route: def }];
    for (const [prefix, route] of byPrefix)
      if (prefix !== defaultPrefix) this.ordered.push({ prefix, route });
    this.all = [];
    for (const a of this.ordered) {
      this.byPrefix.set(a.prefix, [a.route]);
      if (!this.all.includes(a.route)) this.all.push(a.route);
      const r = region(a.prefix);
      let inRegion = this.byRegion.get(r);
      if (inRegion === undefined) this.byRegion.set(r, (inRegion = []));
      if (!inRegion.includes(a.route)) inRegion.push(a.route);
    }
    this.defaultTargets = [def];
    this.defaultIsSelector = def instanceof PrefixSelectorRoute;
  }

  /** The default alias is a PrefixSelectorRoute (it picks per key, so no direct path). */
  private readonly defaultIsSelector: boolean;

  /**
   * The route for keys without a routing prefix (the default alias' route; a
   * PrefixSelectorRoute answers `No rh found` itself when it has nothing for a key).
   */
  readonly defaultRoute: RouteHandle;

  /** The candidate routes for the routing prefix of `req` (before PrefixSelector picks). */
  private candidates(req: McRequest): readonly RouteHandle[] {
    const p = req.routingPrefixLength;
    if (p === 0) return this.defaultTargets;
    const prefix = req.key.toString('latin1', 0, p);
    if (prefix === '/*/*/') return this.all;
    const star = prefix.indexOf('*');
    if (star < 0) {
      const exact = this.byPrefix.get(prefix);
      if (exact !== undefined) return exact;
      return this.byPrefix.get(`/${region(prefix)}/fallback/`) ?? NONE;
    }
    if (star === prefix.length - 2 && prefix.endsWith('/*/') && prefix.indexOf('/', 1) === star - 1) {
      return this.byRegion.get(region(prefix)) ?? NONE;
    }
    const out: RouteHandle[] = [];
    for (const a of this.ordered) {
      if (matchPatternRoute(prefix, a.prefix) && !out.includes(a.route)) out.push(a.route);
    }
    return out;
  }

  /** The routes a request goes to (first one answers); empty when none matches. */
  targets(req: McRequest): readonly RouteHandle[] {
    let out = select(this.candidates(req), req);
    if (out.length === 0 && this.sendInvalidRouteToDefault) out = select(this.defaultTargets, req);
    return out;
  }

  route(req: McRequest, sink: ReplySink): void {
    const op = req.op;
    const o = this.options;
    if (o.allowOnlyGets === true && !isGetLike(op)) {
      sink.onReply(McReply.defaultFor(op));
      return;
    }
    // Wrap the sink only when its reply may be rewritten (one allocation, for gets by default).
    const rewrite =
      this.post &&
      (o.groupRemoteErrors === true ||
        (o.missOnGetErrors === true && isGetLike(op)) ||
        (o.missOnArithErrors === true && isArithmetic(op)));
    const s = rewrite ? new RootSink(o, req, sink) : sink;
    if (req.routingPrefixLength === 0 && !this.defaultIsSelector) {
      this.defaultRoute.route(req, s);
      return;
    }
    this.routeTo(this.targets(req), req, s, sink);
  }

  /** Routes to `targets` (first answers into `sink`); no target: `No rh found` into `raw`. */
  private routeTo(targets: readonly RouteHandle[], req: McRequest, sink: ReplySink, raw: ReplySink): void {
    const first = targets[0];
    if (first === undefined) {
      raw.onReply(NO_ROUTE_REPLY);
      return;
    }
    for (let i = 1; i < targets.length; i++) (targets[i] as RouteHandle).route(req, DISCARD_SINK);
    first.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.targets(req), req, visit, depth);
  }
}

/** The routes `candidates` pick for `req`, without duplicates. */
function select(candidates: readonly RouteHandle[], req: McRequest): readonly RouteHandle[] {
  if (candidates.length === 1) {
    const r = pick(candidates[0] as RouteHandle, req);
    return r === null ? NONE : r === candidates[0] ? candidates : [r];
  }
  const out: RouteHandle[] = [];
  for (const c of candidates) {
    const r = pick(c, req);
    if (r !== null && !out.includes(r)) out.push(r);
  }
  return out;
}
