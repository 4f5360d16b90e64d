/**
 * The `cas_from` step of InvalidateRoute (proxy/routes/invalidate-route.ts): retries a `cas` that
 * central refused with EXISTS when the client's cas unique came from a local copy.
 *
 * A `gets` served by a co-located memcached (WarmUpRoute in the `coherent` template) returns the
 * local copy's cas unique, which central does not know: memcached gives each stored item its own
 * unique (`do_store_item` in `memcached/items.c`), and memcached < 1.6.27 cannot store an item
 * with a given one (meta `E`). Since every acknowledged write through InvalidateRoute deletes every
 * local copy, a local copy that still exists equals central's current value (up to the
 * invalidation delay), so the client's cas is translated:
 *
 * 1. `gets <key>` to the `cas_from` route (the local memcached). A miss, an error or another cas
 *    unique than the client's → the original EXISTS.
 * 2. `gets <key>` to the target (central). Unless it hits with the same value bytes and flags as
 *    the local copy → the original EXISTS.
 * 3. The client's `cas` again, to the target, with central's cas unique. Its reply (STORED, EXISTS,
 *    NOT_FOUND, an error) is the client's; InvalidateRoute invalidates as for any write.
 *
 * A writer that changes the key between the steps makes step 2's comparison or step 3's cas fail:
 * the client gets EXISTS, as from memcached. The limit: a writer that stores the same bytes and
 * flags between the reads (an ABA on the value) is not seen, and the cas succeeds where memcached
 * would answer EXISTS; the value the client's cas replaces is the one it read, so the outcome is
 * the one cas exists to guarantee (docs/coherence.md, "cas through coherent").
 *
 * Only a `cas` whose first attempt answered EXISTS pays for this: three more requests, no copy of
 * any value (the comparison reads the two replies' buffers).
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import type { RouteHandle } from './route-handle.js';

const enum Step {
  Local,
  Central,
  Retry,
}

/** Receives the final reply of a translated cas (InvalidateRoute invalidates on success). */
export interface CasTranslationDone {
  /** Called once with the reply the client gets. */
  finishWrite(req: McRequest, reply: McReply, sink: ReplySink): void;
}

/**
 * Per-request state of one translation; see the file comment. Start it with `start()` after the
 * target answered EXISTS to `req` (a cas).
 */
export class CasTranslation implements ReplySink {
  private step = Step.Local;
  private local: McReply | null = null;

  /**
   * @param casFrom route whose cas uniques the client may hold (the local memcached)
   * @param target route the cas goes to (central)
   * @param req the client's cas request
   * @param exists the target's EXISTS reply to `req`, returned when the translation does not apply
   * @param done receives the final reply, with `sink`
   * @param sink the client's sink
   */
  constructor(
    private readonly casFrom: RouteHandle,
    private readonly target: RouteHandle,
    private readonly req: McRequest,
    private readonly exists: McReply,
    private readonly done: CasTranslationDone,
    private readonly sink: ReplySink,
  ) {}

  /** Step 1: reads the local copy. */
  start(): void {
    this.casFrom.route(new McRequest(Op.Gets, this.req.key), this);
  }

  onReply(reply: McReply): void {
    switch (this.step) {
      case Step.Local:
        if (
          reply.result !== Result.Found ||
          reply.casHi !== this.req.casHi ||
          reply.casLo !== this.req.casLo
        ) {
          this.done.finishWrite(this.req, this.exists, this.sink);
          return;
        }
        this.local = reply;
        this.step = Step.Central;
        this.target.route(new McRequest(Op.Gets, this.req.key), this);
        return;
      case Step.Central:
        if (!sameItem(this.local, reply)) {
          this.done.finishWrite(this.req, this.exists, this.sink);
          return;
        }
        this.local = null;
        this.step = Step.Retry;
        this.target.route(this.req.withCas(reply.casHi, reply.casLo), this);
        return;
      case Step.Retry:
        this.done.finishWrite(this.req, reply, this.sink);
    }
  }
}

/** True when `central` is a hit with the same flags and value bytes as the hit `local`. */
function sameItem(local: McReply | null, central: McReply): boolean {
  if (local === null || central.result !== Result.Found || central.flags !== local.flags) return false;
  const a = local.value;
  const b = central.value;
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
