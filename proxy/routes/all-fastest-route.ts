/**
 * AllFastestRoute: sends the request to every child at once and answers with the first reply
 * that is not a failover error (`mcrouter/lib/McResUtil.h`); if every child fails, with the last reply to arrive.
 * The other requests finish in the background (`mcrouter/lib/routes/AllFastestRoute.h`,
 * `mcrouter/lib/routes/AllSyncRoute.h`). A fast NOT_FOUND beats a slower hit; CLIENT_ERROR is returned at once.
 */
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isFailoverErrorResult, type Result } from '../protocol/result.js';
import { FirstReplyState } from './first-reply-state.js';
import { z } from 'zod';
import type { RouteBuilder, RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { NULL_ROUTE } from './null-route.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** AllFastestRoute's answer: the first reply that is not a failover error. */
function notFailoverError(result: Result): boolean {
  return !isFailoverErrorResult(result);
}

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class AllFastestRoute implements RouteHandle {
  readonly name = 'all-fastest';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const state = new FirstReplyState(sink, this.children.length, notFailoverError);
    for (const child of this.children) child.route(req, state);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

const schema = z.looseObject({ children: z.unknown() });

/**
 * Collection-route children: `Type|<children>` short form or `{"children": ...}`.
 * @throws ConfigError
 */
export function collectionChildren(factory: RouteFactory, json: unknown, path: string): RouteHandle[] {
  if (typeof json === 'string' || Array.isArray(json)) return factory.createList(json, path);
  const o = parseWith(schema, json, path);
  return factory.createList(o.children, childPath(path, 'children'));
}

/** `AllFastestRoute`: 0 children → NullRoute, 1 → the child, else AllFastestRoute. */
export const buildAllFastestRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  if (children.length === 0) return NULL_ROUTE;
  if (children.length === 1) return children[0] as RouteHandle;
  return new AllFastestRoute(children);
};
