/**
 * The 64-bit hashes behind `@hash`, `weightedHash` and `hostid`: folly's own test vectors
 * (`folly/hash/test/HashTest.cpp`), mcrouter's `@hash` vectors, and agreement with our routing
 * SpookyHash (`proxy/hash/spooky-v2.ts`, itself checked against folly's Hash32 table) on both
 * code paths; plus mcrouter's RendezvousHash properties (`rendezvous_hash_test.cpp`).
 */
import { describe, expect, test } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import {
  fnv32,
  fnv64,
  hash128To64,
  spookyHash64,
  twangMix64,
} from '../../../../proxy/config/jsonm/hash64.js';
import { RendezvousHash } from '../../../../proxy/config/jsonm/rendezvous.js';
import { spooky32 } from '../../../../proxy/hash/spooky-v2.js';

const ASCII = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('folly hash vectors', () => {
  test('twang_mix64', () => {
    expect(twangMix64(0x78a87873e2d31dafn)).toBe(3389151152926383528n);
    expect(twangMix64(0x0123456789abcdefn)).toBe(3061460455458984563n);
  });

  test('fnv32_buf and fnv64_buf, with bytes >= 0x80 as signed chars', () => {
    const monkeys = 'monkeys! m0nk3yz! ev3ry \\/\\/here~~~~';
    expect(fnv32(ASCII('hello, world!'))).toBe(3605494790n);
    expect(fnv32(ASCII(monkeys))).toBe(1270448334n);
    expect(fnv32(ASCII(''))).toBe(2166136261n);
    expect(fnv32(Uint8Array.of(0xff, 0xff, 0xff))).toBe(2420936562n);
    expect(fnv64(ASCII('hello, world!'))).toBe(13991426986746681734n);
    expect(fnv64(ASCII(monkeys))).toBe(6091394665637302478n);
    expect(fnv64(ASCII(''))).toBe(14695981039346656037n);
    expect(fnv64(Uint8Array.of(0xff, 0xff, 0xff))).toBe(2787597222566293202n);
  });

  test('hash_128_to_64 mixes both halves', () => {
    expect(hash128To64(1n, 2n)).not.toBe(hash128To64(2n, 1n));
    expect(hash128To64(0n, 0n)).toBe(0n);
  });
});

describe('SpookyHash V2 64-bit', () => {
  test("mcrouter's @hash(abcd) vector (folly::Hash of a string)", () => {
    expect(BigInt.asIntN(64, spookyHash64(ASCII('abcd')))).toBe(6660178300034425268n);
  });

  test('its low half is our routing Spooky32, every length 0..400 (short and long paths)', () => {
    for (let n = 0; n <= 400; n++) {
      const buf = new Uint8Array(n).map((_, j) => (j * 131 + n * 7) & 0xff);
      for (const seed of [0, 0xface2014]) {
        expect(Number(spookyHash64(buf, BigInt(seed)) & 0xffffffffn), `length ${n}`).toBe(
          spooky32(buf, 0, n, seed),
        );
      }
    }
  });

  fcTest.prop([fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 0xffffffff })])(
    'agrees with Spooky32 on random input',
    (buf, seed) => {
      expect(Number(spookyHash64(buf, BigInt(seed)) & 0xffffffffn)).toBe(spooky32(buf, 0, buf.length, seed));
    },
  );
});

describe("RendezvousHash (mcrouter's rendezvous_hash_test.cpp properties)", () => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `key${i}`);
  const cache = new Map<[string, number][], RendezvousHash>();
  const pick = (nodes: [string, number][], k: number): number => {
    let h = cache.get(nodes);
    if (h === undefined) cache.set(nodes, (h = new RendezvousHash(nodes)));
    return h.get(BigInt(k));
  };

  test('adding a node only moves keys to the new node', () => {
    const before: [string, number][] = names(10).map((n) => [n, 1]);
    const after: [string, number][] = names(11).map((n) => [n, 1]);
    let moved = 0;
    for (let k = 0; k < 10000; k++) {
      const a = pick(before, k);
      const b = pick(after, k);
      expect(b === a || b === 10).toBe(true);
      if (b !== a) moved++;
    }
    expect(moved).toBeGreaterThan(500);
    expect(moved).toBeLessThan(1400);
  });

  test('scaling every weight moves nothing; zeroing one moves only its keys', () => {
    const nodes: [string, number][] = names(10).map((n, i) => [n, i]);
    const doubled: [string, number][] = nodes.map(([n, w]) => [n, w * 2]);
    const zeroed: [string, number][] = nodes.map(([n, w], i) => [n, i === 9 ? 0 : w]);
    for (let k = 0; k < 10000; k++) {
      const a = pick(nodes, k);
      expect(pick(doubled, k)).toBe(a);
      if (a === 9) expect(pick(zeroed, k)).not.toBe(9);
      else expect(pick(zeroed, k)).toBe(a);
    }
  });

  test('the distribution follows the weights within 1% (DistributionAccuracy)', () => {
    const keys = ['first_proxy', 'second_proxy', 'third_proxy', 'fourth_proxy', 'a', 'b', 'c', 'd', 'e', 'f'];
    const weightSets = [
      [248.0, 342.0, 2.0, 384.0],
      [10.0, 10.0, 10.0, 10.0],
      [25.0, 25.0, 10.0, 10.0],
      [100.0, 10.0, 10.0, 1.0],
      [100.0, 5.0, 5.0, 5.0],
      [922337203685.0, 12395828300.0, 50192385101.0, 59293845010.0],
      [0.5, 0.1, 0.01, 1.0],
      [0.9, 1.1, 10, 0.01],
      [0.01, 0.001, 0.0001, 0.0],
      [0.5, 1.0],
      [0.1],
      [100, 1, 0, 0, 0, 0, 0, 0, 1, 1],
      [0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0],
      [1e-7, 1e-8, 1e-9],
      [1e-8, 1.0],
    ];
    for (const weights of weightSets) {
      const nodes: [string, number][] = weights.map((w, i) => [keys[i] as string, w]);
      const counts = new Array<number>(weights.length).fill(0);
      for (let k = 0; k < 20000; k++) {
        const i = pick(nodes, k);
        counts[i] = (counts[i] ?? 0) + 1;
      }
      const total = weights.reduce((s, w) => s + w, 0);
      const maxError = Math.max(
        ...weights.map((w, i) => Math.abs((100 * w) / total - (100 * (counts[i] ?? 0)) / 20000)),
      );
      expect(maxError, `weights ${weights.join(',')}`).toBeLessThanOrEqual(1.0);
    }
  });

  test('weights summing to zero are refused', () => {
    expect(() => new RendezvousHash([['a', 0]])).toThrow('Sum of weights is 0');
  });
});
