/**
 * CRC-32 and mcrouter's Crc32 hash function.
 *
 * `crc32` is the standard reflected CRC-32 (IEEE polynomial 0xEDB88320, initial value
 * 0xFFFFFFFF, final complement), the same as zlib's `crc32` and mcrouter's `crc32_hash`
 * (`mcrouter/lib/fbi/hash.c`, `mcrouter/lib/Crc32HashFunc.h`). A byte-at-a-time table loop over `(buf, start, end)`
 * beats `zlib.crc32` on short keys (no native-call overhead, no subarray).
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */

/** Reflected IEEE CRC-32 polynomial. */
const POLY = 0xedb88320;

/** 256-entry lookup table, generated at load time from `POLY`. */
const TABLE = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  TABLE[i] = c;
}

/** CRC-32 of `buf[start, end)` as an int32 bit pattern (never boxed when returned). */
function crc32Int(buf: Uint8Array, start: number, end: number): number {
  let crc = -1;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ buf[i]!) & 0xff]!;
  return ~crc;
}

/**
 * CRC-32 of the bytes `buf[start, end)`.
 *
 * @param buf   bytes to checksum.
 * @param start first byte, inclusive.
 * @param end   end, exclusive.
 * @returns     the CRC as a uint32 (e.g. `crc32(Buffer.from('hello'), 0, 5) === 907060870`).
 *
 * As mcrouter's `crc32_hash` (`mcrouter/lib/fbi/hash.c`, `mcrouter/lib/Crc32HashFunc.h`). Allocation-free.
 */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  return crc32Int(buf, start, end) >>> 0;
}

/**
 * mcrouter's Crc32 hash function: `(crc32(key) & 0x7fffffff) % n`.
 *
 * @param n  number of buckets, a positive integer (not checked here; `createHashSelector`
 *           validates it). n = 0 would give NaN.
 * @returns  an index in [0, n).
 *
 * As `Crc32HashFunc` (`mcrouter/lib/Crc32HashFunc.h`). Allocation-free.
 */
export function crc32Hash(buf: Uint8Array, start: number, end: number, n: number): number {
  return (crc32Int(buf, start, end) & 0x7fffffff) % n;
}
