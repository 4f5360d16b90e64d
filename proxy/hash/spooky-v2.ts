/**
 * SpookyHash V2 (Bob Jenkins, public domain), 32-bit result, with 64-bit words as uint32 halves.
 *
 * mcrouter uses folly's `folly::hash::SpookyHashV2::Hash32` (`folly/hash/SpookyHashV2.{h,cpp}`)
 * for WeightedCh3's acceptance probability (seed 0xface2014, `mcrouter/lib/WeightedCh3HashFunc.cpp`) and, with seed 0, as the
 * "routing key hash" behind shadow key fractions and MigrateRoute (`mcrouter/routes/ShadowRoute.h`). Hash32 is the
 * low 32 bits of `hash1` after Hash128 with `hash1 = hash2 = seed`.
 *
 * Two code paths, both needed because keys (up to 250 bytes, plus salts) straddle the cut-off:
 *  - messages shorter than 192 bytes: a 4-word state, "ShortMix" per 32 bytes, "ShortEnd";
 *  - 192 bytes and longer: a 12-word state, "Mix" per 96-byte block, then "End" on the
 *    zero-padded last partial block whose final byte holds the remainder length.
 *
 * The state lives in local variables (each 64-bit word as two int32 halves); the only
 * module-level buffer is the long path's zero-padded tail block, filled and read within one call.
 * A call allocates nothing.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */

/** Messages of this many bytes or more take the long (12-word) path. */
const SHORT_LIMIT = 192;
/** Bytes per long-path block: 12 words of 8 bytes. */
const BLOCK_BYTES = 96;
/** Each half of the constant 0xdeadbeefdeadbeef. */
const CONST_HALF = 0xdeadbeef;

/** Zero-padded copy of the last partial block on the long path. */
const TAIL = new Uint8Array(BLOCK_BYTES);

/** Signed int32 view of `CONST_HALF`, the form the short path's locals use. */
const CONST_I32 = CONST_HALF | 0;

/** Little-endian int32 at `buf[p, p + 4)`. */
function i32(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}

/** Little-endian value of the 0..4 bytes at `buf[p, p + n)`, zero-padded, as an int32. */
function partial32(buf: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = (v << 8) | buf[p + k]!;
  return v;
}

/**
 * Hash32 for messages shorter than 192 bytes (SpookyHash's "Short"): state h0..h3 (a, b, c, d
 * in the reference) as int32 halves in locals, with ShortMix and ShortEnd unrolled; each step
 * is preceded by a comment giving its 64-bit meaning. Returns the low half of h0 as an int32
 * (callers apply `>>> 0`; an int32 return value never needs boxing).
 */
function short32(buf: Uint8Array, start: number, end: number, seed: number): number {
  const len = end - start;
  let h0L = seed | 0;
  let h0H = 0;
  let h1L = seed | 0;
  let h1H = 0;
  let h2L = CONST_I32;
  let h2H = CONST_I32;
  let h3L = CONST_I32;
  let h3H = CONST_I32;
  let t: number;
  let p = start;
  let rem = len & 31;
  if (len > 15) {
    // Whole 32-byte blocks: h2 += w0; h3 += w1; ShortMix; h0 += w2; h1 += w3. Then, if at
    // least 16 bytes remain: h2 += w0; h3 += w1; ShortMix.
    const blocksEnd = end - rem;
    const mixEnd = rem >= 16 ? blocksEnd + 16 : blocksEnd;
    while (p < mixEnd) {
      t = (h2L >>> 0) + (i32(buf, p) >>> 0);
      h2H = (h2H + i32(buf, p + 4) + (t > 0xffffffff ? 1 : 0)) | 0;
      h2L = t | 0;
      t = (h3L >>> 0) + (i32(buf, p + 8) >>> 0);
      h3H = (h3H + i32(buf, p + 12) + (t > 0xffffffff ? 1 : 0)) | 0;
      h3L = t | 0;
      // h2 = rot(h2, 50); h2 += h3; h0 ^= h2
      t = h2H;
      h2H = (h2L << 18) | (t >>> 14);
      h2L = (t << 18) | (h2L >>> 14);
      t = (h2L >>> 0) + (h3L >>> 0);
      h2H = (h2H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
      h2L = t | 0;
      h0L ^= h2L;
      h0H ^= h2H;
      // h3 = rot(h3, 52); h3 += h0; h1 ^= h3
      t = h3H;
      h3H = (h3L << 20) | (t >>> 12);
      h3L = (t << 20) | (h3L >>> 12);
      t = (h3L >>> 0) + (h0L >>> 0);
      h3H = (h3H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
      h3L = t | 0;
      h1L ^= h3L;
      h1H ^= h3H;
      // h0 = rot(h0, 30); h0 += h1; h2 ^= h0
      t = h0H;
      h0H = (h0H << 30) | (h0L >>> 2);
      h0L = (h0L << 30) | (t >>> 2);
      t = (h0L >>> 0) + (h1L >>> 0);
      h0H = (h0H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
      h0L = t | 0;
      h2L ^= h0L;
      h2H ^= h0H;
      // h1 = rot(h1, 41); h1 += h2; h3 ^= h1
      t = h1H;
      h1H = (h1L << 9) | (t >>> 23);
      h1L = (t << 9) | (h1L >>> 23);
      t = (h1L >>> 0) + (h2L >>> 0);
      h1H = (h1H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
      h1L = t | 0;
      h3L ^= h1L;
      h3H ^= h1H;
      // h2 = rot(h2, 54); h2 += h3; h0 ^= h2
      t = h2H;
      h2H = (h2L << 22) | (t >>> 10);
      h2L = (t << 22) | (h2L >>> 10);
      t = (h2L >>> 0) + (h3L >>> 0);
      h2H = (h2H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
      h2L = t | 0;
      h0L ^= h2L;
      h0H ^= h2H;
      // h3 = rot(h3, 48); h3 += h0; h1 ^= h3
      t = h3H;
      h3H = (h3L << 16) | (t >>> 16);
      h3L = (t << 16) | (h3L >>> 16);
      t = (h3L >>> 0) + (h0L >>> 0);
      h3H = (h3H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
      h3L = t | 0;
      h1L ^= h3L;
      h1H ^= h3H;
      // h0 = rot(h0, 38); h0 += h1; h2 ^= h0
      t = h0H;
      h0H = (h0L << 6) | (t >>> 26);
      h0L = (t << 6) | (h0L >>> 26);
      t = (h0L >>> 0) + (h1L >>> 0);
      h0H = (h0H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
      h0L = t | 0;
      h2L ^= h0L;
      h2H ^= h0H;
      // h1 = rot(h1, 37); h1 += h2; h3 ^= h1
      t = h1H;
      h1H = (h1L << 5) | (t >>> 27);
      h1L = (t << 5) | (h1L >>> 27);
      t = (h1L >>> 0) + (h2L >>> 0);
      h1H = (h1H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
      h1L = t | 0;
      h3L ^= h1L;
      h3H ^= h1H;
      // h2 = rot(h2, 62); h2 += h3; h0 ^= h2
      t = h2H;
      h2H = (h2L << 30) | (t >>> 2);
      h2L = (t << 30) | (h2L >>> 2);
      t = (h2L >>> 0) + (h3L >>> 0);
      h2H = (h2H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
      h2L = t | 0;
      h0L ^= h2L;
      h0H ^= h2H;
      // h3 = rot(h3, 34); h3 += h0; h1 ^= h3
      t = h3H;
      h3H = (h3L << 2) | (t >>> 30);
      h3L = (t << 2) | (h3L >>> 30);
      t = (h3L >>> 0) + (h0L >>> 0);
      h3H = (h3H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
      h3L = t | 0;
      h1L ^= h3L;
      h1H ^= h3H;
      // h0 = rot(h0, 5); h0 += h1; h2 ^= h0
      t = h0H;
      h0H = (h0H << 5) | (h0L >>> 27);
      h0L = (h0L << 5) | (t >>> 27);
      t = (h0L >>> 0) + (h1L >>> 0);
      h0H = (h0H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
      h0L = t | 0;
      h2L ^= h0L;
      h2H ^= h0H;
      // h1 = rot(h1, 36); h1 += h2; h3 ^= h1
      t = h1H;
      h1H = (h1L << 4) | (t >>> 28);
      h1L = (t << 4) | (h1L >>> 28);
      t = (h1L >>> 0) + (h2L >>> 0);
      h1H = (h1H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
      h1L = t | 0;
      h3L ^= h1L;
      h3H ^= h1H;
      if (p < blocksEnd) {
        t = (h0L >>> 0) + (i32(buf, p + 16) >>> 0);
        h0H = (h0H + i32(buf, p + 20) + (t > 0xffffffff ? 1 : 0)) | 0;
        h0L = t | 0;
        t = (h1L >>> 0) + (i32(buf, p + 24) >>> 0);
        h1H = (h1H + i32(buf, p + 28) + (t > 0xffffffff ? 1 : 0)) | 0;
        h1L = t | 0;
        p += 32;
      } else {
        p += 16;
        rem -= 16;
      }
    }
  }
  // h3 += len << 56
  h3H = (h3H + (len << 24)) | 0;
  // The last 0..15 bytes: zero-padded to 16 and added to h2 (bytes 0..7) and h3 (bytes
  // 8..15) as little-endian words, which is what the reference's fall-through switch
  // computes; with no bytes left both get the constant instead.
  let c0 = CONST_I32;
  let c1 = CONST_I32;
  let d0 = CONST_I32;
  let d1 = CONST_I32;
  if (rem !== 0) {
    c0 = rem >= 4 ? i32(buf, p) : partial32(buf, p, rem);
    c1 = rem >= 8 ? i32(buf, p + 4) : rem > 4 ? partial32(buf, p + 4, rem - 4) : 0;
    d0 = rem >= 12 ? i32(buf, p + 8) : rem > 8 ? partial32(buf, p + 8, rem - 8) : 0;
    d1 = rem > 12 ? partial32(buf, p + 12, rem - 12) : 0;
  }
  t = (h2L >>> 0) + (c0 >>> 0);
  h2H = (h2H + c1 + (t > 0xffffffff ? 1 : 0)) | 0;
  h2L = t | 0;
  t = (h3L >>> 0) + (d0 >>> 0);
  h3H = (h3H + d1 + (t > 0xffffffff ? 1 : 0)) | 0;
  h3L = t | 0;
  // h3 ^= h2; h2 = rot(h2, 15); h3 += h2
  h3L ^= h2L;
  h3H ^= h2H;
  t = h2H;
  h2H = (h2H << 15) | (h2L >>> 17);
  h2L = (h2L << 15) | (t >>> 17);
  t = (h3L >>> 0) + (h2L >>> 0);
  h3H = (h3H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
  h3L = t | 0;
  // h0 ^= h3; h3 = rot(h3, 52); h0 += h3
  h0L ^= h3L;
  h0H ^= h3H;
  t = h3H;
  h3H = (h3L << 20) | (t >>> 12);
  h3L = (t << 20) | (h3L >>> 12);
  t = (h0L >>> 0) + (h3L >>> 0);
  h0H = (h0H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
  h0L = t | 0;
  // h1 ^= h0; h0 = rot(h0, 26); h1 += h0
  h1L ^= h0L;
  h1H ^= h0H;
  t = h0H;
  h0H = (h0H << 26) | (h0L >>> 6);
  h0L = (h0L << 26) | (t >>> 6);
  t = (h1L >>> 0) + (h0L >>> 0);
  h1H = (h1H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
  h1L = t | 0;
  // h2 ^= h1; h1 = rot(h1, 51); h2 += h1
  h2L ^= h1L;
  h2H ^= h1H;
  t = h1H;
  h1H = (h1L << 19) | (t >>> 13);
  h1L = (t << 19) | (h1L >>> 13);
  t = (h2L >>> 0) + (h1L >>> 0);
  h2H = (h2H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
  h2L = t | 0;
  // h3 ^= h2; h2 = rot(h2, 28); h3 += h2
  h3L ^= h2L;
  h3H ^= h2H;
  t = h2H;
  h2H = (h2H << 28) | (h2L >>> 4);
  h2L = (h2L << 28) | (t >>> 4);
  t = (h3L >>> 0) + (h2L >>> 0);
  h3H = (h3H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
  h3L = t | 0;
  // h0 ^= h3; h3 = rot(h3, 9); h0 += h3
  h0L ^= h3L;
  h0H ^= h3H;
  t = h3H;
  h3H = (h3H << 9) | (h3L >>> 23);
  h3L = (h3L << 9) | (t >>> 23);
  t = (h0L >>> 0) + (h3L >>> 0);
  h0H = (h0H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
  h0L = t | 0;
  // h1 ^= h0; h0 = rot(h0, 47); h1 += h0
  h1L ^= h0L;
  h1H ^= h0H;
  t = h0H;
  h0H = (h0L << 15) | (t >>> 17);
  h0L = (t << 15) | (h0L >>> 17);
  t = (h1L >>> 0) + (h0L >>> 0);
  h1H = (h1H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
  h1L = t | 0;
  // h2 ^= h1; h1 = rot(h1, 54); h2 += h1
  h2L ^= h1L;
  h2H ^= h1H;
  t = h1H;
  h1H = (h1L << 22) | (t >>> 10);
  h1L = (t << 22) | (h1L >>> 10);
  t = (h2L >>> 0) + (h1L >>> 0);
  h2H = (h2H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
  h2L = t | 0;
  // h3 ^= h2; h2 = rot(h2, 32); h3 += h2
  h3L ^= h2L;
  h3H ^= h2H;
  t = h2H;
  h2H = h2L;
  h2L = t;
  t = (h3L >>> 0) + (h2L >>> 0);
  h3H = (h3H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
  h3L = t | 0;
  // h0 ^= h3; h3 = rot(h3, 25); h0 += h3
  h0L ^= h3L;
  h0H ^= h3H;
  t = h3H;
  h3H = (h3H << 25) | (h3L >>> 7);
  h3L = (h3L << 25) | (t >>> 7);
  t = (h0L >>> 0) + (h3L >>> 0);
  h0H = (h0H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
  h0L = t | 0;
  // Last step, h1 ^= h0; h0 = rot(h0, 63); h1 += h0: Hash32 needs only the low half of h0,
  // so just that is computed.
  return (h0H << 31) | (h0L >>> 1);
}

/**
 * Hash32 for messages of 192 bytes or more: state h0..h11 as int32 halves in locals, Mix per
 * 96-byte block, then End on the zero-padded last partial block (its final byte holding the
 * remainder length): add the block's words, then three rounds of EndPartial. Each unrolled
 * step is preceded by a comment giving its 64-bit meaning (indices mod 12). Returns the low
 * half of h0 as an int32.
 */
function long32(buf: Uint8Array, start: number, end: number, seed: number): number {
  let h0L = seed | 0;
  let h0H = 0;
  let h1L = seed | 0;
  let h1H = 0;
  let h2L = CONST_I32;
  let h2H = CONST_I32;
  let h3L = seed | 0;
  let h3H = 0;
  let h4L = seed | 0;
  let h4H = 0;
  let h5L = CONST_I32;
  let h5H = CONST_I32;
  let h6L = seed | 0;
  let h6H = 0;
  let h7L = seed | 0;
  let h7H = 0;
  let h8L = CONST_I32;
  let h8H = CONST_I32;
  let h9L = seed | 0;
  let h9H = 0;
  let h10L = seed | 0;
  let h10H = 0;
  let h11L = CONST_I32;
  let h11H = CONST_I32;
  let t: number;
  const rem = (end - start) % BLOCK_BYTES;
  const blocksEnd = end - rem;
  for (let p = start; p < blocksEnd; p += BLOCK_BYTES) {
    // h0 += w0; h2 ^= h10; h11 ^= h0; h0 = rot(h0, 11); h11 += h1
    t = (h0L >>> 0) + (i32(buf, p) >>> 0);
    h0H = (h0H + i32(buf, p + 4) + (t > 0xffffffff ? 1 : 0)) | 0;
    h0L = t | 0;
    h2L ^= h10L;
    h2H ^= h10H;
    h11L ^= h0L;
    h11H ^= h0H;
    t = h0H;
    h0H = (h0H << 11) | (h0L >>> 21);
    h0L = (h0L << 11) | (t >>> 21);
    t = (h11L >>> 0) + (h1L >>> 0);
    h11H = (h11H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
    h11L = t | 0;
    // h1 += w1; h3 ^= h11; h0 ^= h1; h1 = rot(h1, 32); h0 += h2
    t = (h1L >>> 0) + (i32(buf, p + 8) >>> 0);
    h1H = (h1H + i32(buf, p + 12) + (t > 0xffffffff ? 1 : 0)) | 0;
    h1L = t | 0;
    h3L ^= h11L;
    h3H ^= h11H;
    h0L ^= h1L;
    h0H ^= h1H;
    t = h1H;
    h1H = h1L;
    h1L = t;
    t = (h0L >>> 0) + (h2L >>> 0);
    h0H = (h0H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
    h0L = t | 0;
    // h2 += w2; h4 ^= h0; h1 ^= h2; h2 = rot(h2, 43); h1 += h3
    t = (h2L >>> 0) + (i32(buf, p + 16) >>> 0);
    h2H = (h2H + i32(buf, p + 20) + (t > 0xffffffff ? 1 : 0)) | 0;
    h2L = t | 0;
    h4L ^= h0L;
    h4H ^= h0H;
    h1L ^= h2L;
    h1H ^= h2H;
    t = h2H;
    h2H = (h2L << 11) | (t >>> 21);
    h2L = (t << 11) | (h2L >>> 21);
    t = (h1L >>> 0) + (h3L >>> 0);
    h1H = (h1H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
    h1L = t | 0;
    // h3 += w3; h5 ^= h1; h2 ^= h3; h3 = rot(h3, 31); h2 += h4
    t = (h3L >>> 0) + (i32(buf, p + 24) >>> 0);
    h3H = (h3H + i32(buf, p + 28) + (t > 0xffffffff ? 1 : 0)) | 0;
    h3L = t | 0;
    h5L ^= h1L;
    h5H ^= h1H;
    h2L ^= h3L;
    h2H ^= h3H;
    t = h3H;
    h3H = (h3H << 31) | (h3L >>> 1);
    h3L = (h3L << 31) | (t >>> 1);
    t = (h2L >>> 0) + (h4L >>> 0);
    h2H = (h2H + h4H + (t > 0xffffffff ? 1 : 0)) | 0;
    h2L = t | 0;
    // h4 += w4; h6 ^= h2; h3 ^= h4; h4 = rot(h4, 17); h3 += h5
    t = (h4L >>> 0) + (i32(buf, p + 32) >>> 0);
    h4H = (h4H + i32(buf, p + 36) + (t > 0xffffffff ? 1 : 0)) | 0;
    h4L = t | 0;
    h6L ^= h2L;
    h6H ^= h2H;
    h3L ^= h4L;
    h3H ^= h4H;
    t = h4H;
    h4H = (h4H << 17) | (h4L >>> 15);
    h4L = (h4L << 17) | (t >>> 15);
    t = (h3L >>> 0) + (h5L >>> 0);
    h3H = (h3H + h5H + (t > 0xffffffff ? 1 : 0)) | 0;
    h3L = t | 0;
    // h5 += w5; h7 ^= h3; h4 ^= h5; h5 = rot(h5, 28); h4 += h6
    t = (h5L >>> 0) + (i32(buf, p + 40) >>> 0);
    h5H = (h5H + i32(buf, p + 44) + (t > 0xffffffff ? 1 : 0)) | 0;
    h5L = t | 0;
    h7L ^= h3L;
    h7H ^= h3H;
    h4L ^= h5L;
    h4H ^= h5H;
    t = h5H;
    h5H = (h5H << 28) | (h5L >>> 4);
    h5L = (h5L << 28) | (t >>> 4);
    t = (h4L >>> 0) + (h6L >>> 0);
    h4H = (h4H + h6H + (t > 0xffffffff ? 1 : 0)) | 0;
    h4L = t | 0;
    // h6 += w6; h8 ^= h4; h5 ^= h6; h6 = rot(h6, 39); h5 += h7
    t = (h6L >>> 0) + (i32(buf, p + 48) >>> 0);
    h6H = (h6H + i32(buf, p + 52) + (t > 0xffffffff ? 1 : 0)) | 0;
    h6L = t | 0;
    h8L ^= h4L;
    h8H ^= h4H;
    h5L ^= h6L;
    h5H ^= h6H;
    t = h6H;
    h6H = (h6L << 7) | (t >>> 25);
    h6L = (t << 7) | (h6L >>> 25);
    t = (h5L >>> 0) + (h7L >>> 0);
    h5H = (h5H + h7H + (t > 0xffffffff ? 1 : 0)) | 0;
    h5L = t | 0;
    // h7 += w7; h9 ^= h5; h6 ^= h7; h7 = rot(h7, 57); h6 += h8
    t = (h7L >>> 0) + (i32(buf, p + 56) >>> 0);
    h7H = (h7H + i32(buf, p + 60) + (t > 0xffffffff ? 1 : 0)) | 0;
    h7L = t | 0;
    h9L ^= h5L;
    h9H ^= h5H;
    h6L ^= h7L;
    h6H ^= h7H;
    t = h7H;
    h7H = (h7L << 25) | (t >>> 7);
    h7L = (t << 25) | (h7L >>> 7);
    t = (h6L >>> 0) + (h8L >>> 0);
    h6H = (h6H + h8H + (t > 0xffffffff ? 1 : 0)) | 0;
    h6L = t | 0;
    // h8 += w8; h10 ^= h6; h7 ^= h8; h8 = rot(h8, 55); h7 += h9
    t = (h8L >>> 0) + (i32(buf, p + 64) >>> 0);
    h8H = (h8H + i32(buf, p + 68) + (t > 0xffffffff ? 1 : 0)) | 0;
    h8L = t | 0;
    h10L ^= h6L;
    h10H ^= h6H;
    h7L ^= h8L;
    h7H ^= h8H;
    t = h8H;
    h8H = (h8L << 23) | (t >>> 9);
    h8L = (t << 23) | (h8L >>> 9);
    t = (h7L >>> 0) + (h9L >>> 0);
    h7H = (h7H + h9H + (t > 0xffffffff ? 1 : 0)) | 0;
    h7L = t | 0;
    // h9 += w9; h11 ^= h7; h8 ^= h9; h9 = rot(h9, 54); h8 += h10
    t = (h9L >>> 0) + (i32(buf, p + 72) >>> 0);
    h9H = (h9H + i32(buf, p + 76) + (t > 0xffffffff ? 1 : 0)) | 0;
    h9L = t | 0;
    h11L ^= h7L;
    h11H ^= h7H;
    h8L ^= h9L;
    h8H ^= h9H;
    t = h9H;
    h9H = (h9L << 22) | (t >>> 10);
    h9L = (t << 22) | (h9L >>> 10);
    t = (h8L >>> 0) + (h10L >>> 0);
    h8H = (h8H + h10H + (t > 0xffffffff ? 1 : 0)) | 0;
    h8L = t | 0;
    // h10 += w10; h0 ^= h8; h9 ^= h10; h10 = rot(h10, 22); h9 += h11
    t = (h10L >>> 0) + (i32(buf, p + 80) >>> 0);
    h10H = (h10H + i32(buf, p + 84) + (t > 0xffffffff ? 1 : 0)) | 0;
    h10L = t | 0;
    h0L ^= h8L;
    h0H ^= h8H;
    h9L ^= h10L;
    h9H ^= h10H;
    t = h10H;
    h10H = (h10H << 22) | (h10L >>> 10);
    h10L = (h10L << 22) | (t >>> 10);
    t = (h9L >>> 0) + (h11L >>> 0);
    h9H = (h9H + h11H + (t > 0xffffffff ? 1 : 0)) | 0;
    h9L = t | 0;
    // h11 += w11; h1 ^= h9; h10 ^= h11; h11 = rot(h11, 46); h10 += h0
    t = (h11L >>> 0) + (i32(buf, p + 88) >>> 0);
    h11H = (h11H + i32(buf, p + 92) + (t > 0xffffffff ? 1 : 0)) | 0;
    h11L = t | 0;
    h1L ^= h9L;
    h1H ^= h9H;
    h10L ^= h11L;
    h10H ^= h11H;
    t = h11H;
    h11H = (h11L << 14) | (t >>> 18);
    h11L = (t << 14) | (h11L >>> 18);
    t = (h10L >>> 0) + (h0L >>> 0);
    h10H = (h10H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
    h10L = t | 0;
  }
  for (let k = 0; k < rem; k++) TAIL[k] = buf[blocksEnd + k]!;
  TAIL.fill(0, rem);
  TAIL[BLOCK_BYTES - 1] = rem;
  // h[i] += tail word i
  t = (h0L >>> 0) + (i32(TAIL, 0) >>> 0);
  h0H = (h0H + i32(TAIL, 4) + (t > 0xffffffff ? 1 : 0)) | 0;
  h0L = t | 0;
  t = (h1L >>> 0) + (i32(TAIL, 8) >>> 0);
  h1H = (h1H + i32(TAIL, 12) + (t > 0xffffffff ? 1 : 0)) | 0;
  h1L = t | 0;
  t = (h2L >>> 0) + (i32(TAIL, 16) >>> 0);
  h2H = (h2H + i32(TAIL, 20) + (t > 0xffffffff ? 1 : 0)) | 0;
  h2L = t | 0;
  t = (h3L >>> 0) + (i32(TAIL, 24) >>> 0);
  h3H = (h3H + i32(TAIL, 28) + (t > 0xffffffff ? 1 : 0)) | 0;
  h3L = t | 0;
  t = (h4L >>> 0) + (i32(TAIL, 32) >>> 0);
  h4H = (h4H + i32(TAIL, 36) + (t > 0xffffffff ? 1 : 0)) | 0;
  h4L = t | 0;
  t = (h5L >>> 0) + (i32(TAIL, 40) >>> 0);
  h5H = (h5H + i32(TAIL, 44) + (t > 0xffffffff ? 1 : 0)) | 0;
  h5L = t | 0;
  t = (h6L >>> 0) + (i32(TAIL, 48) >>> 0);
  h6H = (h6H + i32(TAIL, 52) + (t > 0xffffffff ? 1 : 0)) | 0;
  h6L = t | 0;
  t = (h7L >>> 0) + (i32(TAIL, 56) >>> 0);
  h7H = (h7H + i32(TAIL, 60) + (t > 0xffffffff ? 1 : 0)) | 0;
  h7L = t | 0;
  t = (h8L >>> 0) + (i32(TAIL, 64) >>> 0);
  h8H = (h8H + i32(TAIL, 68) + (t > 0xffffffff ? 1 : 0)) | 0;
  h8L = t | 0;
  t = (h9L >>> 0) + (i32(TAIL, 72) >>> 0);
  h9H = (h9H + i32(TAIL, 76) + (t > 0xffffffff ? 1 : 0)) | 0;
  h9L = t | 0;
  t = (h10L >>> 0) + (i32(TAIL, 80) >>> 0);
  h10H = (h10H + i32(TAIL, 84) + (t > 0xffffffff ? 1 : 0)) | 0;
  h10L = t | 0;
  t = (h11L >>> 0) + (i32(TAIL, 88) >>> 0);
  h11H = (h11H + i32(TAIL, 92) + (t > 0xffffffff ? 1 : 0)) | 0;
  h11L = t | 0;
  for (let round = 0; round < 3; round++) {
    // h11 += h1; h2 ^= h11; h1 = rot(h1, 44)
    t = (h11L >>> 0) + (h1L >>> 0);
    h11H = (h11H + h1H + (t > 0xffffffff ? 1 : 0)) | 0;
    h11L = t | 0;
    h2L ^= h11L;
    h2H ^= h11H;
    t = h1H;
    h1H = (h1L << 12) | (t >>> 20);
    h1L = (t << 12) | (h1L >>> 20);
    // h0 += h2; h3 ^= h0; h2 = rot(h2, 15)
    t = (h0L >>> 0) + (h2L >>> 0);
    h0H = (h0H + h2H + (t > 0xffffffff ? 1 : 0)) | 0;
    h0L = t | 0;
    h3L ^= h0L;
    h3H ^= h0H;
    t = h2H;
    h2H = (h2H << 15) | (h2L >>> 17);
    h2L = (h2L << 15) | (t >>> 17);
    // h1 += h3; h4 ^= h1; h3 = rot(h3, 34)
    t = (h1L >>> 0) + (h3L >>> 0);
    h1H = (h1H + h3H + (t > 0xffffffff ? 1 : 0)) | 0;
    h1L = t | 0;
    h4L ^= h1L;
    h4H ^= h1H;
    t = h3H;
    h3H = (h3L << 2) | (t >>> 30);
    h3L = (t << 2) | (h3L >>> 30);
    // h2 += h4; h5 ^= h2; h4 = rot(h4, 21)
    t = (h2L >>> 0) + (h4L >>> 0);
    h2H = (h2H + h4H + (t > 0xffffffff ? 1 : 0)) | 0;
    h2L = t | 0;
    h5L ^= h2L;
    h5H ^= h2H;
    t = h4H;
    h4H = (h4H << 21) | (h4L >>> 11);
    h4L = (h4L << 21) | (t >>> 11);
    // h3 += h5; h6 ^= h3; h5 = rot(h5, 38)
    t = (h3L >>> 0) + (h5L >>> 0);
    h3H = (h3H + h5H + (t > 0xffffffff ? 1 : 0)) | 0;
    h3L = t | 0;
    h6L ^= h3L;
    h6H ^= h3H;
    t = h5H;
    h5H = (h5L << 6) | (t >>> 26);
    h5L = (t << 6) | (h5L >>> 26);
    // h4 += h6; h7 ^= h4; h6 = rot(h6, 33)
    t = (h4L >>> 0) + (h6L >>> 0);
    h4H = (h4H + h6H + (t > 0xffffffff ? 1 : 0)) | 0;
    h4L = t | 0;
    h7L ^= h4L;
    h7H ^= h4H;
    t = h6H;
    h6H = (h6L << 1) | (t >>> 31);
    h6L = (t << 1) | (h6L >>> 31);
    // h5 += h7; h8 ^= h5; h7 = rot(h7, 10)
    t = (h5L >>> 0) + (h7L >>> 0);
    h5H = (h5H + h7H + (t > 0xffffffff ? 1 : 0)) | 0;
    h5L = t | 0;
    h8L ^= h5L;
    h8H ^= h5H;
    t = h7H;
    h7H = (h7H << 10) | (h7L >>> 22);
    h7L = (h7L << 10) | (t >>> 22);
    // h6 += h8; h9 ^= h6; h8 = rot(h8, 13)
    t = (h6L >>> 0) + (h8L >>> 0);
    h6H = (h6H + h8H + (t > 0xffffffff ? 1 : 0)) | 0;
    h6L = t | 0;
    h9L ^= h6L;
    h9H ^= h6H;
    t = h8H;
    h8H = (h8H << 13) | (h8L >>> 19);
    h8L = (h8L << 13) | (t >>> 19);
    // h7 += h9; h10 ^= h7; h9 = rot(h9, 38)
    t = (h7L >>> 0) + (h9L >>> 0);
    h7H = (h7H + h9H + (t > 0xffffffff ? 1 : 0)) | 0;
    h7L = t | 0;
    h10L ^= h7L;
    h10H ^= h7H;
    t = h9H;
    h9H = (h9L << 6) | (t >>> 26);
    h9L = (t << 6) | (h9L >>> 26);
    // h8 += h10; h11 ^= h8; h10 = rot(h10, 53)
    t = (h8L >>> 0) + (h10L >>> 0);
    h8H = (h8H + h10H + (t > 0xffffffff ? 1 : 0)) | 0;
    h8L = t | 0;
    h11L ^= h8L;
    h11H ^= h8H;
    t = h10H;
    h10H = (h10L << 21) | (t >>> 11);
    h10L = (t << 21) | (h10L >>> 11);
    // h9 += h11; h0 ^= h9; h11 = rot(h11, 42)
    t = (h9L >>> 0) + (h11L >>> 0);
    h9H = (h9H + h11H + (t > 0xffffffff ? 1 : 0)) | 0;
    h9L = t | 0;
    h0L ^= h9L;
    h0H ^= h9H;
    t = h11H;
    h11H = (h11L << 10) | (t >>> 22);
    h11L = (t << 10) | (h11L >>> 22);
    // h10 += h0; h1 ^= h10; h0 = rot(h0, 54)
    t = (h10L >>> 0) + (h0L >>> 0);
    h10H = (h10H + h0H + (t > 0xffffffff ? 1 : 0)) | 0;
    h10L = t | 0;
    h1L ^= h10L;
    h1H ^= h10H;
    t = h0H;
    h0H = (h0L << 22) | (t >>> 10);
    h0L = (t << 22) | (h0L >>> 10);
  }
  return h0L;
}

/**
 * SpookyHash V2 Hash32 of the bytes `buf[start, end)`.
 *
 * @param buf   bytes to hash.
 * @param start first byte, inclusive.
 * @param end   end, exclusive (any length; >= 192 bytes takes the long path).
 * @param seed  32-bit seed (uint32); both 64-bit Hash128 seeds are set to it, zero-extended.
 * @returns     a uint32.
 *
 * Same as folly's `SpookyHashV2::Hash32(data, len, seed)` (`folly/hash/SpookyHashV2.cpp`), as
 * used by mcrouter's WeightedCh3 (`mcrouter/lib/WeightedCh3HashFunc.cpp`) and shadow
 * key fractions (`mcrouter/routes/ShadowRoute.h`). Allocation-free; synchronous, so the shared
 * tail block is never used by two calls at once.
 */
export function spooky32(buf: Uint8Array, start: number, end: number, seed: number): number {
  // Only int32s cross into the (large, not inlined) path functions: a uint32 seed such as
  // 0xface2014 would be boxed into a heap number on every call.
  const seedBits = seed | 0;
  const h =
    end - start < SHORT_LIMIT ? short32(buf, start, end, seedBits) : long32(buf, start, end, seedBits);
  return h >>> 0;
}
