/**
 * furc_hash: mcrouter's consistent hash ("CH3"), bit-for-bit.
 *
 * Follows `furc_hash` in `mcrouter/lib/fbi/hash.c` (`mcrouter/lib/fbi/hash.c`). The key is turned into a
 * pseudo-random bit stream: word 0 is MurmurHash64A(key, SEED), word j is the rehash of word
 * j-1, and bit i is bit (i mod 64) of word (i div 64). A binary decision tree walks that stream
 * to pick a bucket in [0, m). Growing m from k to k+1 only moves keys into bucket k.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */
import { murmurHash64A, murmurHash64AWord } from './murmur64a.js';

/** MurmurHash64A seed used by furc_hash (`SEED` in hash.c): 4193360111 = 0xF9F198EF. */
export const FURC_SEED = 4193360111;
/** Number of tries for an in-range result before giving up and returning 0 (`MAX_TRIES`). */
export const FURC_MAX_TRIES = 32;
/** Gap in bit index between decision-tree levels (`FURC_SHIFT`). */
export const FURC_SHIFT = 23;
/** The pool size mcrouter's Ch3 accepts: 2^FURC_SHIFT = 8388608 (`furc_maximum_pool_size`). */
export const FURC_MAXIMUM_POOL_SIZE = 1 << FURC_SHIFT;

/**
 * Cache of bit-stream words as (lo, hi) uint32 pairs. 1024 words like the C code; the walk
 * never needs more than about 370 (32 tries of at most 32 levels, 23 bits apart).
 */
const WORDS = new Uint32Array(2 * 1024);
/** Index of the highest word in `WORDS` that is valid for the current key. */
let wordsValid = 0;

/** Bit `idx` of the current key's bit stream; computes missing words lazily. */
function furcBit(idx: number): number {
  const ord = idx >>> 6;
  while (wordsValid < ord) {
    const w = wordsValid << 1;
    // `| 0` passes int32s (small integers to V8), which never need boxing in a call.
    murmurHash64AWord(WORDS[w]! | 0, WORDS[w + 1]! | 0, FURC_SEED, WORDS, w + 2);
    wordsValid++;
  }
  const b = idx & 63;
  return b < 32 ? (WORDS[ord << 1]! >>> b) & 1 : (WORDS[(ord << 1) + 1]! >>> (b - 32)) & 1;
}

/**
 * furc_hash(key, len, m): the consistent-hash bucket of the key bytes `buf[start, end)` among
 * `m` buckets.
 *
 * @param buf   bytes holding the key.
 * @param start first key byte, inclusive.
 * @param end   end of the key, exclusive (`end - start` bytes are hashed; may be 0).
 * @param m     number of buckets, an integer in [0, 2^32 - 1]. `m <= 1` returns 0.
 *              mcrouter only allows m <= 2^23 for Ch3, but like the C code (which does not
 *              enforce its assert in release builds) this works for any uint32 m; the golden
 *              values include m = 4294967295.
 * @returns     an integer in [0, max(m, 1)). An empty range hashes like C's non-NULL empty
 *              string ""; C's `furc_hash(NULL, 0, m)`, which is always 0, has no equivalent.
 *
 * Same result as mcrouter's `furc_hash` (`mcrouter/lib/fbi/hash.c`), including the
 * "give up and return 0" cases. Uses module-level scratch (no allocation per call); not
 * re-entrant, which is fine because it never yields.
 */
export function furcHash(buf: Uint8Array, start: number, end: number, m: number): number {
  if (m <= 1) return 0;
  // d = number of bits needed for m - 1, i.e. the smallest d with 2^d >= m.
  let d = 32 - Math.clz32(m - 1);

  murmurHash64A(buf, start, end, FURC_SEED, WORDS, 0);
  wordsValid = 0;

  let a = d;
  for (let attempt = 0; attempt < FURC_MAX_TRIES; attempt++) {
    while (furcBit(a) === 0) {
      if (--d === 0) return 0;
      a = d;
    }
    a += FURC_SHIFT;
    let num = 1;
    for (let i = 1; i < d; i++) {
      num = ((num << 1) | furcBit(a)) >>> 0;
      a += FURC_SHIFT;
    }
    if (num < m) return num;
  }
  return 0;
}
