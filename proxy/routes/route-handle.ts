/**
 * The route-handle interface every mcrouter route implements here (`mcrouter/routes/`), and small helpers.
 *
 * A route receives a request and a `ReplySink` and calls `sink.onReply` exactly once, now or
 * later. Handler objects instead of promises keep the hot path free of per-request closures and
 * microtask hops; routes with long sequential logic may use `routeAsync` where that path is cold.
 */
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';

/** Called for each handle a request would visit (dry runs: `route_handles`, `route`). */
export type RouteVisitor = (handle: RouteHandle, depth: number) => void;

/** One node of the route tree. */
export interface RouteHandle {
  /** mcrouter's name for this handle, as `__mcrouter__.route_handles` prints it. */
  readonly name: string;
  /** Routes `req`; `sink.onReply` is called exactly once. Must not throw. */
  route(req: McRequest, sink: ReplySink): void;
  /**
   * Dry run: calls `visit(child, depth + 1)` for each child `req` would reach, then recurses into
   * them. Sends nothing.
   */
  traverse(req: McRequest, visit: RouteVisitor, depth: number): void;
}

/** A sink that ignores the reply: for background requests (async fills, shadows, AllAsync). */
export const DISCARD_SINK: ReplySink = {
  onReply(): void {
    /* background request: the reply is not needed */
  },
};

/** Visits every handle in `children` (for routes that send to all of them). */
export function traverseAll(
  children: readonly RouteHandle[],
  req: McRequest,
  visit: RouteVisitor,
  depth: number,
): void {
  for (const child of children) {
    visit(child, depth + 1);
    child.traverse(req, visit, depth + 1);
  }
}

/** Visits one child. */
export function traverseOne(child: RouteHandle, req: McRequest, visit: RouteVisitor, depth: number): void {
  visit(child, depth + 1);
  child.traverse(req, visit, depth + 1);
}

class PromiseSink implements ReplySink {
  constructor(private readonly resolve: (reply: McReply) => void) {}
  onReply(reply: McReply): void {
    this.resolve(reply);
  }
}

/** Routes `req` through `handle` and resolves with the reply. For cold, sequential paths only. */
export function routeAsync(handle: RouteHandle, req: McRequest): Promise<McReply> {
  return new Promise<McReply>((resolve) => {
    handle.route(req, new PromiseSink(resolve));
  });
}
