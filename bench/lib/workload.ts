/**
 * Precomputed memcached request streams (ASCII or binary protocol) for the load generator.
 *
 * The whole request sequence is built once into a single contiguous buffer so that a batch of N
 * consecutive requests is a zero-copy `subarray` and can be handed to one `socket.write`.
 */
import { binaryGetK, binarySet } from './binary-requests.js';

/**
 * The protocol the load generator speaks: memcached ASCII, binary (docs/binary-protocol.md) or
 * meta commands (`mg`/`ms`, docs/meta-protocol.md).
 */
export type Protocol = 'ascii' | 'binary' | 'meta';

/** Every protocol, ASCII first. */
export const PROTOCOLS: readonly Protocol[] = ['ascii', 'binary', 'meta'];

/** The protocols a benchmark runs when none are named. */
export const DEFAULT_PROTOCOLS: readonly Protocol[] = ['ascii', 'binary'];

/** What the load generator sends. */
export interface WorkloadSpec {
  /** `get`/`set` lines, binary GetK/Set packets or `mg`/`ms` lines (same keys, values and order). */
  readonly protocol: Protocol;
  /** Number of distinct keys (the keyspace). */
  readonly keys: number;
  /** Size of every stored value, in bytes. */
  readonly valueBytes: number;
  /** Sets per cycle of the set:get ratio (e.g. 1 for 1:10). */
  readonly sets: number;
  /** Gets per cycle of the set:get ratio (e.g. 10 for 1:10). */
  readonly gets: number;
  /** Largest batch that will ever be sent at once (the maximum pipeline depth). */
  readonly maxBatch: number;
  /** Seed for the key choice, so every run sends the same sequence. */
  readonly seed: number;
}

/** A precomputed request sequence. */
export interface Workload {
  /** Number of requests in one lap of the sequence. */
  readonly length: number;
  /**
   * Requests 0..length-1 back to back, followed by requests 0..maxBatch-1 again, so that any run
   * of at most `maxBatch` consecutive requests starting below `length` is contiguous.
   */
  readonly buf: Buffer;
  /** `offsets[i]` is the byte offset of request i in `buf`; `length + maxBatch + 1` entries. */
  readonly offsets: Uint32Array;
  /** `isSet[i]` is 1 when request i is a set, 0 when it is a get. */
  readonly isSet: Uint8Array;
  /** Value size in bytes that `get` replies must carry. */
  readonly valueBytes: number;
  /** Every key once, as set requests, to pre-populate the keyspace (`keys` requests). */
  readonly populate: Buffer;
}

/** Number of requests per lap, rounded to whole set:get cycles. Big enough to look random. */
const TARGET_LENGTH = 1 << 17;

/** Key for index `i`, fixed width so that every reply header has the same length. */
export function keyName(i: number, keys: number): string {
  const width = String(Math.max(0, keys - 1)).length;
  return `mcb:${String(i).padStart(width, '0')}`;
}

/** Deterministic xorshift32 PRNG returning integers in [0, 2^32). */
function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Value bytes: printable, no CR/LF, same for every key. */
function makeValue(valueBytes: number): Buffer {
  const v = Buffer.allocUnsafe(valueBytes);
  for (let i = 0; i < valueBytes; i++) v[i] = 0x61 + (i % 26);
  return v;
}

/**
 * Builds the request sequence: cycles of `sets` sets followed by `gets` gets, with uniformly
 * random keys from the keyspace (seeded, so identical across runs, targets and protocols).
 */
export function buildWorkload(spec: WorkloadSpec): Workload {
  const cycle = spec.sets + spec.gets;
  if (cycle <= 0) throw new Error('set:get ratio must have at least one operation');
  const length = Math.max(1, Math.round(TARGET_LENGTH / cycle)) * cycle;
  const value = makeValue(spec.valueBytes);
  const crlf = Buffer.from('\r\n');
  const binary = spec.protocol === 'binary';

  const getReq: Buffer[] = [];
  const setReq: Buffer[] = [];
  for (let k = 0; k < spec.keys; k++) {
    const key = keyName(k, spec.keys);
    if (binary) {
      getReq.push(binaryGetK(key));
      setReq.push(binarySet(key, value));
    } else if (spec.protocol === 'meta') {
      getReq.push(Buffer.from(`mg ${key} v\r\n`));
      setReq.push(Buffer.concat([Buffer.from(`ms ${key} ${spec.valueBytes}\r\n`), value, crlf]));
    } else {
      getReq.push(Buffer.from(`get ${key}\r\n`));
      setReq.push(Buffer.concat([Buffer.from(`set ${key} 0 0 ${spec.valueBytes}\r\n`), value, crlf]));
    }
  }

  const rnd = xorshift32(spec.seed);
  const isSet = new Uint8Array(length);
  const seq: Buffer[] = [];
  for (let i = 0; i < length; i++) {
    const k = rnd() % spec.keys;
    const set = i % cycle < spec.sets;
    isSet[i] = set ? 1 : 0;
    const req = set ? setReq[k] : getReq[k];
    if (req === undefined) throw new Error('unreachable: key index out of range');
    seq.push(req);
  }
  const padded = seq.concat(seq.slice(0, Math.min(spec.maxBatch, length)));
  while (padded.length < length + spec.maxBatch) padded.push(...seq);

  const offsets = new Uint32Array(length + spec.maxBatch + 1);
  let off = 0;
  for (let i = 0; i < offsets.length; i++) {
    offsets[i] = off;
    off += padded[i]?.length ?? 0;
  }
  const buf = Buffer.concat(padded.slice(0, length + spec.maxBatch));
  return { length, buf, offsets, isSet, valueBytes: spec.valueBytes, populate: Buffer.concat(setReq) };
}
