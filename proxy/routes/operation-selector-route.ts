/**
 * OperationSelectorRoute: picks a child by operation — the `operation_policies` entry for the
 * request's op, else `default_policy`, else an UNKNOWN reply
 * (`SERVER_ERROR unexpected result mc_res_unknown (0) for <op>`)
 * (`mcrouter/routes/OperationSelectorRoute.h`).
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { z } from 'zod';
import { CARBON_OP_NAMES, OP_NAMES, opFromName, type Op } from '../protocol/op.js';
import { ConfigError } from '../errors.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** See the file comment. */
export class OperationSelectorRoute implements RouteHandle {
  readonly name: string = 'operation-selector';

  /**
   * @param byOp policy per `Op` value (null → default)
   * @param defaultPolicy route for ops without a policy, or null
   */
  constructor(
    private readonly byOp: readonly (RouteHandle | null)[],
    readonly defaultPolicy: RouteHandle | null,
  ) {}

  /** The child for `op`, or null when neither a policy nor a default exists. */
  select(op: Op): RouteHandle | null {
    return this.byOp[op] ?? this.defaultPolicy;
  }

  route(req: McRequest, sink: ReplySink): void {
    const child = this.select(req.op);
    if (child === null) sink.onReply(McReply.UNKNOWN);
    else child.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    const child = this.select(req.op);
    if (child !== null) traverseOne(child, req, visit, depth);
  }
}

const schema = z.looseObject({
  default_policy: z.unknown().optional(),
  operation_policies: z
    .record(z.string(), z.unknown(), 'expected an object: operation name → route')
    .optional(),
});

/**
 * `OperationSelectorRoute` (alias `PrefixPolicyRoute`): `{default_policy, operation_policies}`.
 * A non-object value is built as a plain route; with only `default_policy` the route is that
 * child. Unknown operation names are errors, listing the valid ones.
 */
export const buildOperationSelectorRoute: RouteBuilder = (factory, json, path) => {
  if (!isObject(json)) return factory.create(json, path);
  const o = parseWith(schema, json, path);
  const defaultPolicy = factory.createOptional(o.default_policy, childPath(path, 'default_policy'));
  if (o.operation_policies === undefined) {
    if (defaultPolicy === null) {
      throw new ConfigError(path, 'OperationSelectorRoute needs "default_policy" or "operation_policies"');
    }
    return defaultPolicy;
  }
  const byOp: (RouteHandle | null)[] = new Array<RouteHandle | null>(OP_NAMES.length).fill(null);
  const policiesPath = childPath(path, 'operation_policies');
  for (const [name, value] of Object.entries(o.operation_policies)) {
    const p = childPath(policiesPath, name);
    if (!CARBON_OP_NAMES.includes(name)) {
      throw new ConfigError(p, `Unknown operation: ${name}, valid operations: ${CARBON_OP_NAMES.join(', ')}`);
    }
    const handle = factory.createOptional(value, p);
    const op = opFromName(name);
    if (op !== undefined) byOp[op] = handle;
  }
  return new OperationSelectorRoute(byOp, defaultPolicy);
};
