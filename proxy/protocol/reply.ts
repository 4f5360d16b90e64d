/**
 * A reply as routes pass it around: a carbon result plus the fields the ASCII protocol can carry.
 * The wire text is the reply writer's job (`mcrouter/lib/network/AsciiSerialized.cpp`), not the route's.
 */
import { Op, isUpdateLike } from './op.js';
import { Result } from './result.js';
import { concatPieces } from './ascii.js';

/**
 * One reply. Immutable; the constant replies below are shared singletons. A hit's data is a view of
 * the backend chunk it arrived in, or (`pieces`) a list of views when it spanned chunks: writers
 * send the views as they are, and `value` joins them only for a route that needs one buffer.
 */
export class McReply {
  private joined: Buffer | null;
  /** Bytes of hit data (`value` or `pieces`). */
  readonly valueLength: number;

  /**
   * @param result carbon result
   * @param value hit data (get-like) or the version text (version); null otherwise (and when
   *   `pieces` is given)
   * @param flags client flags of a hit (uint32)
   * @param casHi high 32 bits of the CAS unique of a hit (0 when unknown; see `uint64.ts`)
   * @param casLo low 32 bits of the CAS unique
   * @param message error text (`SERVER_ERROR <message>` / `CLIENT_ERROR <message>`), or null for
   *   the result's fixed text
   * @param numHi high 32 bits of the new counter value (incr/decr)
   * @param numLo low 32 bits of the new counter value
   * @param pieces hit data as consecutive views, instead of `value`
   */
  constructor(
    readonly result: Result,
    value: Buffer | null = null,
    readonly flags = 0,
    readonly casHi = 0,
    readonly casLo = 0,
    readonly message: string | null = null,
    readonly numHi = 0,
    readonly numLo = 0,
    readonly pieces: readonly Buffer[] | null = null,
  ) {
    this.joined = value;
    let n = value?.length ?? 0;
    if (pieces !== null) for (const p of pieces) n += p.length;
    this.valueLength = n;
  }

  /** The hit data (or version text) as one buffer; joins `pieces` on first use. */
  get value(): Buffer | null {
    if (this.joined === null && this.pieces !== null)
      this.joined = concatPieces(this.pieces, this.valueLength);
    return this.joined;
  }

  /** An error reply with an optional message. */
  static error(result: Result, message: string | null = null): McReply {
    return new McReply(result, null, 0, 0, 0, message);
  }

  /** The reply to incr/decr: the new value (uint64 halves). */
  static counter(hi: number, lo: number, casHi = 0, casLo = 0): McReply {
    return new McReply(Result.Stored, null, 0, casHi, casLo, null, hi, lo);
  }

  /** This reply with another CAS unique (the binary protocol reports it on updates). */
  withCas(casHi: number, casLo: number): McReply {
    return new McReply(
      this.result,
      this.joined,
      this.flags,
      casHi,
      casLo,
      this.message,
      this.numHi,
      this.numLo,
      this.joined === null ? this.pieces : null,
    );
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
   * gets) for everything else (`mcrouter/lib/routes/NullRoute.h`, `mcrouter/routes/`).
   */
  static defaultFor(op: Op): McReply {
    return isUpdateLike(op) ? McReply.NOT_STORED : McReply.NOT_FOUND;
  }
}

/**
 * Receives the reply to one routed request. Routes pass handler objects, not closures, so the hot
 * path allocates no function per request (docs/architecture.md: "no per-request closures").
 */
export interface ReplySink {
  /** Called exactly once per routed request, possibly synchronously inside `route()`. */
  onReply(reply: McReply): void;
}
