/**
 * AllInitialRoute: sends the request to every child at once and answers with the first child's
 * reply; the others finish in the background, their replies ignored
 * (`mcrouter/lib/routes/AllInitialRoute.h`, `mcrouter/lib/routes/AllSyncRoute.h`).
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { DISCARD_SINK, traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class AllInitialRoute implements RouteHandle {
  readonly name = 'all-initial';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const children = this.children;
    for (let i = 1; i < children.length; i++) (children[i] as RouteHandle).route(req, DISCARD_SINK);
    (children[0] as RouteHandle).route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

/** `AllInitialRoute`: `{children}` or `AllInitialRoute|<children>`; 0 children → NullRoute, 1 → the child. */
export const buildAllInitialRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new AllInitialRoute(c));
};
