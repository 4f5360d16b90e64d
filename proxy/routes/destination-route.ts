/**
 * DestinationRoute: the leaf that sends a request to one server of a pool
 * (`mcrouter/routes/DestinationRoute.h`). It strips the `/region/cluster/` routing prefix from the
 * key unless the pool says `keep_routing_prefix` (spec §1.3).
 */
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { Destination } from '../destination/destination.js';
import type { RouteHandle } from './route-handle.js';

/** See the file comment. */
export class DestinationRoute implements RouteHandle {
  readonly name: string;

  /**
   * @param destination the shared connection to the server
   * @param poolName pool this server belongs to (for names and stats)
   * @param index position of the server in the pool
   * @param keepRoutingPrefix send the key with its routing prefix
   */
  constructor(
    readonly destination: Destination,
    readonly poolName: string,
    readonly index: number,
    readonly keepRoutingPrefix: boolean,
  ) {
    const s = destination.settings;
    this.name =
      `host|pool=${poolName}|id=${index}|ap=${s.address.hostPort}:ascii:plain:notcompressed` +
      `|timeout=${s.timeoutMs}ms|keep_routing_prefix=${keepRoutingPrefix}`;
  }

  route(req: McRequest, sink: ReplySink): void {
    this.destination.send(req, sink, this.keepRoutingPrefix ? 0 : req.routingPrefixLength);
  }

  traverse(): void {
    /* leaf */
  }
}
