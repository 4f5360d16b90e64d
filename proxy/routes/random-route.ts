/**
 * RandomRoute: sends each request to one child picked uniformly at random
 * (`mcrouter/lib/routes/RandomRoute.h`, `mcrouter/routes/`).
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class RandomRoute implements RouteHandle {
  readonly name = 'random';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const i = Math.floor(Math.random() * this.children.length);
    (this.children[i] as RouteHandle).route(req, sink);
  }

  /** Any child may be picked, so a dry run visits them all. */
  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

/** `RandomRoute`: `{children}` or `RandomRoute|<children>`; 0 children → NullRoute, 1 → the child. */
export const buildRandomRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new RandomRoute(c));
};
