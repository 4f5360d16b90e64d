/**
 * Byte helpers shared by the ASCII codecs: number parsing and formatting over `(buf, start, end)`
 * ranges, so no string is built for a key, a value or a number in the hot path.
 */

export const CR = 13;
export const LF = 10;
export const SPACE = 32;

/** Longest key the ASCII protocol accepts (memcached's KEY_MAX_LENGTH; mcrouter `bad key`). */
export const MAX_KEY_LENGTH = 250;

/**
 * Parses an unsigned decimal in `buf[start,end)` no greater than `max` (≤ 2^53).
 * @returns the value, or -1 when the range is empty, has a non-digit, or exceeds `max`
 */
export function parseUint(buf: Buffer, start: number, end: number, max: number): number {
  if (start >= end || end - start > 16) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] ?? 0) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > max ? -1 : v;
}

/**
 * Parses a signed 32-bit decimal (exptime) in `buf[start,end)`.
 * @returns the value, or NaN when malformed or out of int32 range
 */
export function parseInt32(buf: Buffer, start: number, end: number): number {
  let neg = false;
  if (start < end && buf[start] === 0x2d) {
    neg = true;
    start++;
  }
  const v = parseUint(buf, start, end, neg ? 2147483648 : 2147483647);
  if (v < 0) return NaN;
  return neg ? -v : v;
}

const UINT64_MAX = '18446744073709551615';

/**
 * True when `buf[start,end)` is an unsigned 64-bit decimal (cas unique, incr/decr delta),
 * checked without BigInt: 1–20 digits, and at most 2^64−1 when 20 digits long.
 */
export function isUint64(buf: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n <= 0 || n > 20) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c < 48 || c > 57) return false;
  }
  if (n < 20) return true;
  for (let i = 0; i < 20; i++) {
    const c = buf[start + i] ?? 0;
    const m = UINT64_MAX.charCodeAt(i);
    if (c !== m) return c < m;
  }
  return true;
}

/** Number of decimal digits of a non-negative integer < 2^53. */
export function decimalLength(n: number): number {
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/**
 * Writes a non-negative integer (< 2^53) as decimal digits at `buf[pos]`.
 * @returns the position after the last digit
 */
export function writeUint(buf: Buffer, pos: number, n: number): number {
  const len = decimalLength(n);
  let i = pos + len - 1;
  do {
    buf[i--] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return pos + len;
}

/**
 * Writes a signed integer (exptime) as decimal at `buf[pos]`.
 * @returns the position after the last digit
 */
export function writeInt(buf: Buffer, pos: number, n: number): number {
  if (n < 0) {
    buf[pos++] = 0x2d;
    n = -n;
  }
  return writeUint(buf, pos, n);
}

/** Writes an ASCII (latin1) string at `buf[pos]`; returns the position after it. */
export function writeAscii(buf: Buffer, pos: number, s: string): number {
  return pos + buf.write(s, pos, 'latin1');
}

/** Compares `buf[start,end)` to an ASCII literal. */
export function bytesEqual(buf: Buffer, start: number, end: number, lit: string): boolean {
  if (end - start !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) {
    if (buf[start + i] !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/** Concatenates buffer pieces into one buffer of `total` bytes (one copy). */
export function concatPieces(pieces: readonly Buffer[], total: number): Buffer {
  if (pieces.length === 1 && pieces[0]?.length === total) return pieces[0];
  return Buffer.concat(pieces, total);
}
