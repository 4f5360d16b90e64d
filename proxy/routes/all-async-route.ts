/**
 * AllAsyncRoute: sends the request to every child in the background and answers at once with
 * NullRoute's reply — a miss for gets, NOT_STORED for updates, NOT_FOUND for the rest
 * (`mcrouter/lib/routes/AllAsyncRoute.h`, `mcrouter/lib/routes/AllSyncRoute.h`). Unlike the other collection routes it
 * keeps its wrapper with one child (the reply is still NullRoute's).
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { DISCARD_SINK, traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** See the file comment. */
export class AllAsyncRoute implements RouteHandle {
  readonly name = 'all-async';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    for (const child of this.children) child.route(req, DISCARD_SINK);
    sink.onReply(McReply.defaultFor(req.op));
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

/** `AllAsyncRoute`: `{children}` or `AllAsyncRoute|<children>`; 0 children → NullRoute. */
export const buildAllAsyncRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new AllAsyncRoute(c), true);
};
