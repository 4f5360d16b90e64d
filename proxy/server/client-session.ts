/**
 * One client connection. Its codec (ASCII or binary, chosen from the first byte) parses requests;
 * the session routes each one through its `SessionHost`, and writes
 * replies strictly in request order through an ordered reply window: every request that expects a
 * reply takes a slot; slots complete in any order (different destinations), and the session writes
 * the longest completed prefix, all of it in one `socket.write` per flush (`mcrouter/lib/network/McAsciiParser.rl`: ASCII replies
 * are always in request order on a connection).
 *
 * `noreply` requests are routed but take no slot (unless they must wait behind deferred requests).
 * Multi-key gets take one slot whose keys are routed independently and streamed in key order: each
 * key's reply is written as soon as every earlier key's is, so one request never holds memory in
 * proportion to its whole reply.
 *
 * Memory (`MemoryBudget`): the session accounts the reply bytes it holds and reserves bytes for each
 * routed request; a request whose reservation would take the session past its share waits in the
 * window, unrouted, until written replies free room (and the socket stops being read), and a
 * request arriving while the process is past its budget is answered with the out-of-memory error.
 *
 * Input (`ClientInput`): requests are parsed and routed in bounded slices per loop iteration
 * (fairness between connections); a client's half-close ends its input, not its output: every
 * reply is written, then the connection closes. After a fatal parse error the session parses
 * nothing more, writes the error after the earlier replies, sends FIN, and closes after a bounded
 * lingering close (`LINGER_MS`, below).
 *
 * Backpressure: the session stops reading its socket while `--max-client-outstanding-reqs`
 * requests are in flight (mcrouter), while requests wait for memory, or while its buffered bytes
 * (held replies, reservations, unsent output) exceed its share, and resumes below all three; TCP
 * then pushes back on the client. Draining (graceful shutdown) stops reading for good and closes
 * once every reply is written.
 */
import type net from 'node:net';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op, isGetLike } from '../protocol/op.js';
import { Result, isErrorResult } from '../protocol/result.js';
import { ReplyMode } from '../protocol/reply-mode.js';
import { LocalCommand, type RequestSink } from '../protocol/request-sink.js';
import type { ClientCodec, StepState } from '../protocol/client-codec.js';
import { AsciiClientCodec } from '../protocol/ascii-client-codec.js';
import { BinaryClientCodec, BINARY_REQUEST_MAGIC } from '../protocol/binary/binary-client-codec.js';
import { errorLine } from '../protocol/reply-writer.js';
import { scheduleFlush, type Flushable } from './flush-queue.js';
import { ClientInput, type InputOwner, type SlicedTask } from './client-input.js';
import type { SessionHost } from './session-host.js';
import { OUT_OF_MEMORY, REPLY_OVERHEAD, clientValueLimit, type MemoryBudget } from './memory-budget.js';
import type { FairWaiter } from './fair-share.js';
import { routingLane } from '../destination/destination.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import { log } from '../logger.js';
import { adoptClient, clientOnread } from './client-reader.js';

/** `flush_all` / `shutdown` without `--enable-flush-cmd` / `--enable-shutdown-cmd`. */
const DISABLED = McReply.error(Result.PermissionDenied, 'Command disabled');

/** `ClientSession.admit`: the request must wait for memory. */
const DEFER = -1;
/** `ClientSession.admit`: the process is past its budget; answer with OUT_OF_MEMORY. */
const REFUSE = -2;

/** The empty write of `ClientSession.watchOutput`. */
const EMPTY = Buffer.alloc(0);

/** Bytes accounted while `reply` waits to be written. */
function heldBytes(reply: McReply): number {
  return reply.valueLength + REPLY_OVERHEAD;
}

/**
 * Keys of a multi-get that a client with nothing routed, waiting or unparsed routes at once,
 * outside the process-wide share (`FairShare`): a request/response client's multi-get is not
 * slowed by the share; its later keys, and a pipeline's later requests, take turns.
 */
const FRESH_MULTIGET_KEYS = 64;

/**
 * Lingering close after a fatal error, ms. The error and FIN are sent; what the client is still
 * sending is read and dropped (never parsed) until its FIN, for at most this long, then the socket
 * is destroyed. Closing a socket with unread input makes the kernel answer with a RST instead of
 * a FIN, and a client still writing (a pipeline, a request sent in pieces) then fails its next
 * write with EPIPE/ECONNRESET and drops the socket before it reads the error: it sees a reset, not
 * the reason. Apache (`ap_lingering_close`) and nginx (`lingering_close`) close the same way;
 * memcached closes at once (`conn_closing`) and its clients see the reset.
 */
export const LINGER_MS = 2000;

/**
 * Requests (multi-get keys) a client may route on the interactive lane (`routingLane`) before it
 * has their replies: a client that starts with nothing routed takes the interactive lane; past
 * this many it waits until every reply is in, and then routes on the bulk lane if requests are
 * still waiting, so a pipeline or a large multi-get never queues more than this many requests
 * on the interactive connection.
 */
export const INTERACTIVE_REQS = 16;

/** A place in the ordered reply window. */
abstract class Slot {
  next: Slot | null = null;
  done = false;
  /**
   * Routes what is not routed yet, as far as the session's memory admits.
   * @returns true once nothing is left to route
   */
  route(): boolean {
    return true;
  }
  /**
   * Appends the reply bytes that are ready through `codec` and counts them in `stats` (`now`:
   * the flush time, `performance.now()` ms, for request durations).
   * @returns true when the slot is finished and leaves the window
   */
  abstract flushInto(codec: ClientCodec, stats: ProxyStats, now: number): boolean;
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
  /** Bytes reserved while routed (released when the final reply arrives); -1 before routing. */
  private reserved = -1;

  constructor(
    private readonly session: ClientSession,
    readonly req: McRequest,
    /** When the request's bytes arrived (`performance.now()`, ms). */
    private readonly startedAt: number,
  ) {
    super();
  }

  override route(): boolean {
    if (this.reserved >= 0) return true;
    const session = this.session;
    const r = session.admit(this.req.op);
    if (r === DEFER) return false;
    if (r === REFUSE) {
      this.reserved = 0;
      this.finish(OUT_OF_MEMORY);
      return true;
    }
    this.reserved = r;
    session.reserve(r);
    const companion = session.codec?.steps?.companion(this) ?? null;
    if (companion === null) session.routeStep(this.req, this);
    else {
      this.awaitingCompanion = true;
      session.routeStep(this.req, this);
      session.routeStep(companion, new CompanionSink(this));
    }
    return true;
  }

  onReply(reply: McReply): void {
    if (this.done) return;
    const steps = this.session.codec?.steps ?? null;
    if (steps !== null) {
      if (this.awaitingCompanion) {
        this.held = reply;
        return;
      }
      const next = steps.next(this, reply);
      if (next !== null) {
        this.session.routeStep(next, this);
        return;
      }
      reply = this.reply;
    }
    this.finish(reply);
  }

  /** The final reply: trades the reservation for the reply's bytes. */
  private finish(reply: McReply): void {
    this.reply = reply;
    this.done = true;
    this.session.replied(this.req.op, reply, this.reserved);
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

  flushInto(codec: ClientCodec, stats: ProxyStats, now: number): boolean {
    if (!this.done) return false;
    codec.writeReply(this.req, this.reply);
    stats.countReply(this.req.op, this.reply.result, now - this.startedAt);
    this.session.written(this.reply, 1);
    return true;
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

/** Stands in for a multi-get reply once written (drops the reference, keeps "replied"). */
const WRITTEN = McReply.error(Result.Unknown);

/** A multi-get holding more reply bytes than this (or waiting for memory) streams them. */
const MULTIGET_HOLD_BYTES = 64 * 1024;

/**
 * A multi-key get: keys are routed as memory admits. While its replies are small it is written
 * whole once every key has its reply, so an error replaces the whole reply as in mcrouter
 * (`mcrouter/lib/network/MultiOpParent.cpp`); past `MULTIGET_HOLD_BYTES` (or when keys wait for
 * memory) the replies stream in key order as they complete, and a later error replaces only END
 * (memcached streams too, `memcached/proto_text.c`). Finished when every key's reply is written.
 */
class MultiGetSlot extends Slot {
  private readonly replies: (McReply | null)[];
  private readonly reserved: number[];
  /** Keys routed so far (a prefix of `reqs`). */
  private routedKeys = 0;
  /** Keys whose reply was written (a prefix). */
  private writtenKeys = 0;
  /** Keys without a reply yet. */
  private remaining: number;
  /** Reply bytes held in this slot. */
  private heldInSlot = 0;
  /** Replies are written as they complete (see the class comment). */
  private streaming = false;
  /** An error line replaced END: later keys print nothing. */
  private failed = false;

  constructor(
    private readonly session: ClientSession,
    private readonly reqs: readonly McRequest[],
    /** When the request's bytes arrived (`performance.now()`, ms). */
    private readonly startedAt: number,
  ) {
    super();
    this.replies = new Array<McReply | null>(reqs.length).fill(null);
    this.reserved = new Array<number>(reqs.length).fill(0);
    this.remaining = reqs.length;
  }

  override route(): boolean {
    const reqs = this.reqs;
    const session = this.session;
    while (this.routedKeys < reqs.length) {
      if (!session.takeSlice()) return false;
      const i = this.routedKeys;
      const req = reqs[i] as McRequest;
      const r = session.admit(req.op);
      if (r === DEFER) {
        this.streaming = true;
        return false;
      }
      this.routedKeys++;
      if (r === REFUSE) this.partDone(i, OUT_OF_MEMORY);
      else {
        this.reserved[i] = r;
        session.reserve(r);
        session.routeStep(req, new MultiGetPart(this, i));
      }
    }
    return true;
  }

  partDone(index: number, reply: McReply): void {
    if (this.replies[index] !== null) return;
    this.replies[index] = reply;
    this.remaining--;
    this.heldInSlot += heldBytes(reply);
    this.session.replied(this.reqs[index]?.op ?? Op.Get, reply, this.reserved[index] ?? 0);
    this.session.slotDone(this);
  }

  flushInto(codec: ClientCodec, stats: ProxyStats, now: number): boolean {
    const reqs = this.reqs;
    if (!this.streaming) {
      if (this.remaining > 0 && this.heldInSlot <= MULTIGET_HOLD_BYTES) return false;
      if (this.remaining === 0) {
        // Whole: the first error (in key order), if any, is the only line.
        for (const r of this.replies) {
          if (r !== null && isErrorResult(r.result)) {
            this.failed = true;
            codec.writeMultiGetEnd(r);
            break;
          }
        }
      } else this.streaming = true;
    }
    const duration = now - this.startedAt;
    while (this.writtenKeys < reqs.length) {
      const i = this.writtenKeys;
      const reply = this.replies[i];
      if (reply === null || reply === undefined) return false;
      const req = reqs[i] as McRequest;
      if (!this.failed) {
        if (isErrorResult(reply.result)) {
          this.failed = true;
          codec.writeMultiGetEnd(reply);
        } else codec.writeMultiGetPart(req, reply);
      }
      stats.countReply(req.op, reply.result, duration);
      this.replies[i] = WRITTEN;
      this.heldInSlot -= heldBytes(reply);
      this.writtenKeys++;
      this.session.written(reply, 1);
    }
    if (!this.failed) codec.writeMultiGetEnd(null);
    this.done = true;
    return true;
  }
}

/** A `noreply` request that arrived while earlier requests wait for memory: routed in its turn. */
class NoreplySlot extends Slot {
  private routed = false;

  constructor(
    private readonly session: ClientSession,
    private readonly req: McRequest,
  ) {
    super();
  }

  override route(): boolean {
    if (!this.routed) {
      if (!this.session.takeLane()) return false;
      this.routed = true;
      this.done = true;
      this.session.routeNoreply(this.req);
    }
    return true;
  }

  flushInto(): boolean {
    return this.routed;
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

  flushInto(codec: ClientCodec): boolean {
    codec.writeError(this.reply, this.opaque, this.wireOp);
    return true;
  }
}

/**
 * A command answered by the proxy itself (version, stats, verbosity, noop, quit). Its text may
 * come later (`stats` gathered from every worker under `--num-proxies`; the promise never rejects).
 */
class LocalSlot extends Slot {
  private text = '';

  constructor(
    session: ClientSession,
    private readonly cmd: LocalCommand,
    text: string | Promise<string>,
    private readonly opaque: number,
    private readonly wireOp: number,
  ) {
    super();
    if (typeof text === 'string') {
      this.text = text;
      this.done = true;
    } else {
      void text.then((t) => {
        this.text = t;
        this.done = true;
        session.slotDone(this);
      });
    }
  }

  flushInto(codec: ClientCodec): boolean {
    codec.writeLocal(this.cmd, this.text, this.opaque, this.wireOp);
    return true;
  }
}

/** Completion of a `noreply` request: only the outstanding count changes. */
class NoreplySink implements ReplySink {
  constructor(private readonly session: ClientSession) {}
  onReply(): void {
    this.session.noreplyDone();
  }
}

/** See the file comment. */
export class ClientSession implements RequestSink, Flushable, InputOwner, FairWaiter {
  fairQueued = false;
  flushScheduled = false;
  private head: Slot | null = null;
  private tail: Slot | null = null;
  /**
   * Requests read and not yet answered on the wire: routed or waiting in the window for their
   * reply to be written (each key of a multi-get counts; a noreply request until it completes).
   */
  private outstanding = 0;
  private paused = false;
  /** An empty write waits behind the unsent output to report it flushed (see `watchOutput`). */
  private outputWatched = false;
  private readonly outputWatchDone = (err?: Error | null): void => {
    this.outputWatched = false;
    if ((err === undefined || err === null) && !this.closed) this.outputFlushed();
  };
  private closed = false;
  private endAfterFlush = false;
  private draining = false;
  /** After the last reply, linger then destroy (fatal error: do not wait for the client's FIN for long). */
  private closeAfterEnd = false;
  /** In the lingering close: input is read and dropped until the client's FIN or `LINGER_MS`. */
  private lingering = false;
  /** The connection's protocol, chosen from its first byte; null before any byte arrived. */
  codec: ClientCodec | null = null;
  private readonly noreplySink = new NoreplySink(this);
  /** When the last chunk arrived (`performance.now()`, ms): the start of its requests' durations. */
  private readAt = 0;
  private readonly maxOutstanding: number;
  /** Slices the input and notices the client's half-close. */
  private readonly input = new ClientInput(this);
  /** Input ended for good (fatal error, quit, half-close, drain): reading stays paused. */
  private inputDone = false;
  /** The first slot not fully routed (waiting for memory or for the next input slice), or null. */
  private routeCursor: Slot | null = null;
  /** Routing stopped because this turn's input slice was spent (not for memory). */
  private slicedOut = false;
  /** Routes the waiting slots in the next input slice (see `takeSlice`). */
  private readonly routeTask: SlicedTask = {
    run: () => {
      this.pump();
      return !this.slicedOut;
    },
  };
  /** Reply bytes held in the window (counted in the process budget). */
  private bytes = 0;
  /** Bytes reserved for routed requests awaiting their reply (this session's share only). */
  private reserved = 0;
  /**
   * Requests (multi-get keys) routed and awaiting their reply; at `--max-client-routed-reqs`
   * more wait unrouted (fairness: no client queues more than that ahead of the others in a
   * backend connection; at 100 µs a round trip, 64 in flight still allow ~640 k requests/s).
   */
  private routedAwaiting = 0;
  /** Keys of a multi-get from a request/response client still routed without taking turns. */
  private freshKeys = 0;
  /** `noreply` requests routed and not yet completed by the backend. */
  private noreplyAwaiting = 0;
  /** This client's routed requests are on the bulk lane (`routingLane`). */
  private bulkLane = false;
  /** Requests the client may still route on the interactive lane before its replies are in. */
  private interactiveLeft = 0;
  /** A multi-get of more than `INTERACTIVE_REQS` keys is being routed: an idle client takes the bulk lane for it. */
  private wideMultiGet = false;
  /**
   * A reply was a timeout: the timed-out request may still be queued on its lane, so the client
   * keeps that lane for the rest of its connection (a switch could let a later request overtake it).
   */
  private laneFixed = false;
  private readonly maxRouted: number;
  /** The socket's unsent output as last added to the process budget. */
  private outputAccounted = 0;
  /** Requests whose replies the current flush wrote. */
  private answered = 0;
  /** This session's bytes count in the process budget (until its socket closed). */
  private inBudget = true;
  private readonly budget: MemoryBudget;
  /** The client's socket (the accepted one, or the socket that adopted its handle). */
  private readonly socket: net.Socket;
  /** A chunk read from the socket (kept by the parser as it needs; see `ClientInput`). */
  private readonly onChunk = (chunk: Buffer): void => {
    if (this.inputDone) return;
    this.readAt = performance.now();
    this.input.data(chunk, (this.codec ??= this.pickCodec(chunk)));
  };

  /**
   * @param accepted the accepted connection
   * @param adopt read it through `onread` (`client-reader.ts`): `accepted` comes from a
   *   `pauseOnConnect` server and has not been read
   */
  constructor(
    accepted: net.Socket,
    private readonly server: SessionHost,
    adopt = false,
  ) {
    const adopted = adopt ? adoptClient(accepted, clientOnread(this.onChunk), true) : null;
    const socket = adopted ?? accepted;
    this.socket = socket;
    const opts = server.options;
    this.maxOutstanding = opts.maxClientOutstandingReqs > 0 ? opts.maxClientOutstandingReqs : Infinity;
    this.maxRouted = opts.maxClientRoutedReqs > 0 ? opts.maxClientRoutedReqs : Infinity;
    this.budget = server.memory;
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
      this.outputFlushed();
    });
    if (adopted === null) socket.on('data', this.onChunk);
    socket.on('end', () => {
      if (this.lingering) socket.destroy();
      else this.input.end();
    });
    socket.on('error', (err: Error) => {
      log.debug({ err, client: socket.remoteAddress }, 'client socket error');
    });
    socket.on('close', () => {
      this.onClose();
    });
    // Paused on connect for an adoption that was not possible: read through the stream.
    if (adopt && adopted === null) socket.resume();
  }

  /** memcached's protocol negotiation: a first byte of 0x80 means binary. */
  private pickCodec(chunk: Buffer): ClientCodec {
    const { maxItemSize, bigValueSplitThreshold } = this.server.options;
    const opts = { maxItemSize: clientValueLimit(maxItemSize, bigValueSplitThreshold, this.budget) };
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
      if (this.routeCursor === null && this.takeLane()) this.routeNoreply(req);
      else {
        const slot = new NoreplySlot(this, req);
        this.push(slot);
        this.defer(slot);
      }
    } else {
      const slot = new RoutedSlot(this, req, this.readAt);
      this.push(slot);
      if (this.routeCursor !== null || !slot.route()) this.defer(slot);
    }
    if (this.input.spend(1) || this.routeCursor !== null) this.codec?.hold();
    if (this.outstanding >= this.maxOutstanding) this.updateReading();
  }

  onMultiGet(reqs: McRequest[]): void {
    const fresh = this.routedAwaiting === 0 && this.routeCursor === null && !this.input.held;
    this.freshKeys = fresh ? Math.min(reqs.length, FRESH_MULTIGET_KEYS) - 1 : 0;
    const slot = new MultiGetSlot(this, reqs, this.readAt);
    this.push(slot);
    this.outstanding += reqs.length;
    this.wideMultiGet = reqs.length > INTERACTIVE_REQS;
    if (this.routeCursor !== null || !slot.route()) this.defer(slot);
    this.wideMultiGet = false;
    if (this.input.budget <= 0 || this.routeCursor !== null) this.codec?.hold();
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
        if (mode !== ReplyMode.Never) this.push(new LocalSlot(this, cmd, '', opaque, wireOp));
        this.endAfterFlush = true;
        scheduleFlush(this);
        return;
      default:
        if (mode === ReplyMode.Never) return;
        this.push(new LocalSlot(this, cmd, this.server.localReply(cmd, args), opaque, wireOp));
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
    // Read no more (memcached closes the connection): the error goes out after the earlier
    // replies, then the connection closes even if the client keeps sending.
    this.endAfterFlush = true;
    this.closeAfterEnd = true;
    this.stopInput();
  }

  // ---- InputOwner ----

  /** @inheritdoc */
  inputHeld(): void {
    this.updateReading();
  }

  /** @inheritdoc */
  inputEnded(): void {
    this.codec?.close();
    this.endAfterFlush = true;
    scheduleFlush(this);
  }

  /** Reads no more from the client. */
  private stopInput(): void {
    this.inputDone = true;
    this.input.stop();
    this.updateReading();
  }

  /** Bytes of socket chunks this connection's input keeps alive (partial requests, chunks waiting for a slice). */
  get heldInputBytes(): number {
    return (this.codec?.heldBytes ?? 0) + this.input.queuedBytes;
  }

  /** Routes a request of a slot (its own, a key of a multi-get, or a step of a multi-request reply). */
  routeStep(req: McRequest, sink: ReplySink): void {
    routingLane.bulk = this.bulkLane;
    this.server.route(req, sink);
    routingLane.bulk = false;
  }

  /** Routes a `noreply` request (its completion only counts). */
  routeNoreply(req: McRequest): void {
    this.noreplyAwaiting++;
    routingLane.bulk = this.bulkLane;
    this.server.route(req, this.noreplySink);
    routingLane.bulk = false;
  }

  /** A routed `noreply` request completed. */
  noreplyDone(): void {
    this.noreplyAwaiting--;
    this.requestDone(1);
    if (this.noreplyAwaiting === 0 && this.routedAwaiting === 0 && this.routeCursor !== null)
      scheduleFlush(this);
  }

  /**
   * Whether one more request may be routed on this client's lane (`routingLane`), choosing the
   * lane when nothing of the client awaits a backend reply: interactive, unless requests already
   * wait (a pipeline, or a multi-get's later keys). On the interactive lane at most
   * `INTERACTIVE_REQS` are routed; then the client waits for its replies, and takes the bulk lane.
   * A multi-get of more than `INTERACTIVE_REQS` keys takes the bulk lane at once. A client's
   * requests are never on both lanes at once, so each server answers them in order; after a
   * timeout reply the client keeps its lane (`laneFixed`).
   */
  takeLane(): boolean {
    if (this.routedAwaiting === 0 && this.noreplyAwaiting === 0) {
      if (!this.laneFixed) this.bulkLane = this.routeCursor !== null || this.input.held || this.wideMultiGet;
      this.interactiveLeft = INTERACTIVE_REQS - 1;
      return true;
    }
    if (this.bulkLane) return true;
    if (this.interactiveLeft <= 0) return false;
    this.interactiveLeft--;
    return true;
  }

  // ---- memory (see `MemoryBudget`) ----

  /**
   * Whether a request of `op` may be routed now.
   * @returns the bytes to reserve for it, DEFER (over the session's share, at least one request
   *   being always admitted when nothing is buffered; or `--max-client-routed-reqs` requests
   *   already await a reply) or REFUSE (the process is past its budget)
   */
  admit(op: Op): number {
    const budget = this.budget;
    const reserve = isGetLike(op) ? budget.getReservation : REPLY_OVERHEAD;
    const mine = this.bytes + this.reserved + this.socket.writableLength;
    if (mine > 0 && mine + reserve > budget.clientShare) return DEFER;
    if (this.routedAwaiting >= this.maxRouted || !this.takeLane()) return DEFER;
    // A request/response client (nothing routed, waiting or unparsed) goes at once; a pipeline
    // or a multi-get's next key takes turns (`FairShare`).
    if (this.routedAwaiting > 0 || this.routeCursor !== null || this.input.held) {
      if (this.freshKeys > 0) this.freshKeys--;
      else if (!this.server.fair.admits(this)) return DEFER;
    }
    if (budget.wouldExceed(reserve)) {
      budget.refused++;
      return REFUSE;
    }
    return reserve;
  }

  /** Reserves `n` bytes of this session's share for a routed request. */
  reserve(n: number): void {
    this.reserved += n;
    this.routedAwaiting++;
    this.server.fair.add();
  }

  /** Adds `n` held bytes (negative to release) to this session's and the process's account. */
  private account(n: number): void {
    this.bytes += n;
    if (this.inBudget) this.budget.add(n);
  }

  /** A routed request's final reply arrived: its reservation becomes the reply's bytes. */
  replied(op: Op, reply: McReply, reserved: number): void {
    if (isGetLike(op)) this.budget.observe(reply.valueLength);
    this.reserved -= reserved;
    if (reserved > 0) {
      this.routedAwaiting--;
      this.server.fair.release();
    }
    if (reply.result === Result.Timeout) this.laneFixed = true;
    this.account(heldBytes(reply));
  }

  /** `n` requests' reply was appended to the output: its bytes are no longer held. */
  written(reply: McReply, n: number): void {
    this.account(-heldBytes(reply));
    this.answered += n;
  }

  /** Brings the process budget up to date with the socket's unsent output. */
  private syncOutput(): void {
    if (!this.inBudget) return;
    const now = this.socket.writableLength;
    this.budget.add(now - this.outputAccounted);
    this.outputAccounted = now;
  }

  /** `slot` could not be routed fully: it and every later request wait for memory. */
  private defer(slot: Slot): void {
    if (this.routeCursor !== null) return;
    this.routeCursor = slot;
    this.updateReading();
  }

  /**
   * One key of a multi-get may be routed in this turn: counts it against the connection's input
   * slice (`ClientInput`), so a 10,000-key get is routed `SLICE_REQUESTS` keys per loop iteration,
   * interleaved with the other connections' requests, rather than all at once ahead of them.
   * @returns false when the slice is spent (the rest is routed in the next slice)
   */
  takeSlice(): boolean {
    if (this.input.budget <= 0) {
      this.slicedOut = true;
      this.input.defer(this.routeTask);
      return false;
    }
    this.input.spend(1);
    return true;
  }

  /** Routes waiting requests in order, as far as memory and the input slice admit. */
  private pump(): void {
    this.slicedOut = false;
    let s = this.routeCursor;
    while (s?.route() === true) s = s.next;
    this.routeCursor = s;
    if (s === null) this.input.kick();
  }

  /** @inheritdoc */
  get waiting(): boolean {
    return this.routeCursor !== null;
  }

  /** @inheritdoc */
  resumeRouting(): void {
    if (this.closed || this.routeCursor === null) return;
    this.pump();
    this.updateReading();
  }

  // ---- window ----

  private push(slot: Slot): void {
    if (this.tail === null) this.head = slot;
    else this.tail.next = slot;
    this.tail = slot;
    if (slot.done && slot === this.head) scheduleFlush(this);
  }

  /** A slot completed, or (multi-get) one of its keys. Called by slots only. */
  slotDone(slot: Slot): void {
    if (slot === this.head || this.routeCursor !== null) scheduleFlush(this);
  }

  /** `n` requests were answered (replies written, or noreply requests completed). */
  requestDone(n: number): void {
    this.outstanding -= n;
    this.updateReading();
    if (this.draining && this.outstanding === 0) scheduleFlush(this);
  }

  /** Requests routed and not yet answered. */
  get inFlight(): number {
    return this.outstanding;
  }

  /** Pauses or resumes reading the socket according to the limits (see the file comment). */
  private updateReading(): void {
    if (this.closed) return;
    const socket = this.socket;
    const stop =
      this.draining ||
      this.inputDone ||
      this.input.held ||
      this.outstanding >= this.maxOutstanding ||
      this.routeCursor !== null ||
      this.bytes + this.reserved + socket.writableLength > this.budget.clientShare;
    if (stop && !this.outputWatched && socket.writableLength > 0 && !socket.writableNeedDrain)
      this.watchOutput();
    if (stop === this.paused) return;
    this.paused = stop;
    if (stop) socket.pause();
    else socket.resume();
  }

  /**
   * The session waits (reading paused, or requests waiting for memory) while unsent output counts
   * against its share, but `'drain'` comes only after a write that reached the socket's high-water
   * mark: a smaller write into a full kernel buffer (a client that does not read) leaves bytes
   * unsent with no `'drain'` to come, and a session whose share is smaller than a get's reservation
   * (`--max-client-output-bytes` under the size of recent replies) would wait for good, its client
   * reading everything and getting nothing more. So an empty write goes after those bytes: its
   * callback runs once they are all handed to the kernel, and does what `'drain'` does.
   */
  private watchOutput(): void {
    this.outputWatched = true;
    this.socket.write(EMPTY, this.outputWatchDone);
  }

  /** The socket's unsent output was handed to the kernel (`'drain'`, or `watchOutput`): go on. */
  private outputFlushed(): void {
    this.syncOutput();
    if (this.routeCursor !== null) this.pump();
    else this.input.kick();
    this.updateReading();
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
      if (this.endAfterFlush) this.end();
      return;
    }
    const w = codec.writer;
    const stats = this.server.stats;
    let s = this.head;
    const now = s !== null ? performance.now() : 0;
    this.answered = 0;
    while (s?.flushInto(codec, stats, now) === true) s = s.next;
    this.head = s;
    if (s === null) this.tail = null;
    if (w.length > 0) w.writeTo(this.socket);
    this.syncOutput();
    if (this.routeCursor !== null) this.pump();
    const answered = this.answered;
    if (answered > 0) this.requestDone(answered);
    else this.updateReading();
    if (this.endAfterFlush && this.head === null && (!this.draining || this.outstanding === 0)) this.end();
  }

  /** Sends FIN after the written replies; after a fatal error, lingers once they are out, then closes. */
  private end(): void {
    this.closed = true;
    if (this.closeAfterEnd) {
      this.socket.end(() => {
        this.linger();
      });
    } else this.socket.end();
  }

  /** The lingering close (see `LINGER_MS`): drop the client's input until its FIN or the deadline. */
  private linger(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (socket.readableEnded) {
      socket.destroy(); // the client's FIN is already in: nothing left to drop
      return;
    }
    this.lingering = true;
    const deadline = setTimeout(() => {
      socket.destroy();
    }, LINGER_MS);
    socket.once('close', () => {
      clearTimeout(deadline);
    });
    socket.resume();
  }

  private onClose(): void {
    // Everything this session buffered leaves the process budget; late replies only count here.
    if (this.inBudget) this.budget.add(-(this.bytes + this.outputAccounted));
    this.inBudget = false;
    this.closed = true;
    this.input.stop();
    this.codec?.close();
    this.head = null;
    this.tail = null;
    this.routeCursor = null;
    this.server.sessionClosed(this);
  }

  /** Closes the connection now (server shutdown). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
