/**
 * mcrouter's built-in JSONM macros (`ConfigPreprocessor::BuiltIns`, `mcrouter/lib/config/ConfigPreprocessor.cpp`), beyond the
 * cases of mcrouter's own test file: types (ints vs doubles), int64 arithmetic, edge cases and
 * error texts.
 */
import { describe, expect, test } from 'vitest';
import { networkInterfaces } from 'node:os';
import {
  canonical,
  canonicalText as c,
  expand,
  expandCanonical as ex,
  expandError as err,
  expandValue,
} from './helpers.js';

describe('casts and type tests', () => {
  test('JSON ints and doubles stay apart, as folly::dynamic', () => {
    expect(ex(['@isInt(@int(1))', { type: 'isInt', value: 1 }])).toBe(c('[true, true]'));
    const text = '{"value": {"a": {"type": "isDouble", "value": 1.0}, "b": {"type": "isInt", "value": 1.0}}}';
    expect(canonical(expand(text).get('value') ?? null)).toBe(c('{"a": true, "b": false}'));
  });

  test('int, double, str, bool conversions', () => {
    expect(ex(['@int(42)', '@int( -7 )', '@int(@double(3.0))', '@int(@bool(true))'])).toBe(
      c('[42, -7, 3, 1]'),
    );
    expect(ex(['@double(1.5)', '@double(@int(2))', '@double(1e3)'])).toBe(c('[1.5, 2.0, 1000.0]'));
    expect(ex(['@str(@int(-5))', '@str(@double(2.5))', '@str(@bool(true))', '@str(@double(1e21))'])).toBe(
      c('["-5", "2.5", "1", "1E21"]'),
    );
    expect(ex(['@bool(yes)', '@bool(OFF)', '@bool(@double(0.0))'])).toBe(c('[true, false, false]'));
  });

  test('failed casts name the type', () => {
    expect(err('@int(abc)')).toBe(
      'value: in macro "int": Can not cast string to int:\ninvalid integer "abc"',
    );
    expect(err('@int(@double(1.5))')).toMatch(/Can not cast double to int:\nloss of precision/);
    expect(err({ type: 'str', value: [1] })).toMatch(/Can not cast array to string/);
    expect(err('@bool(maybe)')).toMatch(/Can not cast string to boolean:\ninvalid boolean "maybe"/);
  });

  test('isArray, isBool, isObject, isString', () => {
    expect(
      ex([
        { type: 'isArray', value: [] },
        { type: 'isBool', value: false },
        { type: 'isObject', value: {} },
        '@isString(x)',
        { type: 'isString', value: 1 },
      ]),
    ).toBe(c('[true, true, true, true, false]'));
  });
});

describe('hash and weightedHash', () => {
  test('@hash of ints and strings is a signed int64 (folly::Hash)', () => {
    expect(ex(['@hash(abcd)', '@hash(@int(2313))'])).toBe(c('[6660178300034425268, -4996987850411076878]'));
    expect(err({ type: 'hash', value: 1.5 })).toMatch(/Hash: can not cast double to int or string/);
  });

  test('@mod of a hash is a C++ remainder (sign of the dividend)', () => {
    expect(ex('@mod(@hash(@int(2313)), @int(10))')).toBe(c('-8'));
  });

  test('weightedHash picks a key of the dictionary, stable for a key, never a zero weight', () => {
    const dict = { a: 0.0, b: 1.0 };
    expect(ex({ type: 'weightedHash', dictionary: dict, key: 5 })).toBe(c('"b"'));
    const three = { x: 1, y: 1, z: 0 };
    const picks = new Set<string>();
    for (let k = 0; k < 50; k++) {
      const v = expandValue({ type: 'weightedHash', dictionary: three, key: `host${k}` });
      expect(v).toBe(expandValue({ type: 'weightedHash', dictionary: three, key: `host${k}` }));
      picks.add(v as string);
    }
    expect([...picks].sort()).toEqual(['x', 'y']);
  });

  test('weightedHash errors', () => {
    expect(err({ type: 'weightedHash', dictionary: {}, key: 1 })).toMatch(
      /WeightedHash: dictionary is empty/,
    );
    expect(err({ type: 'weightedHash', dictionary: { a: 'x' }, key: 1 })).toMatch(
      /WeightedHash: a weight is string, expected number/,
    );
    expect(err({ type: 'weightedHash', dictionary: { a: -1 }, key: 1 })).toMatch(/a weight -1 is negative/);
    expect(err({ type: 'weightedHash', dictionary: { a: 0 }, key: 1 })).toMatch(
      /WeightedHash: failed to compute hash: Sum of weights is 0/,
    );
    expect(err({ type: 'weightedHash', dictionary: { a: 1 }, key: [] })).toMatch(
      /key is array, expected string or int/,
    );
  });
});

describe('collections', () => {
  test('merge: arrays concatenate, later object keys win, strings join', () => {
    expect(
      ex([
        { type: 'merge', params: [[1], [2, 3]] },
        { type: 'merge', params: [{ a: 1, b: 1 }, { b: 2 }] },
        { type: 'merge', params: ['a', 'b', 'c'] },
      ]),
    ).toBe(c('[[1, 2, 3], {"a": 1, "b": 2}, "abc"]'));
    expect(err({ type: 'merge', params: [] })).toMatch(/Merge: empty params/);
    expect(err({ type: 'merge', params: [1] })).toMatch(/first param is not array\/object\/string/);
  });

  test('select: negative index from the end, default only when missing', () => {
    expect(ex([{ type: 'select', dictionary: [1, 2, 3], key: -3 }])).toBe(c('[1]'));
    expect(err({ type: 'select', dictionary: [1, 2, 3], key: -4 })).toMatch(
      /Select: index -1 is out of range \[0, 3\)/,
    );
  });

  test('slice of an object keeps keys between from and to', () => {
    expect(ex({ type: 'slice', dictionary: { a: 1, b: 2, c: 3, d: 4 }, from: 'b', to: 'c' })).toBe(
      c('{"b": 2, "c": 3}'),
    );
  });

  test('keys, values, size, empty, contains', () => {
    expect(
      ex([
        { type: 'keys', dictionary: { x: 1, y: 2 } },
        { type: 'values', dictionary: { x: 1, y: 2 } },
        '@size(héllo)',
        { type: 'size', dictionary: [1, 2] },
        { type: 'empty', dictionary: {} },
        '@empty(x)',
        { type: 'contains', dictionary: [1.0, 'a'], key: 1 },
      ]),
    ).toBe(c('[["x", "y"], [1, 2], 6, 2, true, false, true]'));
    expect(err('@keys(x)')).toMatch(/Keys: dictionary is not object/);
    expect(err({ type: 'size', dictionary: 1 })).toMatch(/size: dictionary is not object\/array\/string/);
  });

  test('sort orders numbers numerically, then strings; objects cannot be sorted', () => {
    expect(ex({ type: 'sort', dictionary: ['b', 2.5, 'a', 1, 3] })).toBe(c('[1, 2.5, 3, "a", "b"]'));
    expect(err({ type: 'sort', dictionary: [{}, {}] })).toMatch(/Can not compare objects/);
  });

  test('set copies: the original is unchanged', () => {
    expect(
      ex(
        {
          type: 'define',
          vars: { orig: [1, 2] },
          result: [{ type: 'set', dictionary: '%orig%', key: 0, value: 9 }, '%orig%'],
        },
        {},
      ),
    ).toBe(c('[[9, 2], [1, 2]]'));
  });

  test('range and split', () => {
    expect(ex(['@range(@int(3), @int(1))', '@split(a:b:c,:)'])).toBe(c('[[], ["a", "b", "c"]]'));
    expect(err('@range(1, 2)')).toMatch(/Range: from is not an integer/);
  });

  test('shuffle: a permutation; with a seed always the same one', () => {
    const list = Array.from({ length: 20 }, (_, i) => i);
    const seeded = expandValue({ type: 'shuffle', dictionary: list, seed: 7 });
    expect(expandValue({ type: 'shuffle', dictionary: list, seed: 7 })).toEqual(seeded);
    expect(expandValue({ type: 'shuffle', dictionary: list, seed: 8 })).not.toEqual(seeded);
    const unseeded = expandValue({ type: 'shuffle', dictionary: list }) as bigint[];
    expect([...unseeded].sort((a, b) => Number(a - b))).toEqual(list.map(BigInt));
    expect([...(seeded as bigint[])].sort((a, b) => Number(a - b))).toEqual(list.map(BigInt));
    expect(err({ type: 'shuffle', dictionary: {} })).toMatch(/Shuffle: argument must be an array/);
    expect(err({ type: 'shuffle', dictionary: [1], seed: -1 })).toMatch(
      /seed must be a non-negative integer/,
    );
  });
});

describe('logic and comparison', () => {
  test('and/or evaluate B only when needed', () => {
    expect(ex(['@and(@bool(false), @fail(never))', '@or(@bool(true), @fail(never))'])).toBe(
      c('[false, true]'),
    );
    expect(err('@and(@bool(true), x)')).toMatch(/and: B is string, expected bool/);
  });

  test('equals treats 1 and 1.0 as equal, compares objects deeply', () => {
    expect(
      ex([
        { type: 'equals', A: 1, B: 1.0 },
        { type: 'equals', A: { a: [1] }, B: { a: [1] } },
        { type: 'equals', A: '1', B: 1 },
      ]),
    ).toBe(c('[true, true, false]'));
  });

  test('less across types: numbers < strings; arrays lexicographic', () => {
    expect(
      ex([
        { type: 'less', A: 10, B: '1' },
        { type: 'less', A: 1.5, B: 2 },
        { type: 'less', A: [1, 2], B: [1, 3] },
        { type: 'less', A: 'b', B: 'a' },
      ]),
    ).toBe(c('[true, true, true, false]'));
  });

  test('if needs a boolean condition; only the chosen branch is expanded', () => {
    expect(err('@if(yes, a, b)')).toMatch(/If: condition is not bool/);
    expect(err({ type: 'if', condition: true, is_true: 'a' })).toMatch(
      /Macro call if: 'is_false' parameter not found/,
    );
  });
});

describe('int64 arithmetic and bitwise operations', () => {
  test('add/sub/mul wrap around 64 bits; div and mod truncate toward zero', () => {
    expect(
      ex([
        '@add(@int(9223372036854775807), @int(1))',
        '@mul(@int(4294967296), @int(4294967296))',
        '@div(@int(-7), @int(2))',
        '@mod(@int(-7), @int(2))',
        '@sub(@int(0), @int(5))',
      ]),
    ).toBe(c('[-9223372036854775808, 0, -3, -1, -5]'));
    expect(err('@add(1, @int(1))')).toMatch(/add: A is not an integer/);
  });

  test('bitwise operators on int64, shifts as uint64', () => {
    expect(
      ex([
        '@bitwiseAnd(@int(12), @int(10))',
        '@bitwiseOr(@int(12), @int(10))',
        '@bitwiseXor(@int(12), @int(10))',
        '@bitwiseNot(@int(0))',
        '@bitwiseLeftShift(@int(1), @int(63))',
        '@bitwiseRightShift(@int(-1), @int(60))',
      ]),
    ).toBe(c('[8, 14, 6, -1, -9223372036854775808, 15]'));
    expect(err('@bitwiseLeftShift(@int(1), @int(64))')).toMatch(/bitwiseLeftShift: B must be in \[0, 63\]/);
  });
});

describe('define, defined, fail, isLocalIp', () => {
  test('define returns its result with vars; vars may use each other in any order', () => {
    expect(
      ex({
        type: 'define',
        vars: { b: '%a%-b', a: 'A' },
        result: ['%a%', '%b%'],
      }),
    ).toBe(c('["A", "A-b"]'));
  });

  test('a var that refers to itself is an error naming it', () => {
    expect(err({ type: 'define', vars: { a: 'x%a%' }, result: '%a%' })).toBe(
      `value: in var "a": Variable 'a' refers to itself`,
    );
  });

  test('defined: locals of the call site, consts and globals', () => {
    expect(
      ex(
        {
          type: 'define',
          vars: { local: 1 },
          result: ['@defined(local)', '@defined(myConst)', '@defined(testGlobal)', '@defined(nope)'],
        },
        { myConst: { type: 'constDef', result: 1 } },
      ),
    ).toBe(c('[true, true, true, false]'));
  });

  test('fail with a non-string message prints it as JSON', () => {
    expect(err({ type: 'fail', msg: { code: 7 } })).toBe('value: in macro "fail": {\n  "code": 7\n}');
  });

  test('isLocalIp: loopback and this host are local; others and non-IPs are not', () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal);
    expect(ex(['@isLocalIp(127.0.0.1)', '@isLocalIp(192.0.2.123)', '@isLocalIp(blah)'])).toBe(
      c('[true, false, false]'),
    );
    if (own !== undefined) expect(expandValue(`@isLocalIp(${own.address})`)).toBe(true);
    expect(expandValue('@isLocalIp(::ffff:127.0.0.1)')).toBe(true);
  });
});
