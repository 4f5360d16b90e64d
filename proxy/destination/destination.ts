/**
 * A destination: one pipelined ASCII connection to one memcached server, shared by every pool,
 * route and config generation that names the same server with the same timeout (`mcrouter/routes/McRouteHandleProvider.cpp`,
 * `mcrouter/ProxyDestination.cpp`, `mcrouter/lib/network/AsyncMcClientImpl.cpp`), and its bulk
 * connection: a second `Destination` for the same server, created by the first request routed on
 * the bulk lane (`routingLane`), that shares its TKO tracker and feeds its counters, so stats show
 * one destination (mcrouter has one connection per destination per proxy thread).
 *
 * Requests live in one ring, in wire order, split by three counters:
 *   head ≤ sent ≤ tail:  [head, sent) written and awaiting a reply · [sent, tail) not yet written.
 * Replies match the head (FIFO). Everything routed during one loop iteration is written with one
 * `socket.write` (flush-queue). There is no timer per request: the deadline ticker expires the
 * head of the ring, whose deadline is always the oldest because every entry has the same timeout.
 *
 * Timeouts follow mcrouter's in-order client: a request's timeout starts when it is written to
 * the socket, not when it is queued (`mcrouter/lib/network/AsyncMcClientImpl.cpp` `writeSuccess`
 * schedules each request's timeout), so time spent queued inside the proxy never counts as a
 * server timeout toward TKO. A written request that times out is answered
 * `SERVER_ERROR Reply timeout` at once and stays in the ring as a "zombie" whose late reply is
 * discarded, so the connection stays in sync. A request still unwritten one timeout after it was
 * queued (the socket cannot take more) is answered `SERVER_ERROR Client queue timeout` (mcrouter's
 * text for a request that timed out before it was sent) and is never written; it is counted as a
 * timeout in the stats but not fed to the TKO tracker. On a broken connection, written requests fail with
 * REMOTE_ERROR and unwritten ones are sent again on a new connection; a failed connect fails the
 * queued requests with CONNECT_ERROR (or CONNECT_TIMEOUT).
 *
 * Health (`mcrouter/TkoTracker.cpp`): every result feeds the server's `TkoTracker`. While the server is TKO, requests
 * fail at once with `SERVER_ERROR Server unavailable. Reason: mc_res_<reason>` and nothing is sent;
 * the destination that marked the TKO probes with `version` after `--probe-timeout-initial` ms,
 * ×1.5 (with 5–50 % jitter) up to `--probe-timeout-max`, and a successful probe clears the TKO.
 *
 * Limits: no more than `--target-max-pending-requests` unwritten requests (more are answered
 * `SERVER_ERROR 307 busy`); writing stops while the socket's buffer is full (`drain` resumes it) and,
 * with `--target-max-inflight-requests`, while that many requests await replies.
 */
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { TlsConnector } from '../tls/tls-connector.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { META_OP_BASE } from '../protocol/meta/meta-request.js';
import { Result, isErrorResult } from '../protocol/result.js';
import { RequestEncoder, valueTravelsAsView } from '../protocol/request-encoder.js';
import { ReplyParser, type ReplyParserSink } from '../protocol/reply-parser.js';
import type { ServerAddress } from '../config/server-address.js';
import { scheduleFlush, type Flushable } from '../server/flush-queue.js';
import { tickPeriodFor, watchDeadlines, type Tickable } from './deadline-ticker.js';
import {
  connectErrorMessage,
  connectTimeoutMessage,
  ioErrorMessage,
  tlsConnectErrorMessage,
} from './socket-errors.js';
import { TkoState, TkoTransition, type TkoTracker } from './tko-tracker.js';
import { LatencyHistogram } from './latency-histogram.js';
import { backendOnread } from './backend-reader.js';
import { log } from '../logger.js';
import { logLimited } from '../util/log-limiter.js';

/**
 * The lane the request being routed takes (set by the client session around each `route` call;
 * requests sent from a reply callback, such as a failover, take the interactive lane): on the
 * bulk lane, `Destination.send` queues the request on the destination's second, bulk, connection.
 * memcached serves its connections in turns (`memcached/memcached.c`, `reqs_per_event`), so a
 * request/response client's request never waits behind the pipelines and multi-gets queued on the
 * bulk connection (docs/memory.md "Fairness").
 */
export const routingLane = { bulk: false };

/** Connection state, as mcrouter's `stats` counts them (num_servers_new/up/down/closed). */
export enum DestinationState {
  New,
  Up,
  Down,
  Closed,
}

/** What a destination needs to know. Times in milliseconds. */
export interface DestinationSettings {
  readonly address: ServerAddress;
  /** Per-request timeout (`server_timeout`, `--server-timeout`), ms. */
  readonly timeoutMs: number;
  /** Connect timeout (`connect_timeout`), ms. */
  readonly connectTimeoutMs: number;
  /**
   * The pool's `timeouts_until_tko` (our extension, docs/failures.md): consecutive timeouts that mark
   * the server soft TKO when this destination records them; undefined = `--timeouts-until-tko`.
   */
  readonly timeoutsUntilTko?: number | undefined;
}

/** Process-wide destination limits (command-line options). */
export interface DestinationLimits {
  /** `--probe-timeout-initial`: first probe delay, ms. */
  readonly probeDelayInitialMs: number;
  /** `--probe-timeout-max`: longest probe delay, ms (before jitter). */
  readonly probeDelayMaxMs: number;
  /** `--target-max-pending-requests`: unwritten requests before BUSY replies. */
  readonly maxPendingRequests: number;
  /** `--target-max-inflight-requests`: written requests awaiting replies before writing pauses; 0 = no limit. */
  readonly maxInflightRequests: number;
}

/** mcrouter's defaults for `DestinationLimits`. */
export const DEFAULT_DESTINATION_LIMITS: DestinationLimits = {
  probeDelayInitialMs: 10_000,
  probeDelayMaxMs: 60_000,
  maxPendingRequests: 100_000,
  maxInflightRequests: 0,
};

const enum Slot {
  Pending = 0,
  Sent = 1,
  /** Written, timed out, already answered: its late reply is discarded. */
  Zombie = 2,
  /** Timed out before it was written: never written, skipped. */
  Dropped = 3,
}

const ANSWER_SENT = 1 << Slot.Sent;
const ANSWER_PENDING = 1 << Slot.Pending;
const REPLY_TIMEOUT = McReply.error(Result.Timeout, 'Reply timeout');
const QUEUE_TIMEOUT = McReply.error(Result.Timeout, 'Client queue timeout');
const BUSY = McReply.error(Result.Busy);
const INITIAL_CAPACITY = 64;
const VERSION_REQUEST_OP = Op.Version;

/** The probe's reply handler: one per destination, at most one probe in flight. */
class ProbeSink implements ReplySink {
  constructor(private readonly destination: Destination) {}
  onReply(reply: McReply): void {
    this.destination.probeDone(reply);
  }
}

/** See the file comment. */
export class Destination implements Flushable, Tickable, ReplyParserSink {
  flushScheduled = false;
  /** This connection's state (`state` combines it with the bulk connection's). */
  private connState = DestinationState.New;

  // Ring (struct of arrays, so routing a request allocates nothing here).
  private capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private ops = new Uint8Array(INITIAL_CAPACITY);
  private status = new Uint8Array(INITIAL_CAPACITY);
  private keyStarts = new Int32Array(INITIAL_CAPACITY);
  /** Unwritten entries: queued time + timeout; written ones: write time + timeout (ms). */
  private deadlines = new Float64Array(INITIAL_CAPACITY);
  private reqs: (McRequest | null)[] = new Array<McRequest | null>(INITIAL_CAPACITY).fill(null);
  private sinks: (ReplySink | null)[] = new Array<ReplySink | null>(INITIAL_CAPACITY).fill(null);
  private head = 0;
  private sent = 0;
  private tail = 0;
  /** Written entries before this index have been checked for expiry. */
  private expiryCursor = 0;
  /** Unwritten entries before this index have been checked for expiry. */
  private queueExpiryCursor = 0;

  private socket: net.Socket | null = null;
  private connected = false;
  private connecting = false;
  private connectDeadline = 0;
  private watching = false;
  private closing = false;
  /** Writing paused until the socket's `drain`. */
  private awaitingDrain = false;
  private readonly encoder = new RequestEncoder(16 * 1024);
  private readonly parser = new ReplyParser(this);
  /** The fast-fail reply while TKO (rebuilt when the reason changes). */
  private tkoReply: McReply = McReply.error(Result.Tko);
  private probeTimer: NodeJS.Timeout | null = null;
  private probeInFlight = false;
  /** Next probe delay before jitter, ms. */
  private probeDelayMs = 0;
  private readonly probeSink = new ProbeSink(this);
  /** Probes sent since the last TKO mark (stats and logs). */
  probesSent = 0;

  // Counters for stats (`mcrouter/stats.cpp`) and metrics.
  /** Replies by result value (doubles: exact to 2^53, where 32 bits wrap in hours under load). */
  readonly resultCounts: Float64Array;
  /** Latencies of the replies the server sent (write to reply), µs. */
  readonly latency: LatencyHistogram;
  /**
   * mcrouter's `avg_latency_us` (`stats servers`): exponentially smoothed over 16 samples, replies
   * and timeouts; NaN before the first sample.
   */
  avgLatencyUs = NaN;
  connectionsOpened = 0;
  connectionsClosed = 0;
  /** TLS handshakes completed, and how many of them resumed a session. */
  tlsHandshakes = 0;
  tlsResumed = 0;
  /** The last TLS failure logged and when (performance.now ms), to log a repeat once per 10 s. */
  private tlsFailureLogged = '';
  private tlsFailureLoggedAt = 0;

  /** The destination whose counters this connection feeds: itself, or the one it is the bulk connection of. */
  private readonly owner: Destination;
  /** This is a destination's bulk connection (see `routingLane`). */
  private readonly isBulk: boolean;
  /** The bulk connection, created by the first request routed on the bulk lane. */
  private bulk: Destination | null = null;

  /** How often the deadline ticker must check this destination, ms. */
  private readonly tickMs: number;
  /** `host:port` (or `unix:path`). */
  readonly hostPort: string;
  /** mcrouter's destination key: `host:port:ascii:<plain|ssl>:notcompressed-<timeout>`. */
  readonly key: string;

  /**
   * @param tracker the server's TKO tracker (shared by destinations to the same host:port)
   * @param limits process-wide probe delays and queue limits
   * @param tls opens the connection when the address's security mechanism is `ssl`
   */
  constructor(
    readonly settings: DestinationSettings,
    readonly tracker: TkoTracker,
    private readonly limits: DestinationLimits = DEFAULT_DESTINATION_LIMITS,
    private readonly tls: TlsConnector = DEFAULT_TLS_CONNECTOR,
    owner: Destination | null = null,
  ) {
    this.owner = owner ?? this;
    this.isBulk = owner !== null;
    this.resultCounts = owner?.resultCounts ?? new Float64Array(64);
    this.latency = owner?.latency ?? new LatencyHistogram();
    this.hostPort = settings.address.hostPort;
    this.tickMs = tickPeriodFor(Math.min(settings.timeoutMs, settings.connectTimeoutMs));
    this.key = destinationKey(settings.address, settings.timeoutMs, settings.timeoutsUntilTko);
  }

  /** Sum of reply latencies, µs. */
  get latencySumUs(): number {
    return this.latency.sumUs;
  }

  /** Replies whose latency was recorded. */
  get latencyCount(): number {
    return this.latency.count;
  }

  /** Requests written and awaiting a reply (zombies included), on both connections. */
  get inflight(): number {
    return this.sent - this.head + (this.bulk?.inflight ?? 0);
  }

  /** Requests queued and not yet written, on both connections. */
  get pending(): number {
    return this.tail - this.sent + (this.bulk?.pending ?? 0);
  }

  /**
   * Connection state for stats: Up while either connection is up; Closed once both are closed
   * (and their counters final); otherwise Down if either is down, else New.
   */
  get state(): DestinationState {
    const a = this.connState;
    const bulk = this.bulk;
    if (bulk === null) return a;
    const b = bulk.connState;
    if (a === DestinationState.Up || b === DestinationState.Up) return DestinationState.Up;
    if (a === DestinationState.Closed && b === DestinationState.Closed) return DestinationState.Closed;
    if (a === DestinationState.Down || b === DestinationState.Down) return DestinationState.Down;
    return DestinationState.New;
  }

  /** Sets the first connection's state (for tests that fake a connection's history). */
  set state(s: DestinationState) {
    this.connState = s;
  }

  /**
   * Queues `req` for this server. The reply arrives through `sink.onReply`, later or, for a
   * closed destination, synchronously.
   * @param keyStart bytes of `req.key` to leave out on the wire (a stripped routing prefix)
   */
  send(req: McRequest, sink: ReplySink, keyStart: number): void {
    if (routingLane.bulk && !this.isBulk && !this.closing) {
      (this.bulk ??= new Destination(this.settings, this.tracker, this.limits, this.tls, this)).send(
        req,
        sink,
        keyStart,
      );
      return;
    }
    if (this.tracker.state !== TkoState.Healthy) {
      this.count(Result.Tko);
      sink.onReply(this.tkoReplyFor());
      return;
    }
    if (this.tail - this.sent >= this.limits.maxPendingRequests) {
      this.count(Result.Busy);
      sink.onReply(BUSY);
      return;
    }
    this.enqueue(req, sink, keyStart);
  }

  /** Queues a request regardless of health (regular requests and probes). */
  private enqueue(req: McRequest, sink: ReplySink, keyStart: number): void {
    if (this.connState === DestinationState.Closed) {
      sink.onReply(McReply.error(Result.LocalError, `destination ${this.hostPort} was removed`));
      return;
    }
    if (this.tail - this.head === this.capacity) this.grow();
    const i = this.tail & this.mask;
    // A meta request's replies are meta (`protocol/meta/`): the parser learns it from the op code.
    this.ops[i] = req.meta === null ? req.op : META_OP_BASE + req.meta.kind;
    this.status[i] = Slot.Pending;
    this.keyStarts[i] = keyStart;
    this.deadlines[i] = performance.now() + this.settings.timeoutMs;
    this.reqs[i] = req;
    this.sinks[i] = sink;
    this.tail++;
    if (!this.watching) {
      this.watching = true;
      watchDeadlines(this, this.tickMs);
    }
    if (this.connected) scheduleFlush(this);
    else if (!this.connecting) this.connect();
  }

  /**
   * Bytes handed to the socket and not yet taken by the kernel, ours and the views of client
   * chunks among them (values of `VALUE_VIEW_MIN` bytes or more pin their socket chunks until
   * written), for the memory budget.
   */
  get pinnedBytes(): number {
    return (this.socket?.writableLength ?? 0) + (this.bulk?.pinnedBytes ?? 0);
  }

  /**
   * Writes every queued request in one write: encoded bytes from the scratch buffer, large values
   * as the views they arrived in, all in one corked (vectored, `writev`) write. Called by the
   * flush queue.
   */
  flush(): void {
    const socket = this.socket;
    if (!this.connected || socket === null || this.sent === this.tail || this.awaitingDrain) return;
    if (socket.writableNeedDrain) {
      this.awaitingDrain = true;
      return;
    }
    const enc = this.encoder;
    const mask = this.mask;
    let end = this.tail;
    const maxInflight = this.limits.maxInflightRequests;
    if (maxInflight > 0) end = Math.min(end, this.head + maxInflight);
    let n = this.sent;
    let corked = false;
    const deadline = performance.now() + this.settings.timeoutMs;
    for (; n < end; n++) {
      const i = n & mask;
      this.deadlines[i] = deadline;
      if (this.status[i] !== Slot.Pending) continue;
      const req = this.reqs[i];
      if (req === null || req === undefined) continue;
      if (valueTravelsAsView(req)) {
        if (!corked) {
          socket.cork();
          corked = true;
        }
        enc.storageLine(req, this.keyStarts[i] ?? 0);
        socket.write(enc.take());
        socket.write(req.value);
        enc.crlf();
      } else enc.encode(req, this.keyStarts[i] ?? 0);
      this.status[i] = Slot.Sent;
      this.reqs[i] = null;
    }
    this.sent = n;
    if (enc.length > 0) socket.write(enc.take());
    if (corked) socket.uncork();
  }

  // ---- ReplyParserSink ----

  /** @inheritdoc */
  expectedOp(): Op | -1 {
    const mask = this.mask;
    while (this.head < this.sent && this.status[this.head & mask] === Slot.Dropped) {
      this.sinks[this.head & mask] = null;
      this.head++;
    }
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- ops holds Op values
    return this.head < this.sent ? (this.ops[this.head & this.mask] as Op) : -1;
  }

  /** @inheritdoc */
  onReply(reply: McReply): void {
    const i = this.head & this.mask;
    const sink = this.sinks[i] ?? null;
    const st = this.status[i];
    const deadline = this.deadlines[i] ?? 0;
    this.sinks[i] = null;
    this.head++;
    if (st !== Slot.Sent || sink === null) {
      // A zombie: already answered with a timeout.
      if (this.closing) this.maybeFinishClose();
      return;
    }
    const us = (performance.now() - (deadline - this.settings.timeoutMs)) * 1000;
    this.latency.record(us);
    const owner = this.owner;
    const avg = owner.avgLatencyUs;
    owner.avgLatencyUs = avg === avg ? (us + 15 * avg) / 16 : us;
    this.note(reply.result);
    sink.onReply(reply);
    if (this.closing) this.maybeFinishClose();
    else if (this.limits.maxInflightRequests > 0 && this.sent < this.tail) scheduleFlush(this);
  }

  /** @inheritdoc */
  onProtocolError(message: string): void {
    logLimited(
      'warn',
      `protocol_error:${this.hostPort}`,
      { destination: this.hostPort, reason: message },
      'protocol error from server; resetting connection',
    );
    const socket = this.socket;
    this.detachSocket();
    socket?.destroy();
    this.failWritten(message);
  }

  // ---- Tickable ----

  /** @inheritdoc */
  tick(now: number): boolean {
    if (this.connecting && now >= this.connectDeadline) {
      const socket = this.socket;
      this.detachSocket();
      socket?.destroy();
      this.note(Result.ConnectTimeout);
      this.failQueued(Result.ConnectTimeout, connectTimeoutMessage(this.settings.connectTimeoutMs));
    }
    this.expiryCursor = this.expire(Math.max(this.expiryCursor, this.head), this.sent, now);
    this.queueExpiryCursor = this.expire(Math.max(this.queueExpiryCursor, this.sent), this.tail, now);
    if (this.closing) this.maybeFinishClose();
    const busy = this.head < this.tail || this.connecting;
    if (!busy) this.watching = false;
    return busy;
  }

  /**
   * Expires the entries of `[from, end)` whose deadline is ≤ `now` (deadlines grow along the
   * ring within the written and within the unwritten part). A written request becomes a zombie
   * and counts toward TKO; an unwritten one is dropped and does not.
   * @returns the first index not expired
   */
  private expire(from: number, end: number, now: number): number {
    let n = from;
    for (; n < end; n++) {
      const i = n & this.mask;
      const deadline = this.deadlines[i] ?? 0;
      if (deadline > now) break;
      const st = this.status[i];
      if (st !== Slot.Sent && st !== Slot.Pending) continue;
      const sink = this.sinks[i] ?? null;
      this.sinks[i] = null;
      this.reqs[i] = null;
      if (st === Slot.Sent) {
        this.status[i] = Slot.Zombie;
        this.note(Result.Timeout);
        this.sampleTimeout(now - (deadline - this.settings.timeoutMs));
        sink?.onReply(REPLY_TIMEOUT);
      } else {
        this.status[i] = Slot.Dropped;
        this.count(Result.Timeout);
        sink?.onReply(QUEUE_TIMEOUT);
      }
    }
    return n;
  }

  /** A timeout counts in `avg_latency_us` as mcrouter's (its latency is the wait, ms). */
  private sampleTimeout(waitedMs: number): void {
    const us = waitedMs * 1000;
    const owner = this.owner;
    const avg = owner.avgLatencyUs;
    owner.avgLatencyUs = avg === avg ? (us + 15 * avg) / 16 : us;
  }

  // ---- health ----

  /** Counts one result and feeds the TKO tracker. */
  private note(result: Result): void {
    this.count(result);
    const transition = this.tracker.record(result, this, this.settings.timeoutsUntilTko);
    if (transition !== TkoTransition.None) this.onTkoTransition(transition);
  }

  private count(result: Result): void {
    this.resultCounts[result] = (this.resultCounts[result] ?? 0) + 1;
  }

  private tkoReplyFor(): McReply {
    const text = `Server unavailable. Reason: ${this.tracker.reasonName}`;
    if (this.tkoReply.message !== text) this.tkoReply = McReply.error(Result.Tko, text);
    return this.tkoReply;
  }

  /**
   * Logs a TKO transition (`mcrouter/TkoTracker.cpp`; mcrouter's `TkoLog`). Stable fields: `event` (`tko_marked`,
   * `tko_soft_to_hard`, `tko_recovered`, `tko_removed`), `destination` (host:port), `kind`
   * (`soft`/`hard`), `reason` (`mc_res_*`), `numFailures`, `probesSent`, and the process-wide
   * `softTkos`/`hardTkos` after the change.
   */
  private onTkoTransition(t: TkoTransition): void {
    const t0 = this.tracker;
    const totals = { softTkos: t0.counters.soft, hardTkos: t0.counters.hard };
    switch (t) {
      case TkoTransition.MarkedSoft:
      case TkoTransition.MarkedHard: {
        const kind = t === TkoTransition.MarkedSoft ? 'soft' : 'hard';
        log.warn(
          {
            event: 'tko_marked',
            destination: this.hostPort,
            kind,
            reason: t0.reasonName,
            numFailures: t0.consecutiveFailures,
            ...totals,
          },
          `${this.hostPort} marked ${kind} TKO`,
        );
        this.probeDelayMs = this.limits.probeDelayInitialMs;
        this.probesSent = 0;
        this.scheduleProbe();
        return;
      }
      case TkoTransition.SoftToHard:
        log.warn(
          {
            event: 'tko_soft_to_hard',
            destination: this.hostPort,
            kind: 'hard',
            reason: t0.reasonName,
            numFailures: t0.consecutiveFailures,
            ...totals,
          },
          `${this.hostPort} soft TKO became hard TKO`,
        );
        return;
      case TkoTransition.Recovered:
        log.info(
          { event: 'tko_recovered', destination: this.hostPort, probesSent: this.probesSent, ...totals },
          `${this.hostPort} recovered from TKO`,
        );
        return;
      case TkoTransition.None:
        return;
    }
  }

  /** Schedules the next probe: the current delay with 5–50 % jitter, then ×1.5 up to the max. */
  private scheduleProbe(): void {
    if (this.probeTimer !== null || this.connState === DestinationState.Closed) return;
    const delay = this.probeDelayMs * (1 + 0.05 + Math.random() * 0.45);
    this.probeDelayMs = Math.min(Math.max(2, this.probeDelayMs * 1.5), this.limits.probeDelayMaxMs);
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      this.sendProbe();
    }, delay);
    this.probeTimer.unref();
  }

  private sendProbe(): void {
    if (this.probeInFlight || this.tracker.responsible !== this || this.connState === DestinationState.Closed)
      return;
    this.probeInFlight = true;
    this.probesSent++;
    this.enqueue(PROBE_REQUEST, this.probeSink, 0);
  }

  /** Called with the probe's reply. */
  probeDone(reply: McReply): void {
    this.probeInFlight = false;
    if (!isErrorResult(reply.result)) {
      const t = this.tracker.recordSuccess();
      if (t !== TkoTransition.None) this.onTkoTransition(t);
      return;
    }
    if (reply.result === Result.Timeout && this.socket !== null) {
      // A hung server: start the next probe on a fresh connection, without the zombies.
      const socket = this.socket;
      this.detachSocket();
      socket.destroy();
      this.failWritten('probe timed out; connection reset');
    }
    if (this.tracker.responsible === this) this.scheduleProbe();
  }

  /**
   * Closes the destination (it left the config). New requests fail with LOCAL_ERROR; the
   * connection closes once requests already routed here have their replies.
   */
  close(): void {
    this.bulk?.close();
    if (this.connState === DestinationState.Closed) return;
    this.closing = true;
    this.leaveConfig();
    this.maybeFinishClose();
  }

  /**
   * The destination left the config (a reload replaced it): it stops probing and, when it is the
   * one holding its server TKO, clears that state at once, so that the new config's destination for
   * the same server starts fresh (`mcrouter/ProxyDestinationBase.cpp`: "was TKO, removed from
   * config"). Requests already routed here still complete.
   */
  leaveConfig(): void {
    this.bulk?.leaveConfig();
    if (this.probeTimer !== null) {
      clearTimeout(this.probeTimer);
      this.probeTimer = null;
    }
    if (this.tracker.responsible === this) {
      this.tracker.recordSuccess();
      const c = this.tracker.counters;
      log.info(
        { event: 'tko_removed', destination: this.hostPort, softTkos: c.soft, hardTkos: c.hard },
        `${this.hostPort} was TKO, removed from config`,
      );
    }
  }

  /**
   * Closes now (shutdown): requests still queued or awaiting replies fail with LOCAL_ERROR
   * `destination closed`, and the connection is dropped.
   */
  destroy(): void {
    this.bulk?.destroy();
    this.close();
    if (this.connState === DestinationState.Closed) return;
    const socket = this.socket;
    this.detachSocket();
    socket?.destroy();
    this.sent = this.tail;
    const reply = McReply.error(Result.LocalError, `destination ${this.hostPort} closed`);
    this.failUpTo(this.tail, ANSWER_SENT | ANSWER_PENDING, null, reply);
    this.maybeFinishClose();
  }

  /**
   * Closes once every request routed here has been answered: by its reply, or already by a
   * timeout (a zombie whose late reply a hung server may never send must not hold the connection).
   */
  private maybeFinishClose(): void {
    for (let n = this.head; n < this.tail; n++) {
      const st = this.status[n & this.mask];
      if ((st === Slot.Sent || st === Slot.Pending) && this.sinks[n & this.mask] !== null) return;
    }
    for (let n = this.head; n < this.tail; n++) this.sinks[n & this.mask] = null;
    this.head = this.sent = this.tail;
    this.connState = DestinationState.Closed;
    const socket = this.socket;
    this.detachSocket();
    socket?.destroy();
  }

  // ---- connection ----

  private connect(): void {
    const { address, connectTimeoutMs } = this.settings;
    this.connecting = true;
    this.connectDeadline = performance.now() + connectTimeoutMs;
    const secure = address.securityMech === 'ssl';
    let socket: net.Socket;
    let tlsSocket: TLSSocket | null = null;
    // Plain connections are read through `onread` (backend-reader.ts); TLS ones through 'data'.
    const onread = backendOnread(this.parser, () => socket === this.socket);
    try {
      if (address.path !== null) socket = net.connect({ path: address.path, onread });
      else if (secure) socket = tlsSocket = this.tls.connect(address.host, address.port, address.hostPort);
      else
        socket = net.connect({
          host: address.host,
          port: address.port,
          noDelay: true,
          keepAlive: true,
          onread,
        });
    } catch (err) {
      // The TLS certificates could not be loaded (docs/tls.md): the destination fails, visibly.
      this.connecting = false;
      const message = tlsConnectErrorMessage(err as NodeJS.ErrnoException);
      this.logTlsFailure(message);
      this.note(Result.ConnectError);
      this.failQueued(Result.ConnectError, message);
      return;
    }
    this.socket = socket;
    let error: NodeJS.ErrnoException | null = null;
    let tcpUp = false;
    socket.once('connect', () => {
      tcpUp = true;
    });
    socket.on(secure ? 'secureConnect' : 'connect', () => {
      if (socket !== this.socket) return;
      this.connecting = false;
      this.connected = true;
      this.connState = DestinationState.Up;
      this.owner.connectionsOpened++;
      if (tlsSocket !== null) {
        this.owner.tlsHandshakes++;
        if (tlsSocket.isSessionReused()) this.owner.tlsResumed++;
      }
      this.flush();
    });
    if (tlsSocket !== null) {
      socket.on('data', (chunk: Buffer) => {
        if (socket === this.socket) this.parser.feed(chunk);
      });
    }
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err;
    });
    socket.on('drain', () => {
      if (socket !== this.socket) return;
      this.awaitingDrain = false;
      this.flush();
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      const wasConnected = this.connected;
      this.detachSocket();
      if (wasConnected) this.failWritten(ioErrorMessage(error));
      else {
        let message: string;
        if (secure && tcpUp) {
          message = tlsConnectErrorMessage(error);
          this.logTlsFailure(message);
        } else message = connectErrorMessage(error);
        // The connection failure itself counts, then each queued request (mcrouter: num_failures 2).
        this.note(Result.ConnectError);
        this.failQueued(Result.ConnectError, message);
      }
    });
  }

  /**
   * Logs a failed TLS connection (`event: tls_connect_failed`, `destination`, `reason`); the same
   * reason again is logged at most every 10 s (probes and reconnects repeat it).
   */
  private logTlsFailure(reason: string): void {
    const now = performance.now();
    if (reason === this.tlsFailureLogged && now - this.tlsFailureLoggedAt < 10_000) return;
    this.tlsFailureLogged = reason;
    this.tlsFailureLoggedAt = now;
    log.warn(
      { event: 'tls_connect_failed', destination: this.hostPort, reason },
      `TLS connection to ${this.hostPort} failed: ${reason}`,
    );
  }

  /** Forgets the current socket (its events are ignored from now on). */
  private detachSocket(): void {
    if (this.connected) this.owner.connectionsClosed++;
    this.socket = null;
    this.connected = false;
    this.connecting = false;
    this.awaitingDrain = false;
    this.parser.reset();
    if (this.connState !== DestinationState.Closed) this.connState = DestinationState.Down;
  }

  /**
   * The connection broke: written requests fail with REMOTE_ERROR (zombies are dropped);
   * unwritten ones go out on a new connection.
   */
  private failWritten(message: string): void {
    this.failUpTo(this.sent, ANSWER_SENT, Result.RemoteError, McReply.error(Result.RemoteError, message));
    if (this.closing) this.maybeFinishClose();
    else if (this.sent < this.tail && this.socket === null) this.connect();
  }

  /** Connecting failed: every queued request fails with `result`. */
  private failQueued(result: Result, message: string): void {
    // Nothing was written on this connection, so [head, tail) holds only unwritten entries
    // (and entries dropped earlier). Requests routed here by the callbacks below start over.
    this.sent = this.tail;
    this.failUpTo(this.tail, ANSWER_PENDING, result, McReply.error(result, message));
    if (this.closing) this.maybeFinishClose();
  }

  /**
   * Pops the ring up to `end`, answering `reply` to the entries whose state is in `answer` (a bit
   * mask of `Slot`s) and counting them as `result` (none when `result` is null).
   */
  private failUpTo(end: number, answer: number, result: Result | null, reply: McReply): void {
    while (this.head < end) {
      const i = this.head & this.mask;
      const sink = this.sinks[i] ?? null;
      const st = this.status[i] ?? Slot.Dropped;
      this.sinks[i] = null;
      this.reqs[i] = null;
      this.head++;
      if ((answer & (1 << st)) === 0 || sink === null) continue;
      if (result !== null) this.note(result);
      sink.onReply(reply);
    }
  }

  private grow(): void {
    const oldMask = this.mask;
    const cap = this.capacity * 2;
    const mask = cap - 1;
    const ops = new Uint8Array(cap);
    const status = new Uint8Array(cap);
    const keyStarts = new Int32Array(cap);
    const deadlines = new Float64Array(cap);
    const reqs = new Array<McRequest | null>(cap).fill(null);
    const sinks = new Array<ReplySink | null>(cap).fill(null);
    for (let n = this.head; n < this.tail; n++) {
      const o = n & oldMask;
      const i = n & mask;
      ops[i] = this.ops[o] ?? 0;
      status[i] = this.status[o] ?? 0;
      keyStarts[i] = this.keyStarts[o] ?? 0;
      deadlines[i] = this.deadlines[o] ?? 0;
      reqs[i] = this.reqs[o] ?? null;
      sinks[i] = this.sinks[o] ?? null;
    }
    this.capacity = cap;
    this.mask = mask;
    this.ops = ops;
    this.status = status;
    this.keyStarts = keyStarts;
    this.deadlines = deadlines;
    this.reqs = reqs;
    this.sinks = sinks;
  }
}

/** The connector of destinations built without one: mcsidecar's default TLS settings. */
const DEFAULT_TLS_CONNECTOR = new TlsConnector();

/** The probe: `version` (mcrouter probes with a version request). */
const PROBE_REQUEST = new McRequest(VERSION_REQUEST_OP);

/**
 * mcrouter's destination key (`ProxyDestinationKey`): the access point (security mechanism
 * included, so TLS and plain to one host:port are two destinations) plus the timeout, so the
 * same server with two timeouts gets two connections (test `TestDuplicateServersDiffTimeouts`).
 * A pool `timeouts_until_tko` (our extension, docs/failures.md) adds `:tko-<n>`.
 */
export function destinationKey(address: ServerAddress, timeoutMs: number, timeoutsUntilTko?: number): string {
  const key = `${address.hostPort}:ascii:${address.securityMech}:notcompressed-${timeoutMs}`;
  return timeoutsUntilTko === undefined ? key : `${key}:tko-${timeoutsUntilTko}`;
}
