import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { furcHash } from '../../../proxy/hash/furc.js';
import { spooky32 } from '../../../proxy/hash/spooky-v2.js';
import {
  WEIGHTED_CH3_SEED,
  weightedCh3Hash,
  weightedCh3Thresholds,
} from '../../../proxy/hash/weighted-ch3.js';
import { VECTORS, caseKey, caseLabel, embed, polyChecksum } from './fixture.js';

const W = VECTORS.WeightedCh3HashFunc;

function wch3(key: Buffer | string, weights: readonly number[], n = weights.length): number {
  const b = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  return weightedCh3Hash(b, 0, b.length, weightedCh3Thresholds(weights, n));
}

/** Key generator for a bulk-checksum `keys` description from WeightedCh3HashFuncTest.cpp. */
function bulkKeys(desc: string): { count: number; keyOf: (i: number) => Buffer } {
  const simple = /^'(\w*)%u' i<(\d+)$/.exec(desc);
  if (simple) {
    const prefix = simple[1] ?? '';
    return { count: Number(simple[2]), keyOf: (i) => Buffer.from(`${prefix}${i}`) };
  }
  const based = /^BASE \+ '%u' i<(\d+)/.exec(desc);
  if (based) {
    let base = '';
    for (let j = 0; j < 128; j++) base += String.fromCharCode(65 + (j % 26));
    return { count: Number(based[1]), keyOf: (i) => Buffer.from(`${base}${i}`) };
  }
  throw new Error(`unknown key description: ${desc}`);
}

describe('WeightedCh3 (mcrouter/lib/test/WeightedCh3HashFuncTest.cpp)', () => {
  describe('unit weights equal Ch3', () => {
    it('the fixture lists the Ch3 cases', () => {
      expect(W.unit_weights_equal_ch3).toContain("n=100 'sample'->97");
    });
    it.each(VECTORS.Ch3HashFunc.cases.map((c) => ({ ...c, label: caseLabel(c) })))(
      'weights 1.0 x $n: $label -> $expected',
      (c) => {
        const thresholds = weightedCh3Thresholds([], c.n).fill(4294967295);
        const key = caseKey(c);
        expect(weightedCh3Hash(key, 0, key.length, thresholds)).toBe(c.expected);
      },
    );
  });

  it.each(W.zero_weight)('zero weights $weights: $key -> $expected', ({ weights, key, expected }) => {
    const n = weights.startsWith('100') ? 100 : 1;
    expect(wch3(key, new Array<number>(n).fill(0))).toBe(expected);
  });

  it.each(W.distribution)(
    'distribution with weights $weights over $keys',
    ({ weights, counts_per_index }) => {
      const total = counts_per_index.reduce((a, b) => a + b, 0);
      const thresholds = weightedCh3Thresholds(weights, weights.length);
      const counts = new Array<number>(weights.length).fill(0);
      for (let i = 0; i < total; i++) {
        const key = Buffer.from(String(i));
        const idx = weightedCh3Hash(key, 0, key.length, thresholds);
        counts[idx] = (counts[idx] ?? 0) + 1;
        if (weights.length === 3) {
          // note: keys whose Ch3(3) index != 2 keep the same index
          const ch3 = furcHash(key, 0, key.length, 3);
          if (ch3 !== 2) expect(idx).toBe(ch3);
        }
      }
      expect(counts).toEqual(counts_per_index);
    },
  );

  const bulk = W.bulk_checksums.flatMap((b) => {
    const sizes = b.pool_sizes ?? [b.weights?.length ?? 0];
    const expected = Array.isArray(b.expected) ? b.expected : [b.expected];
    return sizes.map((n, i) => ({
      n,
      keys: b.keys,
      weight: b.weight,
      weights: b.weights ?? new Array<number>(n).fill(b.weight ?? Number.NaN),
      expected: expected[i],
      label: b.weights ? JSON.stringify(b.weights) : String(b.weight),
    }));
  });

  it('has all 26 bulk checksums', () => {
    expect(bulk).toHaveLength(26);
  });

  it.each(bulk)(
    'bulk checksum: weights $label, n=$n, keys $keys -> $expected',
    ({ n, keys, weights, expected }) => {
      const { count, keyOf } = bulkKeys(keys);
      const thresholds = weightedCh3Thresholds(weights, n);
      const zeroWeight = weights.indexOf(0);
      const sum = polyChecksum(count, keyOf, (k) => {
        const idx = weightedCh3Hash(k, 0, k.length, thresholds);
        // note on the mixed-weights set: index 2 (weight 0) must get 0 keys
        if (weights.length === 5 && zeroWeight === 2) expect(idx).not.toBe(2);
        return idx;
      });
      expect(sum).toBe(expected);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    W.single_server,
    (key, w) => {
      expect(weightedCh3Hash(key, 0, key.length, weightedCh3Thresholds([w], 1))).toBe(0);
    },
  );
});

describe('weightedCh3Thresholds', () => {
  it('is floor(weight * 4294967295), missing weights 0.5, extra weights ignored', () => {
    const t = weightedCh3Thresholds([1, 0, 0.7, 0.25], 6);
    expect(Array.from(t)).toEqual([
      4294967295,
      0,
      Math.floor(0.7 * 4294967295),
      1073741823,
      2147483647,
      2147483647,
    ]);
    expect(weightedCh3Thresholds([1, 1, 1, 0.1], 2)).toHaveLength(2);
  });

  it.each([-0.1, 1.0000001, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects weight %s, naming the index',
    (w) => {
      expect(() => weightedCh3Thresholds([0.5, w], 2)).toThrow(/weight at index 1/);
    },
  );

  it('rejects a non-number weight', () => {
    expect(() => weightedCh3Thresholds([0.5, '1' as unknown as number], 2)).toThrow(/weight at index 1/);
  });

  it('ignores an invalid weight beyond n (mcrouter only reads the first n)', () => {
    expect(() => weightedCh3Thresholds([0.5, 7], 1)).not.toThrow();
  });

  it.each([0, -1, 2.5, 8388609])('rejects pool size %s', (n) => {
    expect(() => weightedCh3Thresholds([], n)).toThrow(/Invalid pool size/);
  });
});

describe('WeightedCh3 properties', () => {
  const keyArb = fc.uint8Array({ maxLength: 260 });

  test.prop([keyArb, fc.integer({ min: 1, max: 5000 })])('all weights 1.0 equals Ch3', (key, n) => {
    const thresholds = weightedCh3Thresholds(new Array<number>(n).fill(1), n);
    const expected =
      spooky32(key, 0, key.length, WEIGHTED_CH3_SEED) === 0xffffffff
        ? undefined
        : furcHash(key, 0, key.length, n);
    if (expected !== undefined) expect(weightedCh3Hash(key, 0, key.length, thresholds)).toBe(expected);
  });

  test.prop([keyArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 })])(
    'result is in [0, n)',
    (key, weights) => {
      const r = wch3(Buffer.from(key), weights);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(weights.length);
    },
  );

  test.prop([
    keyArb,
    fc.nat(40),
    fc.nat(40),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
  ])('same answer for a key at any offset inside a larger buffer', (key, before, after, weights) => {
    const thresholds = weightedCh3Thresholds(weights, weights.length);
    const big = embed(key, before, after);
    expect(weightedCh3Hash(big, before, before + key.length, thresholds)).toBe(
      weightedCh3Hash(key, 0, key.length, thresholds),
    );
  });

  it('retries with salts "0".."9", "01", "11", ... appended to the original key', () => {
    // With one zero-weight destination out of two, every attempt that lands on it is
    // rejected; the answer is the first attempt (key, key+"0", key+"1", ...) that lands on 1.
    const thresholds = weightedCh3Thresholds([0, 1], 2);
    const salts = ['', ...Array.from({ length: 31 }, (_, s) => String(s).split('').reverse().join(''))];
    for (let i = 0; i < 200; i++) {
      const base = `key${i}`;
      const key = Buffer.from(base);
      const firstHit = salts.find((s) => {
        const k = Buffer.from(base + s);
        return furcHash(k, 0, k.length, 2) === 1;
      });
      const expected = firstHit === undefined ? 0 : 1;
      expect(weightedCh3Hash(key, 0, key.length, thresholds)).toBe(expected);
    }
    expect(salts.slice(0, 13)).toEqual(['', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '01', '11']);
  });
});
