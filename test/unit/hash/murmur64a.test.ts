import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { MURMUR64A_OUT, murmurHash64A, murmurHash64AWord } from '../../../proxy/hash/murmur64a.js';
import { embed } from './fixture.js';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/**
 * Straightforward BigInt MurmurHash64A (test oracle only; far too slow for the proxy). Written
 * from the algorithm description in `mcrouter/lib/fbi/hash.c`
 */
function murmurRef(bytes: Uint8Array, seed: number): bigint {
  const len = bytes.length;
  let h = (BigInt(seed >>> 0) ^ ((BigInt(len) * M) & MASK)) & MASK;
  const blocks = len >> 3;
  for (let b = 0; b < blocks; b++) {
    let k = 0n;
    for (let i = 7; i >= 0; i--) k = (k << 8n) | BigInt(bytes[b * 8 + i] ?? 0);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rem = len & 7;
  if (rem > 0) {
    for (let i = rem - 1; i >= 0; i--) h ^= BigInt(bytes[blocks * 8 + i] ?? 0) << BigInt(8 * i);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

function ours(bytes: Uint8Array, start: number, end: number, seed: number): bigint {
  const out = new Uint32Array(2);
  murmurHash64A(bytes, start, end, seed, out, 0);
  return (BigInt(out[1] ?? 0) << 32n) | BigInt(out[0] ?? 0);
}

describe('murmurHash64A', () => {
  test('matches the BigInt reference for every length 0..64 (block and tail paths)', () => {
    const buf = Buffer.alloc(64);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 200) & 0xff;
    for (let len = 0; len <= 64; len++) {
      for (const seed of [0, 1, 4193360111, 0xffffffff]) {
        expect(ours(buf, 0, len, seed)).toBe(murmurRef(buf.subarray(0, len), seed));
      }
    }
  });

  test('writes into MURMUR64A_OUT by default and into (out, offset) when given', () => {
    const key = Buffer.from('hello world');
    murmurHash64A(key, 0, key.length, 42);
    const expected = murmurRef(key, 42);
    expect((BigInt(MURMUR64A_OUT[1] ?? 0) << 32n) | BigInt(MURMUR64A_OUT[0] ?? 0)).toBe(expected);
    const out = new Uint32Array(6).fill(7);
    murmurHash64A(key, 0, key.length, 42, out, 3);
    expect(out[2]).toBe(7);
    expect(out[5]).toBe(7);
    expect((BigInt(out[4] ?? 0) << 32n) | BigInt(out[3] ?? 0)).toBe(expected);
  });

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffffffff })])(
    'matches the BigInt reference on random bytes and seeds',
    (bytes, seed) => {
      expect(ours(bytes, 0, bytes.length, seed)).toBe(murmurRef(bytes, seed));
    },
  );

  test.prop([
    fc.uint8Array({ maxLength: 100 }),
    fc.nat(40),
    fc.nat(40),
    fc.integer({ min: 0, max: 0xffffffff }),
  ])('gives the same answer for a key at any offset inside a larger buffer', (bytes, before, after, seed) => {
    const big = embed(bytes, before, after);
    expect(ours(big, before, before + bytes.length, seed)).toBe(ours(bytes, 0, bytes.length, seed));
  });
});

describe('murmurHash64AWord', () => {
  test.prop([fc.bigInt({ min: 0n, max: MASK }), fc.integer({ min: 0, max: 0xffffffff })])(
    'equals MurmurHash64A of the word as 8 little-endian bytes (the furc rehash)',
    (word, seed) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(word);
      const out = new Uint32Array(2);
      murmurHash64AWord(Number(word & 0xffffffffn), Number(word >> 32n), seed, out, 0);
      expect((BigInt(out[1] ?? 0) << 32n) | BigInt(out[0] ?? 0)).toBe(murmurRef(bytes, seed));
    },
  );
});
