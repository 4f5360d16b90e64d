/**
 * NullRoute: answers at once with the default reply, NOT_STORED for update-like requests and
 * NOT_FOUND (a miss) for everything else (`mcrouter/lib/routes/NullRoute.h`, `mcrouter/routes/`).
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { RouteHandle } from './route-handle.js';
import type { RouteBuilder } from '../config/route-factory.js';

/** See the file comment. Stateless; one shared instance is enough. */
export class NullRoute implements RouteHandle {
  readonly name = 'null';

  route(req: McRequest, sink: ReplySink): void {
    sink.onReply(McReply.defaultFor(req.op));
  }

  traverse(): void {
    /* leaf */
  }
}

/** The shared NullRoute. */
export const NULL_ROUTE = new NullRoute();

/** `NullRoute` (any JSON). */
export const buildNullRoute: RouteBuilder = () => NULL_ROUTE;
