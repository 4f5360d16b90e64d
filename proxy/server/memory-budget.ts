/**
 * One memory budget in bytes for the whole process (`--max-memory-bytes`): every client session
 * accounts the bytes it buffers — replies waiting to be written (values pin the backend chunks
 * they are views of), replies held for request order, replies not yet read by the client (the
 * socket's output queue) — plus a reservation for each request routed and not yet answered.
 *
 * A session routes a request only when its own bytes plus the request's reservation stay within
 * its share (`--max-client-output-bytes`, at most a quarter of the budget); otherwise the request
 * waits, unrouted, and the session stops reading. When the process as a whole is past the budget,
 * a request is answered at once with memcached's `SERVER_ERROR out of memory storing object`
 * (binary: status 0x82, `memcached/proto_text.c`, `memcached/proto_bin.c`) instead of being routed.
 *
 * The reservation for a get is the size of recent replies (a max that decays toward smaller
 * replies), starting at memcached's default item size limit so that the very first burst is
 * bounded too; other requests reserve a small constant. See docs/memory.md.
 */
import { readFileSync } from 'node:fs';
import { McReply } from '../protocol/reply.js';
import { Result } from '../protocol/result.js';

/** The reply to a request refused for memory (memcached's text; binary ENOMEM). */
export const OUT_OF_MEMORY = McReply.error(Result.LocalError, 'out of memory storing object');

/** Bytes accounted for a reply besides its value (header, slot, reply object). */
export const REPLY_OVERHEAD = 64;

/** First get reservation: memcached's default item size limit (`-I 1m`). */
const INITIAL_ESTIMATE = 1024 * 1024;
/** Smallest get reservation. */
const MIN_ESTIMATE = 1024;
/** Budget when no cgroup memory limit is set. */
const FIXED_DEFAULT = 128 * 1024 * 1024;

/**
 * The default budget: a quarter of the cgroup memory limit (v2 `memory.max`, v1
 * `memory.limit_in_bytes`) when one is set, else 128 MiB.
 * @param root the cgroup file system mount (tests pass a directory of their own)
 */
export function defaultMemoryBudget(root = '/sys/fs/cgroup'): number {
  for (const file of ['memory.max', 'memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = readFileSync(`${root}/${file}`, 'utf8').trim();
    } catch {
      continue;
    }
    const limit = Number(text);
    // "max" (v2) or a huge number (v1's "unlimited") mean no limit.
    if (Number.isSafeInteger(limit) && limit > 0 && limit < 2 ** 50) return Math.floor(limit / 4);
  }
  return FIXED_DEFAULT;
}

/**
 * The largest value a client may send, bytes: `--max-item-size` when given; else memcached's
 * default item size limit (1 MiB), or, with `--big-value-split-threshold` (values are split, so the
 * item size limit no longer applies), the process budget: a value is held whole while it is split
 * or reassembled. See docs/big-values.md.
 */
export function clientValueLimit(
  maxItemSize: number | undefined,
  bigValueSplitThreshold: number,
  budget: MemoryBudget,
): number {
  if (maxItemSize !== undefined) return maxItemSize;
  return bigValueSplitThreshold > 0 ? budget.limit : INITIAL_ESTIMATE;
}

/** See the file comment. One per process (shared by every session). */
export class MemoryBudget {
  /** Bytes accounted over every session. */
  used = 0;
  /** Peak of `used`. */
  peak = 0;
  /** Requests answered with OUT_OF_MEMORY. */
  refused = 0;
  private estimate = INITIAL_ESTIMATE;
  /** Bytes a session may hold before its requests wait (see the file comment). */
  readonly clientShare: number;

  /**
   * @param limit process budget in bytes
   * @param clientLimit per-client share asked for (`--max-client-output-bytes`), capped at limit/4
   */
  constructor(
    readonly limit: number,
    clientLimit: number,
  ) {
    this.clientShare = Math.max(1, Math.min(clientLimit, Math.floor(limit / 4)));
  }

  /** Adds `n` bytes (negative to release). */
  add(n: number): void {
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
  }

  /** True when `n` more bytes would take the process past its budget. */
  wouldExceed(n: number): boolean {
    return this.used + n > this.limit;
  }

  /** What to reserve for a get-like request routed now (bytes). */
  get getReservation(): number {
    return this.estimate;
  }

  /** Learns from a get reply of `bytes`: jumps up to it, decays by 1/16 toward smaller ones. */
  observe(bytes: number): void {
    const e = this.estimate;
    this.estimate = bytes >= e ? bytes : Math.max(MIN_ESTIMATE, e - ((e - bytes) >>> 4));
  }
}
