/**
 * ShadowRoute: sends each request to its normal route and, for the keys a `shadows` entry selects
 * (`shadow-settings.ts`), a copy to the shadow target in the background; the normal reply is
 * returned and shadow replies are ignored (`mcrouter/routes/ShadowRoute.h`).
 *
 * Two ways to configure it, both mcrouter's:
 * - PoolRoute `shadows` (and `shadow_policy`): each server of the pool whose index is in an
 *   entry's `index_range` is wrapped;
 * - `{"type": "ShadowRoute", "children": ..., "shadows": [...]}`: the children, each wrapped the
 *   same way by its position — like `Pool|A`, this is a list of routes (e.g. a HashRoute's
 *   children).
 *
 * Shadow copies are never spooled to the asynclog. At most `--target-max-shadow-requests` (1000)
 * shadow requests per shadow entry are in flight; more are dropped (counted). Invalid entries are
 * logged and skipped; `shadow_policy` must be `default`.
 */
import { z } from 'zod';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import type { RouteBuilder, RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { log } from '../logger.js';
import { appliesToIndex, parseShadowSettings, shouldShadow, type ShadowSettings } from './shadow-settings.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** A shadow entry: its target and the number of its requests in flight. */
export class ShadowTarget {
  inflight = 0;

  constructor(
    readonly route: RouteHandle,
    readonly settings: ShadowSettings,
    readonly maxInflight: number,
  ) {}
}

class ShadowSink implements ReplySink {
  constructor(private readonly target: ShadowTarget) {}

  onReply(_reply: McReply): void {
    this.target.inflight--;
  }
}

/** See the file comment. */
export class ShadowRoute implements RouteHandle {
  readonly name = 'shadow';

  constructor(
    readonly normal: RouteHandle,
    readonly shadows: readonly ShadowTarget[],
    private readonly stats: ProxyStats,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    let copy: McRequest | null = null;
    for (const t of this.shadows) {
      if (!shouldShadow(t.settings, req)) continue;
      if (t.inflight >= t.maxInflight) {
        this.stats.shadowRequestsDropped++;
        continue;
      }
      copy ??= req.asShadow();
      t.inflight++;
      t.route.route(copy, new ShadowSink(t));
    }
    this.normal.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.normal, req, visit, depth);
    for (const t of this.shadows) if (shouldShadow(t.settings, req)) traverseOne(t.route, req, visit, depth);
  }
}

/**
 * Wraps `children` by index with the `shadows` of `json` (mcrouter's `makeShadowRoutes`);
 * returns `children` unchanged when there are none.
 * @throws ConfigError for a `shadow_policy` other than `default`
 */
export function makeShadowRoutes(
  factory: RouteFactory,
  json: Record<string, unknown>,
  children: readonly RouteHandle[],
  path: string,
): RouteHandle[] {
  const policy = json.shadow_policy;
  if (policy !== undefined && policy !== 'default') {
    throw new ConfigError(
      childPath(path, 'shadow_policy'),
      `ShadowRoute: unknown shadow_policy ${JSON.stringify(policy)}`,
    );
  }
  const shadowsPath = childPath(path, 'shadows');
  const jshadows = json.shadows;
  if (jshadows === undefined) return [...children];
  if (!Array.isArray(jshadows)) {
    log.warn({ path: shadowsPath }, 'ShadowRoute: shadows specified in route is not an array; ignored');
    return [...children];
  }
  const max = factory.options.targetMaxShadowRequests ?? 1000;
  const targets: ShadowTarget[] = [];
  jshadows.forEach((entry: unknown, i) => {
    const p = childPath(shadowsPath, i);
    try {
      if (!isObject(entry)) throw new ConfigError('', 'shadow is not an object');
      if (entry.target === undefined) throw new ConfigError('', 'no target for shadow');
      const settings = parseShadowSettings(entry, factory.options.runtimeVars ?? null);
      targets.push(new ShadowTarget(factory.create(entry.target, childPath(p, 'target')), settings, max));
    } catch (err) {
      log.warn({ path: p, reason: (err as Error).message }, 'Can not create shadow; ignored');
    }
  });
  return children.map((child, i) => {
    const mine = targets.filter((t) => appliesToIndex(t.settings, i));
    return mine.length === 0 ? child : new ShadowRoute(child, mine, factory.stats);
  });
}

const schema = z.looseObject({
  children: z.unknown().refine((v) => v !== undefined, 'ShadowRoute: children not found'),
});

/** `ShadowRoute`: `{children, shadows, shadow_policy}` → one route per child. */
export const buildShadowRoute: RouteBuilder = (factory, json, path) => {
  if (!isObject(json)) throw new ConfigError(path, 'ShadowRoute should be an object');
  const o = parseWith(schema, json, path);
  const children = factory.createList(o.children, childPath(path, 'children'));
  return makeShadowRoutes(factory, json, children, path);
};
