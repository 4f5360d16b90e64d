/**
 * FlushAllRoute: `flush_all` goes to every destination of the current config at once and answers
 * with the worst reply (`AllSyncState`, mcrouter's AllSync rule), OK when there is none — as
 * mcrouter's `McFlushAllRequest` fan-out to every server of every pool.
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import type { Destination } from '../destination/destination.js';
import { AllSyncState } from './all-sync-route.js';

/** Where the current destinations come from (the config snapshot swaps on reload). */
export interface DestinationSource {
  readonly destinations: ReadonlySet<Destination>;
}

/** See the file comment. */
export class FlushAllRoute {
  readonly name = 'flush-all';

  constructor(private readonly source: () => DestinationSource) {}

  route(req: McRequest, sink: ReplySink): void {
    const targets = this.source().destinations;
    if (targets.size === 0) {
      sink.onReply(McReply.OK);
      return;
    }
    const state = new AllSyncState(sink, targets.size);
    for (const d of [...targets]) d.send(req, state, 0);
  }
}
