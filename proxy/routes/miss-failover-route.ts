/**
 * MissFailoverRoute: for gets and deletes, tries the children in order until a hit (FOUND,
 * DELETED, TOUCHED); a miss or an error moves on to the next child
 * (`mcrouter/routes/MissFailoverRoute.h`). When no child hits, the last child's reply
 * is returned — or, with `return_best_on_error: true`, the least severe reply seen, a later reply
 * replacing it unless it is worse (so a miss from a healthy server beats an error from the last).
 * Every other operation goes to the first child only.
 */
import { collectionRoute } from './collection-route.js';
import { z } from 'zod';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isDeleteLike, isGetLike } from '../protocol/op.js';
import { isHitResult, resultSeverity } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { traverseAll, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

class MissFailoverState implements ReplySink {
  private i = 0;
  private best: McReply | null = null;

  constructor(
    private readonly route: MissFailoverRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    if (isHitResult(reply.result)) {
      this.sink.onReply(reply);
      return;
    }
    const best = this.best;
    if (
      best === null ||
      !this.route.returnBestOnError ||
      resultSeverity(reply.result) <= resultSeverity(best.result)
    ) {
      this.best = reply;
    }
    const children = this.route.children;
    if (++this.i >= children.length) {
      this.sink.onReply(this.best as McReply);
      return;
    }
    (children[this.i] as RouteHandle).route(this.req, this);
  }
}

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class MissFailoverRoute implements RouteHandle {
  readonly name = 'miss-failover';

  constructor(
    readonly children: readonly RouteHandle[],
    readonly returnBestOnError: boolean,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    const first = this.children[0] as RouteHandle;
    if (isGetLike(req.op) || isDeleteLike(req.op)) first.route(req, new MissFailoverState(this, req, sink));
    else first.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    if (isGetLike(req.op) || isDeleteLike(req.op)) traverseAll(this.children, req, visit, depth);
    else traverseOne(this.children[0] as RouteHandle, req, visit, depth);
  }
}

const schema = z.looseObject({
  children: z.unknown().optional(),
  return_best_on_error: z.boolean('MissFailoverRoute: return_best_on_error is not a bool').optional(),
});

/** `MissFailoverRoute`: `{children, return_best_on_error}` or `MissFailoverRoute|<children>`. */
export const buildMissFailoverRoute: RouteBuilder = (factory, json, path) => {
  let children: RouteHandle[];
  let best = false;
  if (isObject(json)) {
    const o = parseWith(schema, json, path);
    children = o.children === undefined ? [] : factory.createList(o.children, childPath(path, 'children'));
    best = o.return_best_on_error ?? false;
  } else {
    children = factory.createList(json ?? '', path);
  }
  return collectionRoute(children, (c) => new MissFailoverRoute(c, best));
};
