/**
 * The bulk copier: chosen keys from the source servers to the destination servers over a few
 * pipelined connections, in batches.
 *
 * Each lane owns one connection to every source and every destination. A lane claims the next
 * batch of keys (at most `batchKeys`, and at most `windowBytes / lanes` bytes of items by their
 * metadump size), writes the `mg` requests of the batch to the sources in one write each, and as
 * the values come back writes the matching quiet `ms … ME` (add) to the destination the key
 * hashes to, one write per received chunk; then an `mn` to every destination used, and the
 * batch is done when every `MN` is back. So memory is bounded by the window, connections by
 * `lanes × (sources + destinations)`, and a key already written by live traffic is left alone
 * (add mode answers `NS`).
 *
 * TTLs: `mg … t` gives the remaining seconds (`-1` = never expires); the copy keeps them, with
 * remaining TTLs above 30 days sent as absolute unix times on the destination's clock (memcached
 * reads them so, see meta-request.ts). A key found with 0 s left is not copied.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerAddress } from '../config/server-address.js';
import { WarmError } from '../errors.js';
import type { KeyCatalog } from './key-catalog.js';
import { connect } from './memcached-link.js';
import { MetaRequestWriter, REALTIME_MAXDELTA } from './meta-request.js';
import { MgReplyReader, MsReplyCounter } from './meta-reply.js';

/** Destination writes are batched up to this many bytes while a batch's values arrive. */
const FLUSH_BYTES = 128 * 1024;

/** Picks the destination index for the key bytes `key[start,end)`. */
export type DestinationSelector = (key: Buffer, start: number, end: number) => number;

/** What to copy, where, and within which limits. */
export interface CopyPlan {
  readonly catalog: KeyCatalog;
  /** Catalog indices, in copy order. */
  readonly order: Uint32Array;
  readonly sources: readonly ServerAddress[];
  readonly destinations: readonly ServerAddress[];
  readonly selectDestination: DestinationSelector;
  /** Lanes: pipelined connections per server. */
  readonly connections: number;
  /** Item bytes in flight over all lanes (metadump sizes). */
  readonly windowBytes: number;
  /** Keys per batch and lane. */
  readonly batchKeys: number;
  /** Keys per second over all lanes; 0 = unlimited. */
  readonly rateKeysPerS: number;
  /** No batch starts after this time (`Date.now()` ms). */
  readonly deadline: number;
  /** Connect and reply timeout, ms. */
  readonly timeoutMs: number;
  /** The destinations' clock minus ours, s (for absolute exptimes). */
  readonly clockOffsetS: number;
  readonly signal?: AbortSignal | undefined;
}

/** Live counters (read by the progress reporter; updated per batch and per reply). */
export class CopyCounters {
  /** Keys whose copy finished one way or another. */
  done = 0;
  /** Keys sent to a destination (`copied` = sent − existing − failed at the end of each batch). */
  sent = 0;
  /** Keys the destination already had (`NS`: written by live traffic first). */
  existing = 0;
  /** Keys gone from the source (evicted, deleted or expired) by the time they were read. */
  missing = 0;
  /** Keys that failed (error replies from a source or destination). */
  failed = 0;
  /** Value bytes sent to destinations. */
  bytes = 0;
  /** True when the deadline or the signal stopped the copy early. */
  stoppedEarly = false;
  /** The first error reply, for the log. */
  firstError: string | null = null;

  /** Keys stored on a destination. */
  get copied(): number {
    return this.sent - this.existing - this.failedAtDestination;
  }

  /** Failures reported by destinations (also counted in `failed`). */
  failedAtDestination = 0;
}

class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async take(n: number): Promise<void> {
    if (this.perSecond <= 0) return;
    const now = performance.now();
    const start = Math.max(now, this.next);
    this.next = start + (n * 1000) / this.perSecond;
    if (start > now) await sleep(start - now);
  }
}

/** Shared between lanes: the position in `order`. */
class Cursor {
  pos = 0;
}

class Lane {
  private readonly srcWriters: MetaRequestWriter[];
  private readonly dstWriters: MetaRequestWriter[];
  private readonly dstCounters: MsReplyCounter[];
  /** Per source: catalog indices sent in this batch, in order, and how many have replied. */
  private readonly srcKeys: Uint32Array[];
  private readonly srcSent: number[];
  private readonly srcReplied: number[];
  private readonly dstUsed: boolean[];
  private pendingReplies = 0;
  private pendingMn = 0;
  /** This lane's destination NS / error counts already added to the counters. */
  private existingSeen = 0;
  private failedSeen = 0;
  private batchDone: (() => void) | null = null;
  private failure: ((err: Error) => void) | null = null;

  constructor(
    private readonly plan: CopyPlan,
    private readonly counters: CopyCounters,
    private readonly src: net.Socket[],
    private readonly dst: net.Socket[],
  ) {
    const maxKeys = plan.batchKeys;
    this.srcWriters = src.map(() => new MetaRequestWriter(64 * 1024));
    this.dstWriters = dst.map(() => new MetaRequestWriter(256 * 1024));
    this.srcKeys = src.map(() => new Uint32Array(maxKeys));
    this.srcSent = src.map(() => 0);
    this.srcReplied = src.map(() => 0);
    this.dstUsed = dst.map(() => false);
    this.dstCounters = dst.map(
      (_, d) =>
        new MsReplyCounter(() => {
          this.mnArrived(d);
        }),
    );
    src.forEach((socket, s) => {
      const reader = new MgReplyReader({
        hit: (value, start, end, flags, ttl) => {
          this.hit(s, value, start, end, flags, ttl);
        },
        miss: () => {
          this.srcReplied[s] = (this.srcReplied[s] ?? 0) + 1;
          counters.missing++;
          counters.done++;
          this.replied();
        },
        error: (line) => {
          this.srcReplied[s] = (this.srcReplied[s] ?? 0) + 1;
          counters.failed++;
          counters.done++;
          counters.firstError ??= line;
          this.replied();
        },
      });
      socket.on('data', (chunk: Buffer) => {
        reader.feed(chunk);
        if (this.pendingReplies !== 0) this.flushDestinations(FLUSH_BYTES);
        else this.maybeEndReplies();
      });
      this.watch(socket, plan.sources[s] as ServerAddress);
    });
    dst.forEach((socket, d) => {
      const counter = this.dstCounters[d] as MsReplyCounter;
      socket.on('data', (chunk: Buffer) => {
        counter.feed(chunk);
      });
      this.watch(socket, plan.destinations[d] as ServerAddress);
    });
  }

  private watch(socket: net.Socket, addr: ServerAddress): void {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(
        new WarmError(`connection failed: ${err.code ?? err.message}`, 'MCR_ERR_WARM_SOURCE', addr.hostPort),
      );
    });
    socket.on('close', () => {
      this.fail(new WarmError('connection closed during the copy', 'MCR_ERR_WARM_SOURCE', addr.hostPort));
    });
    socket.setTimeout(this.plan.timeoutMs, () => {
      if (this.batchDone !== null)
        this.fail(
          new WarmError(`no reply within ${this.plan.timeoutMs} ms`, 'MCR_ERR_WARM_SOURCE', addr.hostPort),
        );
    });
  }

  private fail(err: Error): void {
    const f = this.failure;
    this.failure = null;
    this.batchDone = null;
    f?.(err);
  }

  private hit(s: number, value: Buffer, start: number, end: number, flags: number, ttl: number): void {
    const n = this.srcReplied[s] ?? 0;
    this.srcReplied[s] = n + 1;
    const c = this.counters;
    const i = (this.srcKeys[s] as Uint32Array)[n] ?? 0;
    if (ttl === 0) {
      c.missing++;
      c.done++;
      this.replied();
      return;
    }
    const exptime =
      ttl < 0
        ? 0
        : ttl > REALTIME_MAXDELTA
          ? Math.floor(Date.now() / 1000) + this.plan.clockOffsetS + ttl
          : ttl;
    const catalog = this.plan.catalog;
    const keys = catalog.keys;
    const ks = catalog.keyStart(i);
    const ke = catalog.keyEnd(i);
    const d = this.plan.selectDestination(keys, ks, ke);
    (this.dstWriters[d] as MetaRequestWriter).msAdd(keys, ks, ke, exptime, flags, value, start, end);
    this.dstUsed[d] = true;
    c.sent++;
    c.bytes += end - start;
    c.done++;
    this.replied();
  }

  private replied(): void {
    this.pendingReplies--;
  }

  /** Writes each destination's pending requests once they reach `minBytes`. */
  private flushDestinations(minBytes: number): void {
    for (let d = 0; d < this.dst.length; d++) {
      const w = this.dstWriters[d] as MetaRequestWriter;
      if (w.length >= minBytes) w.writeTo(this.dst[d] as net.Socket);
    }
  }

  private maybeEndReplies(): void {
    if (this.pendingReplies !== 0 || this.batchDone === null || this.pendingMn !== 0) return;
    for (let d = 0; d < this.dst.length; d++) {
      if (!this.dstUsed[d]) continue;
      this.pendingMn++;
      const w = this.dstWriters[d] as MetaRequestWriter;
      w.mn();
      w.writeTo(this.dst[d] as net.Socket);
    }
    if (this.pendingMn === 0) this.finishBatch();
  }

  private mnArrived(d: number): void {
    this.dstUsed[d] = false;
    this.pendingMn--;
    if (this.pendingMn === 0) this.finishBatch();
  }

  private finishBatch(): void {
    const c = this.counters;
    let existing = 0;
    let failed = 0;
    for (const counter of this.dstCounters) {
      existing += counter.notStored;
      failed += counter.failed;
      if (counter.firstError !== null) c.firstError ??= counter.firstError;
    }
    c.existing += existing - this.existingSeen;
    c.failed += failed - this.failedSeen;
    c.failedAtDestination += failed - this.failedSeen;
    this.existingSeen = existing;
    this.failedSeen = failed;
    const done = this.batchDone;
    this.batchDone = null;
    done?.();
  }

  /** Copies batches until the keys run out, the deadline passes or the signal aborts. */
  async run(cursor: Cursor, limiter: RateLimiter): Promise<void> {
    const { plan } = this;
    const { catalog, order } = plan;
    const laneBytes = Math.max(1, Math.floor(plan.windowBytes / plan.connections));
    for (;;) {
      if (cursor.pos >= order.length) return;
      if (Date.now() >= plan.deadline || plan.signal?.aborted === true) {
        this.counters.stoppedEarly = true;
        return;
      }
      const from = cursor.pos;
      let to = from;
      let bytes = 0;
      while (to < order.length && to - from < plan.batchKeys && (bytes === 0 || bytes < laneBytes)) {
        bytes += catalog.size(order[to] ?? 0);
        to++;
      }
      cursor.pos = to;
      await limiter.take(to - from);
      await new Promise<void>((resolve, reject) => {
        this.batchDone = resolve;
        this.failure = reject;
        this.sendBatch(from, to);
      });
    }
  }

  private sendBatch(from: number, to: number): void {
    const { catalog, order } = this.plan;
    const keys = catalog.keys;
    this.srcSent.fill(0);
    this.srcReplied.fill(0);
    for (let k = from; k < to; k++) {
      const i = order[k] ?? 0;
      const s = catalog.source(i);
      const n = this.srcSent[s] ?? 0;
      (this.srcKeys[s] as Uint32Array)[n] = i;
      this.srcSent[s] = n + 1;
      (this.srcWriters[s] as MetaRequestWriter).mg(keys, catalog.keyStart(i), catalog.keyEnd(i));
    }
    this.pendingReplies = to - from;
    for (let s = 0; s < this.src.length; s++) {
      const w = this.srcWriters[s] as MetaRequestWriter;
      if (w.length > 0) w.writeTo(this.src[s] as net.Socket);
    }
  }
}

/**
 * Runs the copy.
 * @param counters updated as the copy goes (pass one in to watch progress)
 * @throws WarmError `MCR_ERR_WARM_SOURCE` when a server cannot be reached or a connection fails;
 *   the copy stops (keys already copied stay)
 */
export async function copyKeys(plan: CopyPlan, counters: CopyCounters): Promise<CopyCounters> {
  if (plan.order.length === 0) return counters;
  const sockets: net.Socket[] = [];
  const open = async (addr: ServerAddress): Promise<net.Socket> => {
    const s = await connect(addr, plan.timeoutMs);
    sockets.push(s);
    return s;
  };
  try {
    const lanes: Lane[] = [];
    const laneCount = Math.max(1, Math.min(plan.connections, Math.ceil(plan.order.length / plan.batchKeys)));
    for (let l = 0; l < laneCount; l++) {
      const src = await Promise.all(plan.sources.map(open));
      const dst = await Promise.all(plan.destinations.map(open));
      lanes.push(new Lane(plan, counters, src, dst));
    }
    const cursor = new Cursor();
    const limiter = new RateLimiter(plan.rateKeysPerS);
    await Promise.all(lanes.map((lane) => lane.run(cursor, limiter)));
  } finally {
    for (const s of sockets) {
      s.removeAllListeners('close');
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      s.destroy();
    }
  }
  return counters;
}
