/**
 * RoutingGroupRoute: picks a child by the request's routing group
 * (`mcrouter/routes/RoutingGroupRoute.h`, `mcrouter/routes/RoutingGroupRoute-inl.h`, groups from
 * `mcrouter/lib/carbon/RoutingGroups.h` and `mcrouter/lib/network/gen/MemcacheRoutingGroups.h`):
 *
 * - `get_like`: get, gets, gat, gats;
 * - `update_like`: set, add, replace, append, prepend, cas;
 * - `delete_like`: delete;
 * - `arithmetic_like`: incr, decr.
 *
 * A request whose group has no policy (and touch, flush_all, version, which are in no group) goes
 * to `default_policy`; with neither, the reply is UNKNOWN
 * (`SERVER_ERROR unexpected result mc_res_unknown (0) for <op>`), as OperationSelectorRoute's.
 * Config: `{default_policy, routing_group_policies: {<group>: route}}`, one of them at least; a
 * non-object value is built as a plain route; with only `default_policy` the route is that child.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { OP_NAMES, isArithmetic, isDeleteLike, isGetLike, isUpdateLike, type Op } from '../protocol/op.js';
import { OperationSelectorRoute } from './operation-selector-route.js';
import type { RouteHandle } from './route-handle.js';

/** The routing groups, by their config name, with the ops each holds. */
const GROUPS: ReadonlyMap<string, (op: Op) => boolean> = new Map([
  ['get_like', isGetLike],
  ['update_like', isUpdateLike],
  ['delete_like', isDeleteLike],
  ['arithmetic_like', isArithmetic],
]);

/** See the file comment: an OperationSelectorRoute whose per-op table comes from the groups. */
export class RoutingGroupRoute extends OperationSelectorRoute {
  override readonly name = 'routing-group';
}

const schema = z.looseObject({
  default_policy: z.unknown().optional(),
  routing_group_policies: z
    .record(z.string(), z.unknown(), 'RoutingGroupRoute: routing_group_policies is not an object')
    .optional(),
});

/** `RoutingGroupRoute`. @throws ConfigError for an unknown group name, naming the valid ones */
export const buildRoutingGroupRoute: RouteBuilder = (factory, json, path) => {
  if (!isObject(json)) return factory.create(json, path);
  const o = parseWith(schema, json, path);
  if (o.default_policy === undefined && o.routing_group_policies === undefined) {
    throw new ConfigError(
      path,
      "RoutingGroupRoute needs either 'default_policy' or 'routing_group_policies'",
    );
  }
  const defaultPath = childPath(path, 'default_policy');
  if (o.routing_group_policies === undefined) return factory.create(o.default_policy, defaultPath);
  const defaultPolicy = factory.createOptional(o.default_policy, defaultPath);
  const byOp: (RouteHandle | null)[] = new Array<RouteHandle | null>(OP_NAMES.length).fill(null);
  const policiesPath = childPath(path, 'routing_group_policies');
  for (const [group, value] of Object.entries(o.routing_group_policies)) {
    const p = childPath(policiesPath, group);
    const member = GROUPS.get(group);
    if (member === undefined) {
      throw new ConfigError(
        p,
        `RoutingGroupRoute: ${group} is not a valid routing group (${[...GROUPS.keys()].join(', ')})`,
      );
    }
    const handle = factory.createOptional(value, p);
    OP_NAMES.forEach((_, op: Op) => {
      if (member(op)) byOp[op] = handle;
    });
  }
  return new RoutingGroupRoute(byOp, defaultPolicy);
};
