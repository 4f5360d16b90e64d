/**
 * AllFastestRoute: sends the request to every child at once and answers with the first reply
 * that is not a failover error (`mcrouter/lib/McResUtil.h`); if every child fails, with the last reply to arrive.
 * The other requests finish in the background (`mcrouter/lib/routes/AllFastestRoute.h`,
 * `mcrouter/lib/routes/AllSyncRoute.h`). A fast NOT_FOUND beats a slower hit; CLIENT_ERROR is returned at once.
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isFailoverErrorResult, type Result } from '../protocol/result.js';
import { FirstReplyState } from './first-reply-state.js';
import type { RouteBuilder } from '../config/route-factory.js';
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

/** `AllFastestRoute`: 0 children → NullRoute, 1 → the child, else AllFastestRoute. */
export const buildAllFastestRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new AllFastestRoute(c));
};
