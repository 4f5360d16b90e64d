/**
 * ModifyExptimeRoute: changes the exptime of requests that carry one before passing them to
 * `target` (`mcrouter/routes/ModifyExptimeRoute.h`, `mcrouter/routes/McRouteHandleProvider.cpp`).
 *
 * `{"target": route, "exptime": seconds, "action": "set" | "min"}`: `set` (the default) replaces
 * the exptime; `min` keeps the smaller of the two, where 0 means "never expires" (so 0 becomes
 * `exptime`, and a negative exptime stays). Applies to set, add, replace, append, prepend, cas,
 * touch, gat and gats; deletes, gets and incr/decr pass unchanged.
 */
import { z } from 'zod';
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { setsExptime } from '../protocol/op.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** The two actions. */
export type ExptimeAction = 'set' | 'min';

/** See the file comment. */
export class ModifyExptimeRoute implements RouteHandle {
  readonly name: string;

  /**
   * @param target where requests go
   * @param exptime seconds (relative or absolute, as memcached reads them)
   * @param action `set` or `min` (`min` with 0 is refused by the builder)
   */
  constructor(
    readonly target: RouteHandle,
    readonly exptime: number,
    readonly action: ExptimeAction,
  ) {
    this.name = `modify-exptime|${action}|exptime=${exptime}`;
  }

  route(req: McRequest, sink: ReplySink): void {
    this.target.route(this.adjust(req), sink);
  }

  private adjust(req: McRequest): McRequest {
    if (!setsExptime(req.op)) return req;
    if (this.action === 'set') return req.exptime === this.exptime ? req : req.withExptime(this.exptime);
    if (req.exptime === 0 || req.exptime > this.exptime) return req.withExptime(this.exptime);
    return req;
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.target, req, visit, depth);
  }
}

const schema = z.looseObject({
  target: z.unknown().refine((v) => v !== undefined, 'ModifyExptimeRoute: no target'),
  exptime: z.int('ModifyExptimeRoute: exptime is not an integer'),
  action: z.enum(['set', 'min'], 'ModifyExptimeRoute: action must be "set" or "min"').optional(),
});

/** `ModifyExptimeRoute`: `{target, exptime, action}`. */
export const buildModifyExptimeRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const action = o.action ?? 'set';
  if (action === 'min' && o.exptime === 0) {
    throw new ConfigError(childPath(path, 'exptime'), 'ModifyExptimeRoute: exptime 0 with action "min"');
  }
  return new ModifyExptimeRoute(factory.create(o.target, childPath(path, 'target')), o.exptime, action);
};
