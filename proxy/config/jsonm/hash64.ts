/**
 * The 64-bit hash functions behind mcrouter's JSONM `@hash`, `weightedHash` and the `hostid`
 * global param, on `bigint`s (they run once per config build, never per request):
 *
 * - `spookyHash128` / `spookyHash64`: SpookyHash V2 (Bob Jenkins, public domain) as folly's
 *   `SpookyHashV2::Hash128/Hash64`. folly hashes strings with `Hash64(bytes, len, 0)`
 *   (`folly::hasher<StringPiece>`), which is what `@hash(<string>)` returns. The 32-bit
 *   routing-path port in `proxy/hash/spooky-v2.ts` is the low half of the same `hash1`; the unit
 *   tests check the two agree on every length up to 400 bytes (both code paths).
 * - `twangMix64`: Thomas Wang's 64-bit mix, folly's `hasher<int64_t>` (`@hash(<int>)`) and the
 *   combining step of `RendezvousHash` (`mcrouter/lib/config/RendezvousHash.cpp`).
 * - `fnv64` / `fnv32`: folly's `fnv64_buf` / `fnv32_buf`, which XOR each byte as a *signed* char.
 * - `hash128To64`: folly's `hash_128_to_64`, used by `hash_combine`.
 *
 * Every function returns an unsigned value (`0n <= h < 2n ** 64n` or `2n ** 32n`); callers
 * convert to mcrouter's signed int64 with `BigInt.asIntN(64, h)` where folly::dynamic would.
 */

const MASK64 = (1n << 64n) - 1n;
const SC_CONST = 0xdeadbeefdeadbeefn;
/** Messages of this many bytes or more take the 12-word path. */
const SHORT_LIMIT = 192;
const BLOCK_BYTES = 96;

function rot(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (64n - k))) & MASK64;
}

/** Little-endian uint64 at `buf[p, p + 8)`; bytes past the end read as 0. */
function word(buf: Uint8Array, p: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i] ?? 0);
  return v;
}

/** SpookyHash V2 "Short" (messages under 192 bytes): a 4-word state. */
function short128(buf: Uint8Array, seed1: bigint, seed2: bigint): [bigint, bigint] {
  const h = [seed1, seed2, SC_CONST, SC_CONST];
  const len = buf.length;
  let rem = len % 32;
  let p = 0;
  // One ShortMix round: h[a] = rot(h[a], k); h[a] += h[b]; h[c] ^= h[a].
  const step = (a: number, k: bigint, b: number, c: number): void => {
    h[a] = (rot(h[a] as bigint, k) + (h[b] as bigint)) & MASK64;
    h[c] = (h[c] as bigint) ^ h[a];
  };
  const shortMix = (): void => {
    step(2, 50n, 3, 0);
    step(3, 52n, 0, 1);
    step(0, 30n, 1, 2);
    step(1, 41n, 2, 3);
    step(2, 54n, 3, 0);
    step(3, 48n, 0, 1);
    step(0, 38n, 1, 2);
    step(1, 37n, 2, 3);
    step(2, 62n, 3, 0);
    step(3, 34n, 0, 1);
    step(0, 5n, 1, 2);
    step(1, 36n, 2, 3);
  };
  const add = (i: number, v: bigint): void => {
    h[i] = ((h[i] as bigint) + v) & MASK64;
  };
  if (len > 15) {
    const blocksEnd = len - rem;
    for (; p < blocksEnd; p += 32) {
      add(2, word(buf, p));
      add(3, word(buf, p + 8));
      shortMix();
      add(0, word(buf, p + 16));
      add(1, word(buf, p + 24));
    }
    if (rem >= 16) {
      add(2, word(buf, p));
      add(3, word(buf, p + 8));
      shortMix();
      p += 16;
      rem -= 16;
    }
  }
  add(3, BigInt(len) << 56n);
  if (rem === 0) {
    add(2, SC_CONST);
    add(3, SC_CONST);
  } else {
    // The last 1..15 bytes, zero-padded to 16: bytes 0..7 into h2, 8..15 into h3.
    const tail = new Uint8Array(16);
    tail.set(buf.subarray(p, p + rem));
    add(2, word(tail, 0));
    add(3, word(tail, 8));
  }
  // ShortEnd: h[c] ^= h[a]; h[a] = rot(h[a], k); h[c] += h[a].
  const end = (c: number, a: number, k: bigint): void => {
    h[c] = (h[c] as bigint) ^ (h[a] as bigint);
    h[a] = rot(h[a] as bigint, k);
    h[c] = (h[c] + h[a]) & MASK64;
  };
  end(3, 2, 15n);
  end(0, 3, 52n);
  end(1, 0, 26n);
  end(2, 1, 51n);
  end(3, 2, 28n);
  end(0, 3, 9n);
  end(1, 0, 47n);
  end(2, 1, 54n);
  end(3, 2, 32n);
  end(0, 3, 25n);
  end(1, 0, 63n);
  return [h[0] as bigint, h[1] as bigint];
}

/** Rotation amounts of Mix (per word) and EndPartial (per step). */
const MIX_ROT = [11n, 32n, 43n, 31n, 17n, 28n, 39n, 57n, 55n, 54n, 22n, 46n];
const END_ROT = [44n, 15n, 34n, 21n, 38n, 33n, 10n, 13n, 38n, 53n, 42n, 54n];

/** SpookyHash V2 for messages of 192 bytes or more: a 12-word state, 96-byte blocks. */
function long128(buf: Uint8Array, seed1: bigint, seed2: bigint): [bigint, bigint] {
  const h: bigint[] = [];
  for (let i = 0; i < 12; i++) h.push(i % 3 === 0 ? seed1 : i % 3 === 1 ? seed2 : SC_CONST);
  const at = (i: number): bigint => h[((i % 12) + 12) % 12] as bigint;
  const set = (i: number, v: bigint): void => {
    h[((i % 12) + 12) % 12] = v & MASK64;
  };
  const len = buf.length;
  const blocksEnd = len - (len % BLOCK_BYTES);
  for (let p = 0; p < blocksEnd; p += BLOCK_BYTES) {
    // Mix, word i: h[i] += w[i]; h[i+2] ^= h[i+10]; h[i+11] ^= h[i]; h[i] = rot(h[i], r);
    // h[i+11] += h[i+1].
    for (let i = 0; i < 12; i++) {
      set(i, at(i) + word(buf, p + 8 * i));
      set(i + 2, at(i + 2) ^ at(i + 10));
      set(i + 11, at(i + 11) ^ at(i));
      set(i, rot(at(i), MIX_ROT[i] as bigint));
      set(i + 11, at(i + 11) + at(i + 1));
    }
  }
  // End: the zero-padded last block, its final byte holding the remainder length.
  const rem = len - blocksEnd;
  const tail = new Uint8Array(BLOCK_BYTES);
  tail.set(buf.subarray(blocksEnd));
  tail[BLOCK_BYTES - 1] = rem;
  for (let i = 0; i < 12; i++) set(i, at(i) + word(tail, 8 * i));
  for (let round = 0; round < 3; round++) {
    // EndPartial, step i: h[i+11] += h[i+1]; h[i+2] ^= h[i+11]; h[i+1] = rot(h[i+1], r).
    for (let i = 0; i < 12; i++) {
      set(i + 11, at(i + 11) + at(i + 1));
      set(i + 2, at(i + 2) ^ at(i + 11));
      set(i + 1, rot(at(i + 1), END_ROT[i] as bigint));
    }
  }
  return [at(0), at(1)];
}

/**
 * SpookyHash V2 Hash128 of `buf` with seeds `seed1`, `seed2` (uint64).
 * @returns `[hash1, hash2]`, each a uint64 bigint.
 */
export function spookyHash128(buf: Uint8Array, seed1: bigint, seed2: bigint): [bigint, bigint] {
  return buf.length < SHORT_LIMIT ? short128(buf, seed1, seed2) : long128(buf, seed1, seed2);
}

/** SpookyHash V2 Hash64 (= `hash1` of Hash128 with both seeds `seed`), a uint64 bigint. */
export function spookyHash64(buf: Uint8Array, seed = 0n): bigint {
  return spookyHash128(buf, seed, seed)[0];
}

/** Thomas Wang's 64-bit mix (folly `twang_mix64`), uint64 in and out. */
export function twangMix64(key: bigint): bigint {
  let k = key & MASK64;
  k = (~k + (k << 21n)) & MASK64;
  k ^= k >> 24n;
  k = (k + (k << 3n) + (k << 8n)) & MASK64;
  k ^= k >> 14n;
  k = (k + (k << 2n) + (k << 4n)) & MASK64;
  k ^= k >> 28n;
  k = (k + (k << 31n)) & MASK64;
  return k;
}

const FNV64_START = 14695981039346656037n;
const FNV64_PRIME = 0x100000001b3n;
const FNV32_START = 2166136261n;
const FNV32_PRIME = 0x01000193n;
const MASK32 = 0xffffffffn;

/** Byte `b` as folly's `signed char`, sign-extended to 64 bits. */
function signedByte64(b: number): bigint {
  return b < 0x80 ? BigInt(b) : MASK64 ^ BigInt(0xff ^ b);
}

/** folly `fnv64_buf`: FNV-1 over signed chars, uint64. */
export function fnv64(buf: Uint8Array): bigint {
  let h = FNV64_START;
  for (const b of buf) h = ((h * FNV64_PRIME) & MASK64) ^ signedByte64(b);
  return h;
}

/** folly `fnv32_buf`: FNV-1 over signed chars, uint32. */
export function fnv32(buf: Uint8Array): bigint {
  let h = FNV32_START;
  for (const b of buf) h = ((h * FNV32_PRIME) & MASK32) ^ (signedByte64(b) & MASK32);
  return h;
}

/** folly `hash_128_to_64(upper, lower)` (a Murmur-inspired 128→64 fold), uint64. */
export function hash128To64(upper: bigint, lower: bigint): bigint {
  const MUL = 0x9ddfea08eb382d69n;
  let a = ((lower ^ upper) * MUL) & MASK64;
  a ^= a >> 47n;
  let b = ((upper ^ a) * MUL) & MASK64;
  b ^= b >> 47n;
  return (b * MUL) & MASK64;
}
