/**
 * A reply as routes pass it around: a carbon result plus the fields the ASCII protocol can carry.
 * The wire text is the reply writer's job (spec §7), not the route's.
 */
import { Op, isUpdateLike } from './op.js';
import { Result } from './result.js';

/** One reply. Immutable; the constant replies below are shared singletons. */
export class McReply {
  /**
   * @param result carbon result
   * @param value hit data (get-like), the new value as ASCII digits (incr/decr), or the version
   *   text (version); null otherwise
   * @param flags client flags of a hit (uint32)
   * @param cas CAS unique of a gets/gats hit as ASCII digits, else null
   * @param message error text (`SERVER_ERROR <message>` / `CLIENT_ERROR <message>`), or null for
   *   the result's fixed text
   */
  constructor(
    readonly result: Result,
    readonly value: Buffer | null = null,
    readonly flags = 0,
    readonly cas: Buffer | null = null,
    readonly message: string | null = null,
  ) {}

  /** An error reply with an optional message. */
  static error(result: Result, message: string | null = null): McReply {
    return new McReply(result, null, 0, null, message);
  }

  static readonly STORED = new McReply(Result.Stored);
  static readonly NOT_STORED = new McReply(Result.NotStored);
  static readonly EXISTS = new McReply(Result.Exists);
  static readonly NOT_FOUND = new McReply(Result.NotFound);
  static readonly DELETED = new McReply(Result.Deleted);
  static readonly TOUCHED = new McReply(Result.Touched);
  static readonly OK = new McReply(Result.Ok);
  static readonly UNKNOWN = new McReply(Result.Unknown);

  /**
   * NullRoute's reply for an operation: NOT_STORED for update-like requests, NOT_FOUND (a miss for
   * gets) for everything else (`mcrouter/lib/routes/NullRoute.h`, spec §2.3.8).
   */
  static defaultFor(op: Op): McReply {
    return isUpdateLike(op) ? McReply.NOT_STORED : McReply.NOT_FOUND;
  }
}

/**
 * Receives the reply to one routed request. Routes pass handler objects, not closures, so the hot
 * path allocates no function per request (design: "no per-request closures").
 */
export interface ReplySink {
  /** Called exactly once per routed request, possibly synchronously inside `route()`. */
  onReply(reply: McReply): void;
}
