/**
 * AllSyncRoute: sends the request to every child at once, waits for all replies and answers with
 * the worst one by mcrouter's severity order (`resultSeverity`, `mcrouter/lib/routes/AllSyncRoute.h`); among equally bad
 * replies the first to arrive wins (`mcrouter/lib/routes/AllSyncRoute.h`). mcrouter's quirk is
 * kept: TOUCHED ranks above every error, so a touch answers TOUCHED if any child touched.
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { resultSeverity } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

export class AllSyncState implements ReplySink {
  private worst: McReply | null = null;

  constructor(
    private readonly sink: ReplySink,
    private remaining: number,
  ) {}

  onReply(reply: McReply): void {
    const worst = this.worst;
    if (worst === null || resultSeverity(reply.result) > resultSeverity(worst.result)) this.worst = reply;
    if (--this.remaining === 0) this.sink.onReply(this.worst as McReply);
  }
}

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class AllSyncRoute implements RouteHandle {
  readonly name = 'all-sync';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const state = new AllSyncState(sink, this.children.length);
    for (const child of this.children) child.route(req, state);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

/** `AllSyncRoute`: `{children}` or `AllSyncRoute|<children>`; 0 children → NullRoute, 1 → the child. */
export const buildAllSyncRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new AllSyncRoute(c));
};
