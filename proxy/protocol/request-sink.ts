/**
 * What a client codec's request parser hands to the session, whatever the protocol: routable
 * requests, commands the proxy answers itself, and errors found while parsing. Errors are replies
 * (`McReply`), rendered by the same codec's reply writer, so nothing here is ASCII or binary.
 */
import type { McReply } from './reply.js';
import type { McRequest } from './request.js';
import type { ReplyMode } from './reply-mode.js';

/** Commands the proxy answers itself instead of routing. */
export enum LocalCommand {
  Version,
  Stats,
  Quit,
  Shutdown,
  /** `verbosity N` / binary Verbosity: accepted and answered OK (memcached's log level). */
  Verbosity,
  /** Binary NoOp: answered at once, after every earlier reply (`memcached/proto_bin.c`). */
  NoOp,
}

/** Receives what a request parser finds, in stream order. */
export interface RequestSink {
  /** A routable request with one key, or a keyless one (flush_all). */
  onRequest(req: McRequest): void;
  /** A get-like request with two or more keys, one request per key in line order (ASCII). */
  onMultiGet(reqs: McRequest[]): void;
  /**
   * A command the proxy answers itself; `args` are its arguments as strings (the stats group).
   * `opaque` and `wireOp` are echoed to the codec's reply writer.
   */
  onLocalCommand(cmd: LocalCommand, args: string[], mode: ReplyMode, opaque: number, wireOp: number): void;
  /** A request rejected in-band: `reply` is its whole answer; the stream stays in sync. */
  onRequestError(reply: McReply, mode: ReplyMode, opaque: number, wireOp: number): void;
  /** The stream cannot be resynchronised: answer `reply` after earlier replies, then close. */
  onFatalError(reply: McReply, opaque: number, wireOp: number): void;
}
