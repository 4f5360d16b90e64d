/**
 * One client connection. Its codec (ASCII or binary, chosen from the first byte) parses requests;
 * the session routes each one through its `SessionHost`, and writes
 * replies strictly in request order through an ordered reply window: every request that expects a
 * reply takes a slot; slots complete in any order (different destinations), and the session writes
 * the longest completed prefix, all of it in one `socket.write` per flush (`mcrouter/lib/network/McAsciiParser.rl`: ASCII replies
 * are always in request order on a connection).
 *
 * `noreply` requests are routed but take no slot. Multi-key gets take one slot whose keys are
 * routed independently and reassembled in key order.
 *
 * Backpressure: the session stops reading its socket while `--max-client-outstanding-reqs`
 * requests are in flight (mcrouter) or while more than `--max-client-output-bytes` of replies wait
 * for a client that does not read them, and resumes below both; TCP then pushes back on the client.
 * Draining (graceful shutdown) stops reading for good and closes once every reply is written.
 */
import type net from 'node:net';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import { ReplyMode } from '../protocol/reply-mode.js';
import { LocalCommand, type RequestSink } from '../protocol/request-sink.js';
import type { ClientCodec, StepState } from '../protocol/client-codec.js';
import { AsciiClientCodec } from '../protocol/ascii-client-codec.js';
import { BinaryClientCodec, BINARY_REQUEST_MAGIC } from '../protocol/binary/binary-client-codec.js';
import { errorLine } from '../protocol/reply-writer.js';
import { scheduleFlush, type Flushable } from './flush-queue.js';
import type { SessionHost } from './session-host.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import { log } from '../logger.js';

/** `flush_all` / `shutdown` without `--enable-flush-cmd` / `--enable-shutdown-cmd`. */
const DISABLED = McReply.error(Result.PermissionDenied, 'Command disabled');

/** A place in the ordered reply window. */
abstract class Slot {
  next: Slot | null = null;
  done = false;
  /** Requests this slot accounts for in the session's outstanding count. */
  abstract readonly requests: number;
  /**
   * Appends this slot's reply bytes through `codec`, and counts its replies in `stats` (`now`: the
   * flush time, `performance.now()` ms, for request durations).
   */
  abstract write(codec: ClientCodec, stats: ProxyStats, now: number): void;
}

/** A routed single-key (or keyless) request, possibly in several steps (`RequestSteps`). */
class RoutedSlot extends Slot implements ReplySink, StepState {
  reply: McReply = McReply.UNKNOWN;
  step = 0;
  saved: McReply = McReply.UNKNOWN;
  companionReply: McReply | null = null;
  /** The first reply, held until the companion's reply arrives (binary steps only). */
  private held: McReply | null = null;
  /** Routed with a companion request whose reply has not arrived yet. */
  awaitingCompanion = false;

  constructor(
    private readonly session: ClientSession,
    readonly req: McRequest,
    /** When the request's bytes arrived (`performance.now()`, ms). */
    private readonly startedAt: number,
  ) {
    super();
  }

  onReply(reply: McReply): void {
    if (this.done) return;
    const steps = this.session.codec?.steps ?? null;
    if (steps === null) this.reply = reply;
    else {
      if (this.awaitingCompanion) {
        this.held = reply;
        return;
      }
      const next = steps.next(this, reply);
      if (next !== null) {
        this.session.routeStep(next, this);
        return;
      }
    }
    this.done = true;
    this.session.slotDone(this);
  }

  /** The companion request's reply (see `RequestSteps.companion`). */
  onCompanionReply(reply: McReply): void {
    this.companionReply = reply;
    this.awaitingCompanion = false;
    const held = this.held;
    if (held !== null) {
      this.held = null;
      this.onReply(held);
    }
  }

  /** Requests this slot stands for (until its reply is written). */
  readonly requests = 1;

  write(codec: ClientCodec, stats: ProxyStats, now: number): void {
    codec.writeReply(this.req, this.reply);
    stats.countReply(this.req.op, this.reply.result, now - this.startedAt);
  }
}
/** Receives a companion request's reply for its slot. */
class CompanionSink implements ReplySink {
  constructor(private readonly slot: RoutedSlot) {}
  onReply(reply: McReply): void {
    this.slot.onCompanionReply(reply);
  }
}

/** One key of a multi-key get. */
class MultiGetPart implements ReplySink {
  constructor(
    private readonly parent: MultiGetSlot,
    private readonly index: number,
  ) {}

  onReply(reply: McReply): void {
    this.parent.partDone(this.index, reply);
  }
}

/** A multi-key get: done when every key has its reply. */
class MultiGetSlot extends Slot {
  private readonly replies: (McReply | null)[];
  private remaining: number;

  constructor(
    private readonly session: ClientSession,
    private readonly reqs: readonly McRequest[],
    /** When the request's bytes arrived (`performance.now()`, ms). */
    private readonly startedAt: number,
  ) {
    super();
    this.replies = new Array<McReply | null>(reqs.length).fill(null);
    this.remaining = reqs.length;
  }

  partDone(index: number, reply: McReply): void {
    if (this.replies[index] !== null) return;
    this.replies[index] = reply;
    if (--this.remaining === 0) {
      this.done = true;
      this.session.slotDone(this);
    }
  }

  get requests(): number {
    return this.reqs.length;
  }

  write(codec: ClientCodec, stats: ProxyStats, now: number): void {
    const op = this.reqs[0]?.op ?? Op.Get;
    const replies = this.replies.map((r) => r ?? McReply.NOT_FOUND);
    codec.writeMultiGet(this.reqs, replies);
    const duration = now - this.startedAt;
    for (const r of replies) stats.countReply(op, r.result, duration);
  }
}

/** An error found while parsing: its reply is known at once. */
class ErrorSlot extends Slot {
  constructor(
    private readonly reply: McReply,
    private readonly opaque: number,
    private readonly wireOp: number,
  ) {
    super();
    this.done = true;
  }

  readonly requests = 0;

  write(codec: ClientCodec): void {
    codec.writeError(this.reply, this.opaque, this.wireOp);
  }
}

/** A command answered by the proxy itself (version, stats, verbosity, noop, quit). */
class LocalSlot extends Slot {
  constructor(
    private readonly cmd: LocalCommand,
    private readonly text: string,
    private readonly opaque: number,
    private readonly wireOp: number,
  ) {
    super();
    this.done = true;
  }

  readonly requests = 0;

  write(codec: ClientCodec): void {
    codec.writeLocal(this.cmd, this.text, this.opaque, this.wireOp);
  }
}

/** Completion of a `noreply` request: only the outstanding count changes. */
class NoreplySink implements ReplySink {
  constructor(private readonly session: ClientSession) {}
  onReply(): void {
    this.session.requestDone(1);
  }
}

/** See the file comment. */
export class ClientSession implements RequestSink, Flushable {
  flushScheduled = false;
  private head: Slot | null = null;
  private tail: Slot | null = null;
  /**
   * Requests read and not yet answered on the wire: routed or waiting in the window for their
   * reply to be written (each key of a multi-get counts; a noreply request until it completes).
   */
  private outstanding = 0;
  private paused = false;
  private closed = false;
  private endAfterFlush = false;
  private draining = false;
  /** The connection's protocol, chosen from its first byte; null before any byte arrived. */
  codec: ClientCodec | null = null;
  private readonly noreplySink = new NoreplySink(this);
  /** When the last chunk arrived (`performance.now()`, ms): the start of its requests' durations. */
  private readAt = 0;
  private readonly maxOutstanding: number;
  private readonly maxOutputBytes: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly server: SessionHost,
  ) {
    const opts = server.options;
    this.maxOutstanding = opts.maxClientOutstandingReqs > 0 ? opts.maxClientOutstandingReqs : Infinity;
    this.maxOutputBytes = opts.maxClientOutputBytes;
    socket.setNoDelay(true);
    if (opts.clientIdleTimeoutMs > 0) {
      socket.setTimeout(opts.clientIdleTimeoutMs);
      socket.on('timeout', () => {
        // Idle: no bytes either way for the whole period. Never cut a request in flight.
        if (this.outstanding === 0 && this.head === null) {
          log.debug({ client: socket.remoteAddress }, 'closing idle client connection');
          this.closed = true;
          socket.destroy();
        }
      });
    }
    socket.on('drain', () => {
      this.updateReading();
    });
    socket.on('data', (chunk: Buffer) => {
      this.readAt = performance.now();
      (this.codec ??= this.pickCodec(chunk)).feed(chunk);
    });
    socket.on('error', (err: Error) => {
      log.debug({ err, client: socket.remoteAddress }, 'client socket error');
    });
    socket.on('close', () => {
      this.onClose();
    });
  }

  /** memcached's protocol negotiation: a first byte of 0x80 means binary. */
  private pickCodec(chunk: Buffer): ClientCodec {
    const opts = { maxItemSize: this.server.options.maxItemSize };
    return chunk[0] === BINARY_REQUEST_MAGIC
      ? new BinaryClientCodec(this, opts)
      : new AsciiClientCodec(this, opts);
  }

  // ---- RequestSink ----

  onRequest(req: McRequest): void {
    if (req.op === Op.FlushAll && !this.server.options.enableFlushCmd) {
      this.onRequestError(DISABLED, req.replyMode, req.opaque, req.wireOp);
      return;
    }
    this.outstanding++;
    if (req.replyMode === ReplyMode.Never) {
      this.server.route(req, this.noreplySink);
    } else {
      const slot = new RoutedSlot(this, req, this.readAt);
      this.push(slot);
      const companion = this.codec?.steps?.companion(slot) ?? null;
      if (companion === null) this.server.route(req, slot);
      else {
        slot.awaitingCompanion = true;
        this.server.route(req, slot);
        this.server.route(companion, new CompanionSink(slot));
      }
    }
    if (this.outstanding >= this.maxOutstanding) this.updateReading();
  }

  onMultiGet(reqs: McRequest[]): void {
    const slot = new MultiGetSlot(this, reqs, this.readAt);
    this.push(slot);
    this.outstanding += reqs.length;
    for (let i = 0; i < reqs.length; i++) {
      const req = reqs[i] as McRequest;
      this.server.route(req, new MultiGetPart(slot, i));
    }
    if (this.outstanding >= this.maxOutstanding) this.updateReading();
  }

  onLocalCommand(cmd: LocalCommand, args: string[], mode: ReplyMode, opaque: number, wireOp: number): void {
    switch (cmd) {
      case LocalCommand.Shutdown:
        if (!this.server.options.enableShutdownCmd) {
          this.push(new ErrorSlot(DISABLED, opaque, wireOp));
          return;
        }
        log.warn({ client: this.socket.remoteAddress }, 'shutdown command received; shutting down');
        this.codec?.close();
        this.server.requestShutdown('shutdown command');
        return;
      case LocalCommand.Quit:
        if (mode !== ReplyMode.Never) this.push(new LocalSlot(cmd, '', opaque, wireOp));
        this.endAfterFlush = true;
        scheduleFlush(this);
        return;
      default:
        if (mode === ReplyMode.Never) return;
        this.push(new LocalSlot(cmd, this.server.localReply(cmd, args), opaque, wireOp));
    }
  }

  onRequestError(reply: McReply, mode: ReplyMode, opaque: number, wireOp: number): void {
    this.server.stats.clientErrors++;
    if (mode !== ReplyMode.Never) this.push(new ErrorSlot(reply, opaque, wireOp));
  }

  onFatalError(reply: McReply, opaque: number, wireOp: number): void {
    this.server.stats.clientErrors++;
    this.server.logClientError(this.socket.remoteAddress, errorLine(reply));
    this.push(new ErrorSlot(reply, opaque, wireOp));
    this.endAfterFlush = true;
  }

  /** Routes the next step of a multi-request reply (`RequestSteps`); its slot stays in place. */
  routeStep(req: McRequest, slot: RoutedSlot): void {
    this.server.route(req, slot);
  }

  // ---- window ----

  private push(slot: Slot): void {
    if (this.tail === null) this.head = slot;
    else this.tail.next = slot;
    this.tail = slot;
    if (slot.done && slot === this.head) scheduleFlush(this);
  }

  /** A slot completed. Called by slots only. */
  slotDone(slot: Slot): void {
    if (slot === this.head) scheduleFlush(this);
  }

  /** `n` requests were answered (replies written, or noreply requests completed). */
  requestDone(n: number): void {
    this.outstanding -= n;
    if (this.paused || this.socket.writableLength > this.maxOutputBytes) this.updateReading();
    if (this.draining && this.outstanding === 0) scheduleFlush(this);
  }

  /** Requests routed and not yet answered. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Pauses or resumes reading the socket according to the limits (see the file comment). */
  private updateReading(): void {
    if (this.closed) return;
    const stop =
      this.draining ||
      this.outstanding >= this.maxOutstanding ||
      this.socket.writableLength > this.maxOutputBytes;
    if (stop === this.paused) return;
    this.paused = stop;
    if (stop) this.socket.pause();
    else this.socket.resume();
  }

  /**
   * Graceful shutdown: reads no more requests, lets those in flight finish, writes their replies,
   * then closes. Returns at once; the server learns about the close through `sessionClosed`.
   */
  drain(): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.codec?.close();
    this.endAfterFlush = true;
    this.updateReading();
    scheduleFlush(this);
  }

  /** Writes the completed prefix of the window in one write. Called by the flush queue. */
  flush(): void {
    const codec = this.codec;
    if (this.closed) return;
    if (codec === null) {
      // Nothing was read, so nothing is owed: close if asked to.
      if (this.endAfterFlush) {
        this.closed = true;
        this.socket.end();
      }
      return;
    }
    const w = codec.writer;
    const stats = this.server.stats;
    let s = this.head;
    const now = s?.done === true ? performance.now() : 0;
    let written = 0;
    while (s?.done === true) {
      s.write(codec, stats, now);
      written += s.requests;
      s = s.next;
    }
    this.head = s;
    if (s === null) this.tail = null;
    if (w.length > 0) w.writeTo(this.socket);
    if (written > 0) this.requestDone(written);
    else if (this.socket.writableLength > this.maxOutputBytes) this.updateReading();
    if (this.endAfterFlush && this.head === null && (!this.draining || this.outstanding === 0)) {
      this.closed = true;
      this.socket.end();
    }
  }

  private onClose(): void {
    this.closed = true;
    this.codec?.close();
    this.head = null;
    this.tail = null;
    this.server.sessionClosed(this);
  }

  /** Closes the connection now (server shutdown). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
