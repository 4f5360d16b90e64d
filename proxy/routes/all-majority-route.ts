/**
 * AllMajorityRoute: sends the request to every child at once and counts replies by result. A
 * reply becomes the candidate when its result's count exceeds the candidate's, or equals it and
 * the reply is worse (`resultSeverity`); the route answers as soon as some result reaches
 * floor(n/2) + 1 replies, or with the candidate once all replies are in
 * (`mcrouter/lib/routes/AllMajorityRoute.h`, `mcrouter/lib/routes/AllSyncRoute.h`). Errors count like any other result,
 * so two REMOTE_ERRORs beat one NOT_FOUND, and a 2–2 tie goes to the worse result.
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { resultSeverity } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

class AllMajorityState implements ReplySink {
  private readonly counts = new Uint8Array(64);
  private candidate: McReply;
  private candidateCount = 0;
  private done = false;

  constructor(
    private readonly sink: ReplySink,
    private remaining: number,
    private readonly majority: number,
    req: McRequest,
  ) {
    this.candidate = McReply.defaultFor(req.op);
  }

  onReply(reply: McReply): void {
    this.remaining--;
    if (this.done) return;
    const r = reply.result;
    const c = (this.counts[r] ?? 0) + 1;
    this.counts[r] = c;
    if (
      c > this.candidateCount ||
      (c === this.candidateCount && resultSeverity(r) > resultSeverity(this.candidate.result))
    ) {
      this.candidate = reply;
      this.candidateCount = c;
    }
    if (this.candidateCount >= this.majority || this.remaining === 0) {
      this.done = true;
      this.sink.onReply(this.candidate);
    }
  }
}

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class AllMajorityRoute implements RouteHandle {
  readonly name = 'all-majority';

  constructor(readonly children: readonly RouteHandle[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const n = this.children.length;
    const state = new AllMajorityState(sink, n, (n >> 1) + 1, req);
    for (const child of this.children) child.route(req, state);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

/** `AllMajorityRoute`: `{children}` or `AllMajorityRoute|<children>`; 0 children → NullRoute, 1 → the child. */
export const buildAllMajorityRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => new AllMajorityRoute(c));
};
