/**
 * ModifyKeyRoute's rewrite rules (`mcrouter/routes/ModifyKeyRoute.h::getModifiedKey`), pure.
 */
import { describe, expect, test } from 'vitest';
import { modifiedKey, type KeyRewrite } from '../../../proxy/routes/modify-key-route.js';
import { routingPrefixLength } from '../../../proxy/protocol/request.js';

const rw = (o: Partial<Record<keyof KeyRewrite, string | boolean | null>>): KeyRewrite => ({
  routingPrefix: typeof o.routingPrefix === 'string' ? Buffer.from(o.routingPrefix) : null,
  keyPrefix: Buffer.from(typeof o.keyPrefix === 'string' ? o.keyPrefix : ''),
  modifyInplace: o.modifyInplace === true,
  replacePrefix: typeof o.replacePrefix === 'string' ? Buffer.from(o.replacePrefix) : null,
  keySuffix: typeof o.keySuffix === 'string' ? Buffer.from(o.keySuffix) : null,
});
const apply = (key: string, r: KeyRewrite): string | null => {
  const b = Buffer.from(key);
  return modifiedKey(b, routingPrefixLength(b), r)?.toString() ?? null;
};

describe('modifiedKey', () => {
  test("mcrouter's example: set_routing_prefix /a/b/, ensure_key_prefix foo", () => {
    const r = rw({ routingPrefix: '/a/b/', keyPrefix: 'foo' });
    expect(apply('/a/b/a', r)).toBe('/a/b/fooa');
    expect(apply('foo', r)).toBe('/a/b/foo');
    expect(apply('/b/c/o', r)).toBe('/a/b/fooo');
    expect(apply('/a/b/foox', r)).toBeNull();
  });

  test('an empty routing prefix removes it; without options nothing changes', () => {
    expect(apply('/a/b/k', rw({ routingPrefix: '' }))).toBe('k');
    expect(apply('/a/b/k', rw({}))).toBeNull();
  });

  test('replace_key_prefix swaps the prefix for ensure_key_prefix; modify_inplace overwrites', () => {
    expect(apply('old:k', rw({ replacePrefix: 'old:', keyPrefix: 'new:' }))).toBe('new:k');
    expect(apply('other', rw({ replacePrefix: 'old:', keyPrefix: 'new:' }))).toBe('new:other');
    expect(apply('xyz', rw({ keyPrefix: 'ab', modifyInplace: true }))).toBe('abz');
    expect(apply('x', rw({ keyPrefix: 'ab', modifyInplace: true }))).toBe('abx');
  });

  test('set_key_suffix appends once', () => {
    expect(apply('k', rw({ keySuffix: ':s' }))).toBe('k:s');
    expect(apply('k:s', rw({ keySuffix: ':s' }))).toBeNull();
    expect(apply('/a/b/k', rw({ keyPrefix: 'p', keySuffix: ':s' }))).toBe('/a/b/pk:s');
  });
});
