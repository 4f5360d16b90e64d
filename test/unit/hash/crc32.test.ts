import { crc32 as zlibCrc32 } from 'node:zlib';

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { crc32, crc32Hash } from '../../../proxy/hash/crc32.js';
import { VECTORS, caseKey, caseLabel, embed } from './fixture.js';

describe('crc32', () => {
  it('is the standard reflected CRC-32', () => {
    const hello = Buffer.from('hello');
    expect(crc32(hello, 0, hello.length)).toBe(907060870);
    const check = Buffer.from('123456789');
    expect(crc32(check, 0, check.length)).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0), 0, 0)).toBe(0);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('equals zlib.crc32', (bytes) => {
    expect(crc32(bytes, 0, bytes.length)).toBe(zlibCrc32(bytes));
  });

  test.prop([fc.uint8Array({ maxLength: 100 }), fc.nat(40), fc.nat(40)])(
    'same answer for a key at any offset inside a larger buffer',
    (bytes, before, after) => {
      const big = embed(bytes, before, after);
      expect(crc32(big, before, before + bytes.length)).toBe(crc32(bytes, 0, bytes.length));
    },
  );
});

describe('Crc32HashFunc (mcrouter/lib/test/Crc32HashTest.cpp)', () => {
  it.each(VECTORS.Crc32HashFunc.cases.map((c) => ({ ...c, label: caseLabel(c) })))(
    'Crc32($n)($label) = $expected',
    (c) => {
      const key = caseKey(c);
      expect(crc32Hash(key, 0, key.length, c.n)).toBe(c.expected);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 2 ** 31 })])(
    'index = (crc & 0x7fffffff) % n, in [0, n)',
    (bytes, n) => {
      const r = crc32Hash(bytes, 0, bytes.length, n);
      expect(r).toBe((zlibCrc32(bytes) & 0x7fffffff) % n);
      expect(r).toBeLessThan(n);
    },
  );
});
