/**
 * `lru_crawler metadump` parsing (memcached/crawler.c output) byte by byte: keys URI-decoded,
 * lines split anywhere across chunks, the end and the refusals memcached can answer with.
 */
import { describe, expect, test } from 'vitest';
import { KeyCatalog } from '../../../proxy/warm/key-catalog.js';
import { MetadumpReader } from '../../../proxy/warm/metadump.js';
import { WarmError } from '../../../proxy/errors.js';

const DUMP = Buffer.from(
  'key=a%01b%20c exp=-1 la=1700000005 cas=1 fetch=no cls=1 size=70\n' +
    'key=user%3A42 exp=1700003600 la=1700000009 cas=2 fetch=yes cls=1 size=72 flags=7\n' +
    'key=%D0%BA%D0%BB exp=-1 la=1700000001 cas=3 fetch=no cls=5 size=4200\n' +
    'END\r\n',
);

function keys(c: KeyCatalog): string[] {
  return Array.from({ length: c.count }, (_, i) =>
    c.keys.subarray(c.keyStart(i), c.keyEnd(i)).toString('hex'),
  );
}

describe('MetadumpReader', () => {
  test.each([1, 2, 7, 64, DUMP.length])('decodes keys, last access and size; chunks of %i bytes', (size) => {
    const catalog = new KeyCatalog();
    const reader = new MetadumpReader(catalog, 3, 'src:1');
    let done = false;
    for (let i = 0; i < DUMP.length; i += size) done = reader.feed(DUMP.subarray(i, i + size));
    expect(done).toBe(true);
    expect(keys(catalog)).toEqual([
      Buffer.from([0x61, 0x01, 0x62, 0x20, 0x63]).toString('hex'),
      Buffer.from('user:42').toString('hex'),
      Buffer.from('кл', 'utf8').toString('hex'),
    ]);
    expect([catalog.accessed(0), catalog.accessed(1), catalog.accessed(2)]).toEqual([
      1700000005, 1700000009, 1700000001,
    ]);
    expect(catalog.totalBytes).toBe(70 + 72 + 4200);
    expect(catalog.source(1)).toBe(3);
  });

  test('NOTSTARTED (nothing to crawl) is an empty dump', () => {
    const catalog = new KeyCatalog();
    expect(new MetadumpReader(catalog, 0, 's').feed(Buffer.from('NOTSTARTED no items to crawl\r\n'))).toBe(
      true,
    );
    expect(catalog.count).toBe(0);
  });

  test.each([
    ['BUSY currently processing crawler request', 'MCR_ERR_WARM_ENUM_BUSY'],
    ['ERROR locked try again later', 'MCR_ERR_WARM_ENUM_BUSY'],
    ['CLIENT_ERROR lru crawler disabled', 'MCR_ERR_WARM_ENUM_REFUSED'],
    ['ERROR metadump not allowed', 'MCR_ERR_WARM_ENUM_REFUSED'],
    ['ERROR', 'MCR_ERR_WARM_ENUM_REFUSED'],
    ['VERSION 1.2.3', 'MCR_ERR_WARM_SOURCE'],
  ])('"%s" → %s', (line, code) => {
    const reader = new MetadumpReader(new KeyCatalog(), 0, '10.0.0.1:11211');
    let thrown: unknown = null;
    try {
      reader.feed(Buffer.from(`${line}\r\n`));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WarmError);
    expect((thrown as WarmError).code).toBe(code);
    expect((thrown as WarmError).message).toContain(`10.0.0.1:11211: `);
  });
});

describe('KeyCatalog.selectByRecency', () => {
  test('most recent first, ties in listing order, stops at the budget', () => {
    const c = new KeyCatalog();
    const add = (key: string, la: number, size: number): void => {
      const { buf, at } = c.reserve(key.length);
      buf.write(key, at, 'latin1');
      c.commit(key.length, la, size, 0);
    };
    add('old', 100, 10);
    add('new1', 300, 10);
    add('mid', 200, 10);
    add('new2', 300, 10);
    const { order, bytes } = c.selectByRecency(30);
    expect(Array.from(order)).toEqual([1, 3, 2]);
    expect(bytes).toBe(30);
    expect(Array.from(c.selectByRecency(29).order)).toEqual([1, 3]);
  });
});
