import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { spooky32 } from '../../../proxy/hash/spooky-v2.js';
import { FOLLY_SPOOKY32_SEED0, follySpookyInput } from './folly-spooky-v2-vectors.js';
import { VECTORS, embed } from './fixture.js';

describe('SpookyHashV2 Hash32: folly SpookyHashV2Test.cpp TestResults', () => {
  const input = follySpookyInput();

  it('has 512 vectors, 320 of them on the long path (>= 192 bytes)', () => {
    expect(FOLLY_SPOOKY32_SEED0).toHaveLength(512);
    expect(FOLLY_SPOOKY32_SEED0.slice(192)).toHaveLength(320);
  });

  it.each(
    FOLLY_SPOOKY32_SEED0.map((expected, len) => ({
      len,
      expected,
      hex: expected.toString(16).padStart(8, '0'),
    })),
  )('Hash32(buf, $len, 0) = 0x$hex', ({ len, expected }) => {
    expect(spooky32(input, 0, len, 0)).toBe(expected);
  });
});

describe('Spooky32 seed 0 as the shadow key-fraction hash (mcrouter/test/test_shadow.py)', () => {
  const shadow = VECTORS.ShadowKeyFraction_SpookyHash32_seed0;
  const ranges = [
    ['range_0.0_0.1', 0.0, 0.1],
    ['range_0.4_0.5', 0.4, 0.5],
  ] as const;
  const cases = ranges.flatMap(([name, a, b]) =>
    shadow[name].map((set) => {
      const prefix = /^'([^']*)'\+i, i=0\.\.99$/.exec(set.keys)?.[1];
      if (prefix === undefined) throw new Error(`unexpected key description ${set.keys}`);
      return { name, a, b, prefix, shadowed: set.shadowed_indices };
    }),
  );

  it('covers all six key sets', () => {
    expect(cases).toHaveLength(6);
  });

  it.each(cases)('$name: keys $prefix+i shadowed at $shadowed', ({ a, b, prefix, shadowed }) => {
    const keyStart = Math.floor(a * 4294967295);
    const keyEnd = Math.floor(b * 4294967295);
    const got: number[] = [];
    for (let i = 0; i < 100; i++) {
      const key = Buffer.from(`${prefix}${i}`);
      const h = spooky32(key, 0, key.length, 0);
      if (keyStart <= h && h <= keyEnd) got.push(i);
    }
    expect(got).toEqual(shadowed);
  });
});

describe('spooky32 properties', () => {
  test.prop([
    fc.uint8Array({ maxLength: 600 }),
    fc.nat(50),
    fc.nat(50),
    fc.integer({ min: 0, max: 0xffffffff }),
  ])(
    'same answer for a key at any offset inside a larger buffer (both paths)',
    (bytes, before, after, seed) => {
      const big = embed(bytes, before, after);
      expect(spooky32(big, before, before + bytes.length, seed)).toBe(spooky32(bytes, 0, bytes.length, seed));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffffffff })])(
    'returns a uint32 and treats the seed as uint32',
    (bytes, seed) => {
      const r = spooky32(bytes, 0, bytes.length, seed);
      expect(Number.isInteger(r) && r >= 0 && r <= 0xffffffff).toBe(true);
      expect(spooky32(bytes, 0, bytes.length, seed | 0)).toBe(r);
    },
  );

  it('depends on the seed', () => {
    const key = Buffer.from('sample');
    expect(spooky32(key, 0, key.length, 0)).not.toBe(spooky32(key, 0, key.length, 0xface2014));
  });
});
