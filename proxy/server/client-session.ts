/**
 * One client connection (design: ClientSession). It parses requests, routes each one, and writes
 * replies strictly in request order through an ordered reply window: every request that expects a
 * reply takes a slot; slots complete in any order (different destinations), and the session writes
 * the longest completed prefix, all of it in one `socket.write` per flush (spec §10: ASCII replies
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
import { LocalCommand, RequestParser, type RequestSink } from '../protocol/request-parser.js';
import { ReplyWriter } from '../protocol/reply-writer.js';
import { scheduleFlush, type Flushable } from './flush-queue.js';
import type { ProxyServer } from './proxy-server.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import { log } from '../logger.js';

/** Replies of every session are composed here, then copied out per flush (flushes are synchronous). */
const WRITER = new ReplyWriter();

/** A place in the ordered reply window. */
abstract class Slot {
  next: Slot | null = null;
  done = false;
  /** Requests this slot accounts for in the session's outstanding count. */
  abstract readonly requests: number;
  /**
   * Appends this slot's reply bytes, and counts its replies in `stats` (`now`: the flush time,
   * `performance.now()` ms, for request durations).
   */
  abstract write(w: ReplyWriter, stats: ProxyStats, now: number): void;
}

/** A routed single-key (or keyless) request. */
class RoutedSlot extends Slot implements ReplySink {
  private reply: McReply = McReply.UNKNOWN;

  constructor(
    private readonly session: ClientSession,
    private readonly req: McRequest,
    /** When the request's bytes arrived (`performance.now()`, ms). */
    private readonly startedAt: number,
  ) {
    super();
  }

  onReply(reply: McReply): void {
    if (this.done) return;
    this.reply = reply;
    this.done = true;
    this.session.slotDone(this);
  }

  /** Requests this slot stands for (until its reply is written). */
  readonly requests = 1;

  write(w: ReplyWriter, stats: ProxyStats, now: number): void {
    w.reply(this.req.op, this.req.key, this.reply);
    stats.countReply(this.req.op, this.reply.result, now - this.startedAt);
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

  write(w: ReplyWriter, stats: ProxyStats, now: number): void {
    const op = this.reqs[0]?.op ?? Op.Get;
    const replies = this.replies.map((r) => r ?? McReply.NOT_FOUND);
    w.multiGet(
      op,
      this.reqs.map((r) => r.key),
      replies,
    );
    const duration = now - this.startedAt;
    for (const r of replies) stats.countReply(op, r.result, duration);
  }
}

/** A reply known at parse time (errors, version, stats). `text` includes its CRLFs. */
class TextSlot extends Slot {
  constructor(private readonly text: string) {
    super();
    this.done = true;
  }

  readonly requests = 0;

  write(w: ReplyWriter): void {
    w.text(this.text);
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
  private readonly parser: RequestParser;
  private readonly noreplySink = new NoreplySink(this);
  /** When the last chunk arrived (`performance.now()`, ms): the start of its requests' durations. */
  private readAt = 0;
  private readonly maxOutstanding: number;
  private readonly maxOutputBytes: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly server: ProxyServer,
  ) {
    const opts = server.options;
    this.maxOutstanding = opts.maxClientOutstandingReqs > 0 ? opts.maxClientOutstandingReqs : Infinity;
    this.maxOutputBytes = opts.maxClientOutputBytes;
    this.parser = new RequestParser(this, { maxItemSize: opts.maxItemSize });
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
      this.parser.feed(chunk);
    });
    socket.on('error', (err: Error) => {
      log.debug({ err, client: socket.remoteAddress }, 'client socket error');
    });
    socket.on('close', () => {
      this.onClose();
    });
  }

  // ---- RequestSink ----

  onRequest(req: McRequest): void {
    if (req.op === Op.FlushAll && !this.server.options.enableFlushCmd) {
      if (!req.noreply) this.push(new TextSlot('SERVER_ERROR Command disabled\r\n'));
      return;
    }
    this.outstanding++;
    if (req.noreply) {
      this.server.route(req, this.noreplySink);
    } else {
      const slot = new RoutedSlot(this, req, this.readAt);
      this.push(slot);
      this.server.route(req, slot);
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

  onLocalCommand(cmd: LocalCommand, args: string[]): void {
    switch (cmd) {
      case LocalCommand.Version:
        this.push(new TextSlot(`VERSION ${this.server.versionString}\r\n`));
        return;
      case LocalCommand.Stats:
        this.push(new TextSlot(this.server.statsReply(args)));
        return;
      case LocalCommand.Quit:
        this.endAfterFlush = true;
        scheduleFlush(this);
        return;
      case LocalCommand.Shutdown:
        if (!this.server.options.enableShutdownCmd) {
          this.push(new TextSlot('SERVER_ERROR Command disabled\r\n'));
          return;
        }
        log.warn({ client: this.socket.remoteAddress }, 'shutdown command received; shutting down');
        this.parser.close();
        this.server.requestShutdown('shutdown command');
        return;
    }
  }

  onRequestError(line: string, noreply: boolean): void {
    this.server.stats.clientErrors++;
    if (!noreply) this.push(new TextSlot(`${line}\r\n`));
  }

  onFatalError(line: string): void {
    this.server.stats.clientErrors++;
    this.server.logClientError(this.socket.remoteAddress, line);
    this.push(new TextSlot(`${line}\r\n`));
    this.endAfterFlush = true;
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
    this.parser.close();
    this.endAfterFlush = true;
    this.updateReading();
    scheduleFlush(this);
  }

  /** Writes the completed prefix of the window in one write. Called by the flush queue. */
  flush(): void {
    if (this.closed) return;
    const w = WRITER;
    const stats = this.server.stats;
    let s = this.head;
    const now = s?.done === true ? performance.now() : 0;
    let written = 0;
    while (s?.done === true) {
      s.write(w, stats, now);
      written += s.requests;
      s = s.next;
    }
    this.head = s;
    if (s === null) this.tail = null;
    if (w.length > 0) this.socket.write(w.take());
    if (written > 0) this.requestDone(written);
    else if (this.socket.writableLength > this.maxOutputBytes) this.updateReading();
    if (this.endAfterFlush && this.head === null && (!this.draining || this.outstanding === 0)) {
      this.closed = true;
      this.socket.end();
    }
  }

  private onClose(): void {
    this.closed = true;
    this.parser.close();
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
