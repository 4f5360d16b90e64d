/**
 * DevNullRoute: answers like NullRoute (NOT_STORED for updates, a miss / NOT_FOUND otherwise) and
 * counts the request in the `dev_null_requests` stat (`mcrouter/routes/DevNullRoute.h`,
 * `mcrouter/routes/McRouteHandleProvider.cpp`; mcrouter test `TestDevNull`).
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import type { RouteBuilder } from '../config/route-factory.js';
import type { RouteHandle } from './route-handle.js';

/** See the file comment. */
export class DevNullRoute implements RouteHandle {
  readonly name = 'devnull';

  /** @param stats the counters `dev_null_requests` is kept in */
  constructor(private readonly stats: ProxyStats) {}

  route(req: McRequest, sink: ReplySink): void {
    this.stats.devNullRequests++;
    sink.onReply(McReply.defaultFor(req.op));
  }

  traverse(): void {
    /* leaf */
  }
}

/** `DevNullRoute` (any JSON). */
export const buildDevNullRoute: RouteBuilder = (factory) => new DevNullRoute(factory.stats);
