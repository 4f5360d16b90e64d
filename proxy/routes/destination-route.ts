/**
 * DestinationRoute: the leaf that sends a request to one server of a pool
 * (`mcrouter/routes/DestinationRoute.h`). It strips the `/region/cluster/` routing prefix from the
 * key unless the pool says `keep_routing_prefix` (`mcrouter/routes/McRouteHandleProvider.cpp`).
 *
 * Under a PoolRoute with asynclog on (`mcrouter/routes/McRouteHandleProvider-inl.h`), a delete whose reply is a failover error
 * (`mcrouter/lib/McResUtil.h`: connect errors, timeouts, TKO, SERVER_ERROR, …) is spooled to the asynclog and the
 * client sees `NOT_FOUND`, as mcrouter's `DestinationRoute::route(McDeleteRequest)`. Shadow copies
 * (`McRequest.noAsynclog`) are never spooled.
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { isFailoverErrorResult } from '../protocol/result.js';
import type { Destination } from '../destination/destination.js';
import type { AsyncLogSink } from '../asynclog/async-log.js';
import type { RouteHandle } from './route-handle.js';

/** Where a destination spools failed deletes, and under which name. */
export interface AsynclogTarget {
  readonly sink: AsyncLogSink;
  /** The asynclog name (PoolRoute `asynclog_name`, `name`, or the pool name). */
  readonly name: string;
}

/** Watches one delete's reply: failover errors are spooled and answered NOT_FOUND. */
class AsynclogDeleteSink implements ReplySink {
  constructor(
    private readonly route: DestinationRoute,
    private readonly req: McRequest,
    private readonly keyStart: number,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    if (!isFailoverErrorResult(reply.result)) {
      this.sink.onReply(reply);
      return;
    }
    const target = this.route.asynclog as AsynclogTarget;
    const a = this.route.destination.settings.address;
    target.sink.spool(
      a.path !== null ? `unix:${a.path}` : a.host,
      a.port,
      this.req.key.subarray(this.keyStart),
      target.name,
    );
    this.sink.onReply(McReply.NOT_FOUND);
  }
}

/** See the file comment. */
export class DestinationRoute implements RouteHandle {
  readonly name: string;

  /**
   * @param destination the shared connection to the server
   * @param poolName pool this server belongs to (for names and stats)
   * @param index position of the server in the pool
   * @param keepRoutingPrefix send the key with its routing prefix
   * @param asynclog where failed deletes are spooled, or null (no asynclog)
   * @param failureDomain the pool's `failure_domains` entry for this server; 0 = none
   */
  constructor(
    readonly destination: Destination,
    readonly poolName: string,
    readonly index: number,
    readonly keepRoutingPrefix: boolean,
    readonly asynclog: AsynclogTarget | null = null,
    readonly failureDomain = 0,
  ) {
    const s = destination.settings;
    this.name =
      `host|pool=${poolName}|id=${index}|ap=${s.address.hostPort}:ascii:plain:notcompressed` +
      `|timeout=${s.timeoutMs}ms|keep_routing_prefix=${keepRoutingPrefix}`;
  }

  /** The same destination with deletes spooled to `asynclog` (a new handle; this one is unchanged). */
  withAsynclog(asynclog: AsynclogTarget): DestinationRoute {
    return new DestinationRoute(
      this.destination,
      this.poolName,
      this.index,
      this.keepRoutingPrefix,
      asynclog,
      this.failureDomain,
    );
  }

  route(req: McRequest, sink: ReplySink): void {
    const keyStart = this.keepRoutingPrefix ? 0 : req.routingPrefixLength;
    if (this.asynclog !== null && req.op === Op.Delete && !req.noAsynclog) {
      this.destination.send(req, new AsynclogDeleteSink(this, req, keyStart, sink), keyStart);
      return;
    }
    this.destination.send(req, sink, keyStart);
  }

  traverse(): void {
    /* leaf */
  }
}
