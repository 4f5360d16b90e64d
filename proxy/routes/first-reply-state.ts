/**
 * Collects the replies of one request sent to several children at once and answers with the
 * first reply `accept` takes, else the last one to arrive. AllFastestRoute accepts anything but a
 * failover error (`mcrouter/lib/routes/AllSyncRoute.h`); KeySplitRoute's `first_hit` accepts a hit (`mcrouter/routes/`).
 */
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { Result } from '../protocol/result.js';

/** See the file comment. One per request; `accept` is a module-level function, not a closure. */
export class FirstReplyState implements ReplySink {
  private done = false;

  /**
   * @param sink where the chosen reply goes, exactly once
   * @param remaining how many replies will arrive
   * @param accept whether a reply with this result is the answer
   */
  constructor(
    private readonly sink: ReplySink,
    private remaining: number,
    private readonly accept: (result: Result) => boolean,
  ) {}

  onReply(reply: McReply): void {
    this.remaining--;
    if (this.done) return;
    if (this.remaining === 0 || this.accept(reply.result)) {
      this.done = true;
      this.sink.onReply(reply);
    }
  }
}
