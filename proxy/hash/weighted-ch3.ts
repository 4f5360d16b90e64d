/**
 * mcrouter's WeightedCh3 hash function: Ch3 with per-destination acceptance weights.
 *
 * As `WeightedCh3HashFunc` (`mcrouter/lib/WeightedCh3HashFunc.{h,cpp}`) with weight parsing from
 * `WeightedChHashFuncBase.cpp` (`mcrouter/lib/WeightedCh3HashFunc.cpp`). Up to 32 attempts: pick `index = furc_hash(key, n)`;
 * accept it if `Spooky32(key, 0xface2014) < floor(weight[index] * 4294967295)`; otherwise retry
 * with the original key plus a salt suffix "0", "1", ..., "9", "01", "11", ... (the decimal
 * digits of an attempt counter, least significant first). After 32 rejections the last index
 * is returned. With every weight 1.0 the result equals Ch3 (except for the 2^-32 chance that
 * Spooky32 is exactly 0xffffffff, where mcrouter retries too).
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */
import { ConfigError } from '../errors.js';
import { FURC_MAXIMUM_POOL_SIZE, furcHash } from './furc.js';
import { spooky32 } from './spooky-v2.js';

/** SpookyHashV2 seed of the acceptance test (`kHashSeed`). */
export const WEIGHTED_CH3_SEED = 0xface2014;
/** Attempts before giving up and returning the last index (`kNumTries`). */
export const WEIGHTED_CH3_TRIES = 32;
/** Weight given to destinations beyond the end of the configured `weights` array. */
export const WEIGHTED_CH3_DEFAULT_WEIGHT = 0.5;

const UINT32_MAX = 4294967295;
const DIGIT_0 = 0x30;

/** Scratch for `key + salt digits`; grown when a longer key arrives, never shrunk. */
let scratch = Buffer.allocUnsafeSlow(512);

/**
 * Validates WeightedCh3 weights and precomputes the acceptance thresholds.
 *
 * @param weights the configured weights, one per destination, each a number in [0, 1]; entries
 *                beyond `n` are ignored and missing ones default to 0.5 (mcrouter logs
 *                "CONFIG IS BROKEN" in that case; we leave logging to the caller).
 * @param n       pool size, an integer in [1, 8388608].
 * @returns       `Float64Array(n)` where entry i is `floor(weight[i] * 4294967295)`, the value the
 *                C++ code gets by converting `weight * UINT32_MAX` to uint64.
 * @throws ConfigError `Invalid pool size for WeightedCh3: <n>` for a bad `n` (mcrouter: "Invalid pool
 *                size"), or `WeightedCh3: weight at index <i> must be a number in [0, 1], got <w>`.
 */
export function weightedCh3Thresholds(weights: readonly number[], n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > FURC_MAXIMUM_POOL_SIZE) {
    throw new ConfigError('', `Invalid pool size for WeightedCh3: ${n}`);
  }
  const thresholds = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = i < weights.length ? weights[i] : WEIGHTED_CH3_DEFAULT_WEIGHT;
    if (typeof w !== 'number' || !(w >= 0 && w <= 1)) {
      throw new ConfigError(
        '',
        `WeightedCh3: weight at index ${i} must be a number in [0, 1], got ${String(w)}`,
      );
    }
    thresholds[i] = Math.floor(w * UINT32_MAX);
  }
  return thresholds;
}

/**
 * WeightedCh3 index of the key bytes `buf[start, end)`.
 *
 * @param thresholds from `weightedCh3Thresholds`; its length is the pool size n.
 * @returns          an index in [0, n).
 *
 * Same result as mcrouter's `WeightedCh3HashFunc::operator()` (`mcrouter/lib/WeightedCh3HashFunc.cpp`). The first attempt
 * hashes the key in place; retries copy it once into a module-level scratch buffer and rewrite
 * only the salt digits, so there is no allocation per call (the scratch grows once for a key
 * longer than any seen before).
 */
export function weightedCh3Hash(
  buf: Uint8Array,
  start: number,
  end: number,
  thresholds: Float64Array,
): number {
  const n = thresholds.length;
  let index = furcHash(buf, start, end, n);
  if (spooky32(buf, start, end, WEIGHTED_CH3_SEED) < thresholds[index]!) return index;

  const len = end - start;
  if (scratch.length < len + 2) scratch = Buffer.allocUnsafeSlow(Math.max(len + 2, 2 * scratch.length));
  const key = scratch;
  // A byte loop, not Buffer#copy: on Node 20 copy() of a sub-range allocates a Uint8Array view.
  for (let i = 0; i < len; i++) key[i] = buf[start + i]!;
  // Attempts 2..32 use salts 0..30: one digit below 10, else two, least significant first.
  for (let salt = 0; salt < WEIGHTED_CH3_TRIES - 1; salt++) {
    let keyLen: number;
    if (salt < 10) {
      key[len] = DIGIT_0 + salt;
      keyLen = len + 1;
    } else {
      key[len] = DIGIT_0 + (salt % 10);
      key[len + 1] = DIGIT_0 + Math.floor(salt / 10);
      keyLen = len + 2;
    }
    index = furcHash(key, 0, keyLen, n);
    if (spooky32(key, 0, keyLen, WEIGHTED_CH3_SEED) < thresholds[index]!) return index;
  }
  return index;
}
