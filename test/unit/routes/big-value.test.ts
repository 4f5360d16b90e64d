/**
 * BigValueRoute's index value and chunk keys (`mcrouter/routes/BigValueRoute-inl.h`:
 * `parseChunksInfo`, `ChunksInfo::toStringType`, `createChunkKey`).
 */
import { describe, expect, test } from 'vitest';
import { chunkKey, formatChunksInfo, parseChunksInfo } from '../../../proxy/routes/big-value-route.js';

const parse = (s: string): ReturnType<typeof parseChunksInfo> => parseChunksInfo(Buffer.from(s, 'latin1'));

describe('BigValueRoute index', () => {
  test.each([
    ['1-2-1234', { numChunks: 2, suffix: '1234' }],
    ['1-4200-18446744073709551615', { numChunks: 4200, suffix: '18446744073709551615' }],
    ['01-2-007', { numChunks: 2, suffix: '7' }],
  ])('%s parses', (text, info) => {
    expect(parse(text)).toEqual(info);
  });

  test.each([
    '2-2-1234', // only version 1
    '1-2', // three fields
    '1-2-3-4',
    '1--2-3',
    '1-4294967296-1', // chunks > uint32
    '1-2-18446744073709551616', // suffix > uint64
    '1-2-12a',
    ' 1-2-3',
    '',
  ])('%j is not an index', (text) => {
    expect(parse(text)).toBeNull();
  });

  test('format and chunk keys as mcrouter writes them', () => {
    expect(formatChunksInfo({ numChunks: 3, suffix: '99' }).toString()).toBe('1-3-99');
    expect(chunkKey(Buffer.from('/a/b/key'), 2, '99').toString()).toBe('/a/b/key:2:99');
  });
});
