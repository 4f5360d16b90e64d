/**
 * The client side of a protocol, chosen per connection: a request parser that feeds a
 * `RequestSink`, and a reply writer that renders neutral `McReply`s for that protocol. The session
 * (`proxy/server/client-session.ts`) only talks to this interface, so ASCII and binary share the
 * reply window, routing, backpressure and stats.
 *
 * memcached picks the protocol from the first byte of a connection (0x80 → binary,
 * `memcached/memcached.c` `try_read_command_negotiate`); `clientCodecFor` does the same.
 */
import type { ByteWriter } from './byte-writer.js';
import type { McReply } from './reply.js';
import type { McRequest } from './request.js';
import type { LocalCommand } from './request-sink.js';

/** A reply in progress that may need more than one routed request (see `RequestSteps`). */
export interface StepState {
  readonly req: McRequest;
  /** 0 for the client's own request; codec-defined after that. */
  step: number;
  /** A reply kept between steps. */
  saved: McReply;
  /** The reply to write once no step follows. */
  reply: McReply;
  /** The reply to the companion request (`RequestSteps.companion`), once it arrived. */
  companionReply: McReply | null;
}

/**
 * Protocol semantics the backends' ASCII cannot express in one request (binary incr with an
 * initial value, the CAS unique of a store). Given the reply to the current step, returns the
 * next request to route for the same client request, or null when `state.reply` is final.
 */
export interface RequestSteps {
  /**
   * A request to route right after the client's own, on the same route (so it reaches the same
   * server in wire order, before any later request of the connection), or null. Its reply is in
   * `state.companionReply` when `next` sees the first reply.
   */
  companion(state: StepState): McRequest | null;
  next(state: StepState, reply: McReply): McRequest | null;
}

/** See the file comment. One instance per connection; writers are shared (see `writer`). */
export interface ClientCodec {
  /** `ascii` or `binary`, for logs and stats. */
  readonly protocol: string;
  /** Parses one chunk from the socket. */
  feed(chunk: Buffer): void;
  /** Stops parsing; later chunks are ignored. */
  close(): void;
  /** True once the parser stopped (quit, a fatal error, close). */
  readonly closed: boolean;
  /**
   * Asks the parser to stop after the request it is emitting (from a `RequestSink` callback); the
   * rest of the chunk waits for `resume()` (`holding` is true meanwhile, and `feed` must wait).
   */
  hold(): void;
  /** True while the parser keeps an unparsed remainder (see `hold`). */
  readonly holding: boolean;
  /** Parses the remainder kept by `hold` (it may hold again). */
  resume(): void;
  /**
   * Bytes of socket chunks the parser keeps alive (a partial request's views pin their whole
   * chunks, a held remainder its chunk), for the memory budget.
   */
  readonly heldBytes: number;
  /**
   * Where replies are composed; shared by every connection of the protocol (flushes are
   * synchronous), so a connection holds no scratch buffer of its own.
   */
  readonly writer: ByteWriter;
  /** Multi-request semantics, or null when every request takes one route (ASCII). */
  readonly steps: RequestSteps | null;
  /** Appends the reply to a routed request (nothing when its reply mode suppresses it). */
  writeReply(req: McRequest, reply: McReply): void;
  /** Appends one key's reply of a multi-key get, in key order (ASCII only; see `ReplyWriter`). */
  writeMultiGetPart(req: McRequest, reply: McReply): void;
  /** Ends a multi-key get: END, or `error`'s line instead (ASCII only). */
  writeMultiGetEnd(error: McReply | null): void;
  /** Appends an error found while parsing. */
  writeError(reply: McReply, opaque: number, wireOp: number): void;
  /**
   * Appends the reply to a local command: `text` is the version string for Version, the stats
   * text (`STAT <name> <value>` lines and `END`, or an error line) for Stats, unused otherwise.
   */
  writeLocal(cmd: LocalCommand, text: string, opaque: number, wireOp: number): void;
}
