/**
 * JSONM string syntax, as mcrouter's preprocessor parses it: `@calls`, their arguments,
 * `%params%`, and `\` escapes (`ConfigPreprocessor.cpp`: getCallParams, trim, replaceParams).
 */
import { describe, expect, test } from 'vitest';
import { splitCallArgs, trimArg } from '../../../../proxy/config/jsonm/syntax.js';
import { canonicalText as c, expandCanonical as ex, expandError as err } from './helpers.js';

const ECHO = {
  echo: { type: 'macroDef', params: [{ name: 'a', default: 'none' }], result: '%a%' },
  pair: { type: 'macroDef', params: ['a', 'b'], result: ['%a%', '%b%'] },
};

describe('call arguments', () => {
  test('commas inside a nested call do not split arguments', () => {
    expect(splitCallArgs('@add(@int(1),@int(2)), b')).toEqual(['@add(@int(1),@int(2))', 'b']);
    expect(splitCallArgs('a, @f(x, (y)) ,c')).toEqual(['a', '@f(x, (y))', 'c']);
  });

  test('escaped commas and brackets are text', () => {
    expect(splitCallArgs('a\\,b, c\\(')).toEqual(['a\\,b', 'c\\(']);
  });

  test('empty arguments: () is one, (x,) ends with one', () => {
    expect(splitCallArgs('')).toEqual(['']);
    expect(splitCallArgs('x,')).toEqual(['x', '']);
  });

  test('trimming keeps escaped trailing whitespace', () => {
    expect(trimArg('  a  ')).toBe('a');
    expect(trimArg('a\\ ')).toBe('a\\ ');
    expect(trimArg('a\\\\ ')).toBe('a\\\\');
    expect(trimArg('\n\ta\t')).toBe('a');
  });

  test('unbalanced brackets and text after a call are errors', () => {
    expect(err('@pair(@echo(a, b)')).toMatch(/No closing bracket|Brackets do not match/);
    expect(err('@pair(x(1,2)y)', ECHO)).toBe('value: No comma after closing bracket');
    expect(err('@echo(a)tail', ECHO)).toBe("value: No closing bracket for call '@echo(a)tail'");
  });

  test('a call without brackets has no arguments, () has one empty argument', () => {
    expect(ex(['@echo', '@echo()', '@echo(\\ )', '@pair(a,)'], ECHO)).toBe(c('["none", "", " ", ["a", ""]]'));
  });
});

describe('params and escapes', () => {
  test('a string that is exactly one param becomes its value, of any type', () => {
    expect(ex({ type: 'define', vars: { v: [1, { a: true }] }, result: '%v%' })).toBe(c('[1, {"a": true}]'));
  });

  test('params inside text must be strings', () => {
    expect(err({ type: 'define', vars: { n: 1 }, result: 'x-%n%' })).toBe(
      'value: in macro "define", at result: Param in string \'n\' is int64, expected string',
    );
  });

  test('an odd % and an unknown param are errors', () => {
    expect(err('50% off')).toBe("value: Odd number of percent signs in string around ' off'");
    expect(err('%nope%')).toBe("value: Param in string: 'nope' not found");
  });

  test('\\ escapes %, @, \\ and is removed', () => {
    expect(ex(['100\\%', '\\@notacall', 'a\\\\b', 'x\\'])).toBe(c('["100%", "@notacall", "a\\\\b", "x"]'));
  });

  test('macro names may come from params; keys are expanded too', () => {
    expect(ex({ type: 'define', vars: { m: 'echo', k: 'key' }, result: { '%k%-1': '@%m%(v)' } }, ECHO)).toBe(
      c('{"key-1": "v"}'),
    );
    expect(err('@%nope%', ECHO)).toBe("value: Param in string: 'nope' not found");
    expect(err('@missing(1)')).toBe("value: Macro: 'missing' not found");
  });

  test('an object whose type is not a macro stays an object, expanded', () => {
    expect(ex({ type: 'PoolRoute', pool: '%testGlobal%' })).toBe(c('{"type": "PoolRoute", "pool": "test"}'));
  });

  test('numbers, booleans and null pass through', () => {
    expect(ex([1, 2.5, true, null])).toBe(c('[1, 2.5, true, null]'));
  });
});
