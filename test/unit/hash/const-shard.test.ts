import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { constShardHash, constShardLookup } from '../../../proxy/hash/const-shard.js';
import { furcHash } from '../../../proxy/hash/furc.js';
import { VECTORS, embed } from './fixture.js';

const C = VECTORS.ConstShardHashFunc;

function hash(key: string, n: number): number {
  const b = Buffer.from(key, 'latin1');
  return constShardHash(b, 0, b.length, n);
}

describe('ConstShard (mcrouter/routes/test/ConstShardHashFuncTest.cpp)', () => {
  it.each(C.cases)(`n=${C.n}: $key -> $expected`, ({ key, expected, note }) => {
    expect(hash(key, C.n)).toBe(expected);
    if (note !== undefined) {
      // Fallback cases equal plain Ch3.
      const b = Buffer.from(key);
      expect(furcHash(b, 0, b.length, C.n)).toBe(expected);
    }
  });

  it.each(C.integration.cases)(
    `test_const_shard_hash.py (n=${C.integration.n}): $key -> server $server_index`,
    ({ key, server_index }) => {
      expect(hash(key, C.integration.n)).toBe(server_index);
    },
  );
});

describe('constShardLookup', () => {
  it.each([
    ['a:007:b', 10, 7],
    ['a:0:', 1, 0],
    [':3:', 4, 3],
    ['a:3:b:2:c', 4, 3],
    ['a:12:b', 100, 12],
    ['a:99999999999999999999999:b', 4, -1],
    ['a:3', 4, -1],
    ['a3:b', 4, -1],
    ['a::b', 4, -1],
    ['a:3x:b', 4, -1],
    ['a:x3:b', 4, -1],
    ['a:-1:b', 4, -1],
    ['a: 1:b', 4, -1],
    ['a:4:b', 4, -1],
  ] as const)('%s with n=%i -> %i', (key, n, expected) => {
    const b = Buffer.from(key);
    expect(constShardLookup(b, 0, b.length, n)).toBe(expected);
  });
});

describe('ConstShard properties', () => {
  test.prop([
    fc.string({ maxLength: 20 }),
    fc.nat(1000),
    fc.string({ maxLength: 20 }),
    fc.integer({ min: 1, max: 2000 }),
  ])(
    'prefix:<id>:rest maps to id when the prefix has no colon and id < n, else to Ch3',
    (prefix, id, rest, n) => {
      fc.pre(!prefix.includes(':'));
      const b = Buffer.from(`${prefix}:${id}:${rest}`);
      const expected = id < n ? id : furcHash(b, 0, b.length, n);
      expect(constShardHash(b, 0, b.length, n)).toBe(expected);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 60 }), fc.nat(40), fc.nat(40), fc.integer({ min: 1, max: 100 })])(
    'same answer for a key at any offset inside a larger buffer',
    (key, before, after, n) => {
      // Fill with ':' and digits around the key so a bounds bug would change the answer.
      const big = embed(key, before, after, 0x3a);
      if (before > 0) big[before - 1] = 0x31;
      expect(constShardHash(big, before, before + key.length, n)).toBe(constShardHash(key, 0, key.length, n));
    },
  );
});
