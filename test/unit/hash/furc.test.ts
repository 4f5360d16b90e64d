import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { CH3_MAX_POOL_SIZE, ch3Hash, checkCh3PoolSize } from '../../../proxy/hash/ch3.js';
import { FURC_MAXIMUM_POOL_SIZE, furcHash } from '../../../proxy/hash/furc.js';
import { VECTORS, caseKey, caseLabel, embed, polyChecksum } from './fixture.js';

const furc = VECTORS.furc_hash;

function furcOf(key: Buffer | string, m: number, len?: number): number {
  const b = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  return furcHash(b, 0, len ?? b.length, m);
}

describe('furc_hash golden values (mcrouter/lib/fbi/test/hash_test.cpp)', () => {
  it('has all 264 golden values in the fixture', () => {
    expect(furc.golden_values).toHaveLength(264);
  });

  it.each(furc.golden_values)('furc($key, len $len, m=$m) = $expected', ({ key, len, m, expected }) => {
    expect(furcOf(key, m, len)).toBe(expected);
  });

  it.each(furc.power_of_two_boundaries_key0.values)(
    'power-of-two boundary: furc("key0", $m) = $expected',
    ({ m, expected }) => {
      expect(furcOf(furc.power_of_two_boundaries_key0.key, m)).toBe(expected);
    },
  );

  it('maximum pool size is 2^23', () => {
    expect(FURC_MAXIMUM_POOL_SIZE).toBe(furc.maximum_pool_size);
    expect(CH3_MAX_POOL_SIZE).toBe(furc.maximum_pool_size);
  });
});

describe('furc_hash degenerate inputs', () => {
  const [nul1, nul10, nul1000, m0, lenZero] = furc.null_or_degenerate;
  // In C, a NULL key makes furc_get_bit return 0 for every bit, so furc(NULL, 0, m) is 0 for
  // every m. A byte range cannot be NULL: an empty range hashes like C's non-NULL empty string
  // "" (golden values: m=10 -> 8, m=1000 -> 72). Routing keys are never empty anyway.
  it.each([
    [nul1, 1, 0],
    [nul10, 10, 8],
    [nul1000, 1000, 72],
  ] as const)('%o: C NULL key gives 0; an empty range with m=%i gives %i like ""', (c, m, emptyString) => {
    expect(c?.expected).toBe(0);
    expect(furcHash(Buffer.alloc(0), 0, 0, m)).toBe(emptyString);
    expect(furc.golden_values.find((g) => g.key === '' && g.m === m)?.expected ?? 0).toBe(emptyString);
  });

  it(`${m0?.case}`, () => {
    expect(furcOf('key', 0)).toBe(m0?.expected);
  });

  it(`${lenZero?.case}`, () => {
    expect(lenZero?.expected).toBe(true);
    expect(furcOf('aaa', 1000, 0)).toBe(furcOf('bbb', 1000, 0));
  });
});

describe('furc_hash bulk checksums over k0..k99999', () => {
  const { pool_sizes, expected_checksums } = furc.bulk_checksum;
  const keys = Array.from({ length: 100_000 }, (_, i) => Buffer.from(`k${i}`));
  it.each(pool_sizes.map((m, i) => ({ m, expected: expected_checksums[i] })))(
    'm=$m checksum $expected',
    ({ m, expected }) => {
      expect(
        polyChecksum(
          keys.length,
          (i) => keys[i] ?? Buffer.alloc(0),
          (k) => furcHash(k, 0, k.length, m),
        ),
      ).toBe(expected);
    },
  );
});

describe('furc_hash consistency (hash_test.cpp: cons_%u keys)', () => {
  it.each([4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 8192])(
    'growing m=%i by one moves keys only to bucket m',
    (m) => {
      for (let i = 0; i < 10_000; i++) {
        const key = Buffer.from(`cons_${i}`);
        const before = furcHash(key, 0, key.length, m);
        const after = furcHash(key, 0, key.length, m + 1);
        if (after !== before) expect(after).toBe(m);
      }
    },
  );
});

describe('Ch3HashFunc (mcrouter/lib/test/Ch3HashTest.cpp)', () => {
  it.each(VECTORS.Ch3HashFunc.cases.map((c) => ({ ...c, label: caseLabel(c) })))(
    'Ch3($n)($label) = $expected',
    (c) => {
      const key = caseKey(c);
      expect(ch3Hash(key, 0, key.length, c.n)).toBe(c.expected);
    },
  );

  it.each(VECTORS.Ch3HashFunc.distribution)('distribution n=$n over $keys', ({ n, counts_per_index }) => {
    const counts = new Array<number>(n).fill(0);
    const total = counts_per_index.reduce((a, b) => a + b, 0);
    for (let i = 0; i < total; i++) {
      const key = Buffer.from(String(i));
      const idx = ch3Hash(key, 0, key.length, n);
      counts[idx] = (counts[idx] ?? 0) + 1;
    }
    expect(counts).toEqual(counts_per_index);
  });

  it.each([0, -1, 1.5, Number.NaN, CH3_MAX_POOL_SIZE + 1])('rejects pool size %s', (n) => {
    expect(() => {
      checkCh3PoolSize(n);
    }).toThrow('Pool size out of range for Ch3');
  });

  it.each([1, 2, CH3_MAX_POOL_SIZE])('accepts pool size %i', (n) => {
    expect(() => {
      checkCh3PoolSize(n);
    }).not.toThrow();
  });
});

describe('furc_hash properties', () => {
  const bigM = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 0xffffffff }));

  test.prop([fc.uint8Array({ maxLength: 64 }), bigM])('result is in [0, m) (0 when m <= 1)', (key, m) => {
    const r = furcHash(key, 0, key.length, m);
    expect(Number.isInteger(r)).toBe(true);
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(Math.max(m, 1));
  });

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 0xfffffffe })])(
    'growing m from k to k+1 only moves keys to bucket k',
    (key, k) => {
      const before = furcHash(key, 0, key.length, k);
      const after = furcHash(key, 0, key.length, k + 1);
      expect(after === before || after === k).toBe(true);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 80 }), fc.nat(50), fc.nat(50), bigM])(
    'same answer for a key at any offset inside a larger buffer',
    (key, before, after, m) => {
      const big = embed(key, before, after);
      expect(furcHash(big, before, before + key.length, m)).toBe(furcHash(key, 0, key.length, m));
    },
  );
});
