/**
 * MurmurHash64A (Austin Appleby's 64-bit MurmurHash2), computed with 32-bit halves.
 *
 * Follows `murmur_hash_64A` in mcrouter's `mcrouter/lib/fbi/hash.c` (`mcrouter/lib/fbi/hash.c`): little-endian
 * 8-byte blocks, tail bytes XORed in little-endian order, 32-bit seed zero-extended to 64 bits.
 *
 * JavaScript has no 64-bit integer arithmetic short of BigInt, which is far too slow for a
 * per-request path, so every 64-bit value is carried as a (lo, hi) pair of 32-bit halves and
 * multiplied with `Math.imul` plus a 16-bit split for the high word of the 32x32 product.
 * Internally the halves are kept as int32 bit patterns, not uint32: int32 values are small
 * integers to V8, so they never get boxed into heap numbers when they cross a function call
 * that was not inlined. Nothing here allocates: results are written into a caller-supplied
 * `Uint32Array`.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */

/** Low 32 bits of the MurmurHash64A multiplier 0xc6a4a7935bd1e995. */
const M_LO = 0x5bd1e995;
/** High 32 bits of the MurmurHash64A multiplier. */
const M_HI = 0xc6a4a793;
/** `M_LO` split into 16-bit halves for the exact high word of `x * M_LO`. */
const M_LO_0 = M_LO & 0xffff;
const M_LO_1 = M_LO >>> 16;

/**
 * Scratch output used when the caller does not pass its own: `[lo, hi]` of the last result.
 * Read it immediately; the next call with the default output overwrites it.
 */
export const MURMUR64A_OUT = new Uint32Array(2);

/**
 * High 32 bits of the unsigned 64-bit product `x * M_LO`, for the 32-bit pattern `x` (int32 or
 * uint32), returned as an int32 bit pattern. Every intermediate stays below 2^32, so plain
 * number arithmetic is exact.
 */
function mulHiMLo(x: number): number {
  const x0 = x & 0xffff;
  const x1 = x >>> 16;
  const t = x0 * M_LO_0;
  const mid = x1 * M_LO_0 + (t >>> 16);
  const mid2 = x0 * M_LO_1 + (mid & 0xffff);
  return (x1 * M_LO_1 + (mid >>> 16) + (mid2 >>> 16)) | 0;
}

/**
 * Finishes a MurmurHash64A state (lo, hi): `h ^= h >> 47; h *= m; h ^= h >> 47`, and stores
 * the result as `out[offset] = lo`, `out[offset + 1] = hi`.
 */
function finish(lo: number, hi: number, out: Uint32Array, offset: number): void {
  // h ^= h >> 47: only the top 17 bits of hi reach the low word.
  lo = lo ^ (hi >>> 15);
  // h *= m
  const nhi = (mulHiMLo(lo) + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) | 0;
  lo = Math.imul(lo, M_LO);
  hi = nhi;
  lo = lo ^ (hi >>> 15);
  out[offset] = lo;
  out[offset + 1] = hi;
}

/**
 * MurmurHash64A of the bytes `buf[start, end)`.
 *
 * @param buf    bytes to hash (a `Buffer` or any `Uint8Array`).
 * @param start  first byte offset, inclusive (integer, `0 <= start <= end`).
 * @param end    end offset, exclusive (integer, `end <= buf.length`).
 * @param seed   32-bit seed (treated as uint32, zero-extended to 64 bits as in the C code).
 * @param out    where to write the 64-bit result as two uint32 halves; defaults to `MURMUR64A_OUT`.
 * @param offset index in `out` of the low half; the high half goes to `offset + 1`.
 *
 * Offsets are not range-checked (bytes past the end read as `undefined`, i.e. garbage); callers
 * pass validated key ranges. Same algorithm as mcrouter's `murmur_hash_64A`
 * (`mcrouter/lib/fbi/hash.c`). Allocation-free.
 */
export function murmurHash64A(
  buf: Uint8Array,
  start: number,
  end: number,
  seed: number,
  out: Uint32Array = MURMUR64A_OUT,
  offset = 0,
): void {
  const len = end - start;
  // h = seed ^ (len * m), 64-bit wrap. len < 2^32 for any real key; the high word of len is
  // included anyway so the function stays correct for any safe-integer length.
  const lenLo = len >>> 0;
  const lenHi = Math.floor(len / 4294967296) | 0;
  let hi = (mulHiMLo(lenLo) + Math.imul(lenLo, M_HI) + Math.imul(lenHi, M_LO)) | 0;
  let lo = Math.imul(lenLo, M_LO) ^ seed;

  const blocksEnd = start + (len & ~7);
  let p = start;
  while (p < blocksEnd) {
    let klo = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
    let khi = buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24);
    p += 8;
    // k *= m
    let t = (mulHiMLo(klo) + Math.imul(klo, M_HI) + Math.imul(khi, M_LO)) | 0;
    klo = Math.imul(klo, M_LO);
    khi = t;
    // k ^= k >> 47
    klo = klo ^ (khi >>> 15);
    // k *= m
    t = (mulHiMLo(klo) + Math.imul(klo, M_HI) + Math.imul(khi, M_LO)) | 0;
    klo = Math.imul(klo, M_LO);
    khi = t;
    // h ^= k; h *= m
    lo = lo ^ klo;
    hi = hi ^ khi;
    t = (mulHiMLo(lo) + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) | 0;
    lo = Math.imul(lo, M_LO);
    hi = t;
  }

  const rem = len & 7;
  if (rem !== 0) {
    // Tail byte i is XORed in at bit 8*i (little-endian), then h *= m once.
    let tlo = 0;
    let thi = 0;
    for (let i = rem - 1; i >= 4; i--) thi = (thi << 8) | buf[p + i]!;
    for (let i = Math.min(rem, 4) - 1; i >= 0; i--) tlo = (tlo << 8) | buf[p + i]!;
    lo = lo ^ tlo;
    hi = hi ^ thi;
    const t = (mulHiMLo(lo) + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) | 0;
    lo = Math.imul(lo, M_LO);
    hi = t;
  }

  finish(lo, hi, out, offset);
}

/**
 * MurmurHash64A of a single 8-byte block given as a 64-bit word (lo, hi), i.e. the hash of the
 * word's little-endian bytes. With `seed = 4193360111` this is mcrouter's `murmur_rehash_64A`
 * (`mcrouter/lib/fbi/hash.c` "Rehash"), which furc_hash uses to extend its bit stream.
 *
 * @param lo     low 32 bits of the word (uint32 or the same bits as an int32).
 * @param hi     high 32 bits of the word (uint32 or int32).
 * @param seed   32-bit seed, zero-extended.
 * @param out    destination for the (lo, hi) result; defaults to `MURMUR64A_OUT`.
 * @param offset index in `out` of the low half.
 */
export function murmurHash64AWord(
  lo: number,
  hi: number,
  seed: number,
  out: Uint32Array = MURMUR64A_OUT,
  offset = 0,
): void {
  // k *= m; k ^= k >> 47; k *= m
  let t = (mulHiMLo(lo) + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) | 0;
  let klo = Math.imul(lo, M_LO);
  let khi = t;
  klo = klo ^ (khi >>> 15);
  t = (mulHiMLo(klo) + Math.imul(klo, M_HI) + Math.imul(khi, M_LO)) | 0;
  klo = Math.imul(klo, M_LO);
  khi = t;
  // h = seed ^ (8 * m); 8 * m = (M_HI << 3 | M_LO >>> 29, M_LO << 3).
  let hlo = (M_LO << 3) ^ seed ^ klo;
  let hhi = ((M_HI << 3) | (M_LO >>> 29)) ^ khi;
  // h *= m
  t = (mulHiMLo(hlo) + Math.imul(hlo, M_HI) + Math.imul(hhi, M_LO)) | 0;
  hlo = Math.imul(hlo, M_LO);
  hhi = t;
  finish(hlo, hhi, out, offset);
}
