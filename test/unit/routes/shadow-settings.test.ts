/**
 * Shadow settings (`mcrouter/routes/ShadowRoute.h`) against mcrouter's SpookyHash key-fraction vectors
 * (`test/fixtures/hash-vectors.json`, from `test_shadow.py`), and mcrouter's reasons for invalid
 * entries.
 */
import { describe, expect, test } from 'vitest';
import { appliesToIndex, parseShadowSettings, shouldShadow } from '../../../proxy/routes/shadow-settings.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';
import { readConfig } from '../../helpers/config.js';

interface Vector {
  keys: string;
  shadowed_indices: number[];
}
const vectors = readConfig('test/fixtures/hash-vectors.json').ShadowKeyFraction_SpookyHash32_seed0 as Record<
  string,
  unknown
>;

const req = (key: string): McRequest => new McRequest(Op.Set, Buffer.from(key, 'latin1'));
const prefixOf = (keys: string): string => (/^'([^']+)'/.exec(keys) as RegExpExecArray)[1] as string;

describe('key_fraction_range selects keys by SpookyHash32(routing key, seed 0)', () => {
  for (const [range, list] of [
    ['range_0.0_0.1', [0, 0.1]],
    ['range_0.4_0.5', [0.4, 0.5]],
  ] as const) {
    for (const v of vectors[range] as Vector[]) {
      test(`${range}: ${v.keys}`, () => {
        const s = parseShadowSettings({ index_range: [0, 1], key_fraction_range: list });
        const prefix = prefixOf(v.keys);
        const got = Array.from({ length: 100 }, (_, i) => i).filter((i) =>
          shouldShadow(s, req(`${prefix}${i}`)),
        );
        expect(got).toEqual(v.shadowed_indices);
        // The routing prefix and a |#| suffix do not change the decision.
        const again = got.filter((i) => shouldShadow(s, req(`/r/c/${prefix}${i}|#|tail`)));
        expect(again).toEqual(got);
      });
    }
  }
});

describe('entries', () => {
  test('index_range is end-exclusive; the default [0, 0] selects no child; keys_to_shadow selects every child', () => {
    const s = parseShadowSettings({ index_range: [1, 3] });
    expect([0, 1, 2, 3].map((i) => appliesToIndex(s, i))).toEqual([false, true, true, false]);
    expect(appliesToIndex(parseShadowSettings({}), 0)).toBe(false);
    const k = parseShadowSettings({ keys_to_shadow: ['a'] });
    expect(appliesToIndex(k, 7)).toBe(true);
    expect(shouldShadow(k, req('a|#|x'))).toBe(true);
    expect(shouldShadow(k, req('b'))).toBe(false);
  });

  test('requests_fraction 0 never shadows', () => {
    const s = parseShadowSettings({ index_range: [0, 1], key_fraction_range: [0, 1], requests_fraction: 0 });
    expect(Array.from({ length: 50 }, (_, i) => shouldShadow(s, req(`k${i}`))).some(Boolean)).toBe(false);
  });

  test.each([
    [{ key_fraction_range: [-1, 15] }, 'invalid key_fraction_range [-1, 15]'],
    [{ key_fraction_range: 2 }, 'key_fraction_range is not an array'],
    [{ index_range: 1 }, 'index_range is not an array'],
    [{ index_range: [2, 1] }, 'index_range start > end'],
    [{ index_range: [0, 1], key_fraction_range: [0, 0.5, 1] }, 'key_fraction_range size is not 2'],
    [{ keys_to_shadow: ['a'], index_range: [0, 1] }, 'Cannot mix nonempty keys_to_shadow array'],
    [{ requests_fraction: 'half' }, 'requests_fraction is not a double'],
    [12345, 'json is not an object'],
  ])('%j is invalid: %s', (json, reason) => {
    expect(() => parseShadowSettings(json)).toThrow(reason);
  });
});
