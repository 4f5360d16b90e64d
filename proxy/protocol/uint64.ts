/**
 * Unsigned 64-bit integers (cas uniques, incr/decr deltas and counters) held as two uint32 halves,
 * `hi * 2^32 + lo`, so they stay exact to 2^64 − 1 without BigInt and without an allocation:
 * parsing, formatting and the binary protocol's big-endian fields all work on the halves.
 * Measured with `node dist/bench/...`: a BigInt per `gets` hit costs an allocation each, the halves
 * none (memcached's `uint64_t` cas and delta, `memcached/proto_text.c`, `protocol_binary.h`).
 */

const TWO32 = 4294967296;

/**
 * Result of the last `parseUint64`: the halves. Module-level scratch, read right after the call
 * (parsing is synchronous), so parsing allocates nothing.
 */
export const parsed = { hi: 0, lo: 0 };

/**
 * Parses the unsigned decimal `buf[start,end)` into `parsed`.
 * @returns false when the range is empty, holds a non-digit, or exceeds 2^64 − 1
 */
export function parseUint64(buf: Buffer, start: number, end: number): boolean {
  if (start >= end || end - start > 20) return false;
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] ?? 0) - 48;
    if (d < 0 || d > 9) return false;
    const l = lo * 10 + d; // < 2^36: exact
    const carry = Math.floor(l / TWO32);
    lo = l - carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= TWO32) return false;
  }
  parsed.hi = hi;
  parsed.lo = lo;
  return true;
}

/** Number of decimal digits of `hi * 2^32 + lo`. */
export function uint64Length(hi: number, lo: number): number {
  if (hi < 0x200000) {
    // < 2^53: a double is exact.
    let n = hi * TWO32 + lo;
    let len = 1;
    while (n >= 10) {
      n = Math.floor(n / 10);
      len++;
    }
    return len;
  }
  let len = 0;
  while (hi > 0 || lo > 0) {
    const r = hi % 10;
    hi = Math.floor(hi / 10);
    lo = Math.floor((r * TWO32 + lo) / 10);
    len++;
  }
  return len;
}

/**
 * Writes `hi * 2^32 + lo` in decimal at `buf[pos]` (long division by 10 on the halves).
 * @returns the position after the last digit
 */
export function writeUint64(buf: Buffer, pos: number, hi: number, lo: number): number {
  const len = uint64Length(hi, lo);
  let i = pos + len - 1;
  if (hi < 0x200000) {
    let n = hi * TWO32 + lo;
    do {
      buf[i--] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    return pos + len;
  }
  while (i >= pos) {
    const r = hi % 10;
    hi = Math.floor(hi / 10);
    const l = r * TWO32 + lo; // < 10 * 2^32: exact
    const q = Math.floor(l / 10);
    buf[i--] = 48 + (l - q * 10);
    lo = q;
  }
  return pos + len;
}

/** The value as a BigInt (tests, logs; not the hot path). */
export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The halves of a BigInt in [0, 2^64) (tests and admin; not the hot path). */
export function fromBigInt(v: bigint): { hi: number; lo: number } {
  return { hi: Number((v >> 32n) & 0xffffffffn), lo: Number(v & 0xffffffffn) };
}
