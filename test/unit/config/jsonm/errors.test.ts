/**
 * Errors of the JSONM preprocessor are `ConfigError`s that locate the problem: the JSON path in
 * the config, the macros/calls/consts/vars the expansion went through (with the path inside
 * each), and the reason; the nesting limit (250, as mcrouter) stops cycles.
 */
import { describe, expect, test } from 'vitest';
import { configErrorOf, expand, expandError as err } from './helpers.js';

const POOL_MACROS = {
  shard: {
    type: 'macroDef',
    params: ['host', { name: 'port', default: '11211' }],
    result: { servers: ['%host%:%port%'], port: '@int(%port%)' },
  },
  portOf: { type: 'macroDef', params: ['n'], result: '@add(@int(11210), @int(%n%))' },
};

describe('where the problem is', () => {
  test('the config path of the failing value, then the macro chain and the path inside it', () => {
    const e = configErrorOf(() =>
      expand({
        macros: POOL_MACROS,
        route: { type: 'AllSyncRoute', children: ['PoolRoute|a', { type: 'shard', host: 'h', port: 'x' }] },
      }),
    );
    expect(e.path).toBe('route.children[1]');
    expect(e.reason).toBe(
      'in macro "shard", at port, in macro "int": Can not cast string to int:\ninvalid integer "x"',
    );
  });

  test('arguments of string calls are numbered', () => {
    expect(err('@add(@int(1), @portOf(y))', POOL_MACROS)).toBe(
      'value: in macro "add", argument 2, in macro "portOf", in macro "add", argument 2, in macro "int": ' +
        'Can not cast string to int:\ninvalid integer "y"',
    );
  });

  test('calls name the element being processed', () => {
    expect(err({ type: 'foreach', from: { a: 1, b: 'x' }, use: { '%key%': '@add(%item%, @int(1))' } })).toBe(
      'value: in "foreach", at use, for key "b", at ["%key%"], in macro "add": add: A is not an integer',
    );
  });

  test('consts are named, wherever they are used', () => {
    const macros = { broken: { type: 'constDef', result: ['@int(zz)'] } };
    expect(err({ deep: ['%broken%'] }, macros)).toBe(
      'value.deep[0]: in const "broken", at [0], in macro "int": Can not cast string to int:\ninvalid integer "zz"',
    );
  });

  test('bad definitions in the macros section point into it', () => {
    expect(
      configErrorOf(() => expand({ macros: { m: { type: 'macroDef', params: [1], result: 1 } } })).message,
    ).toBe('macros.m: Macro param is int64, expected string/object');
    expect(
      configErrorOf(() =>
        expand({ macros: [{ ok: { type: 'constDef', result: 1 } }, { bad: { type: 'nope' } }] }),
      ).message,
    ).toBe('macros[1].bad: Unknown macro definition type: nope');
    expect(configErrorOf(() => expand({ macros: 'x' })).message).toBe(
      'macros: config macros is string, expected array/object',
    );
    expect(
      configErrorOf(() =>
        expand({
          macros: {
            m: { type: 'macroDef', params: [{ name: 'a', default: 1, optional: false }], result: 1 },
          },
        }),
      ).message,
    ).toMatch(/^macros\.m: Conflicting options provided for parameter 'a' in macro 'm'/);
  });

  test('a missing named parameter of an object call', () => {
    expect(err({ type: 'shard' }, POOL_MACROS)).toBe(
      'value: in macro "shard": Macro call shard: \'host\' parameter not found',
    );
  });

  test('vars must be an object', () => {
    expect(err({ vars: [1], a: 1 })).toBe('value.vars: vars is array, expected object');
  });

  test('syntax errors name the source, line and column; the root must be an object', () => {
    expect(configErrorOf(() => expand('{"a": 1,,}')).message).toBe(
      'inline config: JSON syntax error at line 1, column 9: PropertyNameExpected',
    );
    expect(configErrorOf(() => expand('[1]')).message).toBe('the config must be a JSON object');
  });
});

describe('nesting limit', () => {
  test('a macro calling itself stops at the limit, the chain shown once with a count', () => {
    const e = configErrorOf(() =>
      expand({ macros: { loop: { type: 'macroDef', result: '@loop' } }, route: '@loop' }),
    );
    expect(e.message).toMatch(
      /^route: in macro "loop" \(×124\): Too many nested macros\. Check for cycles\.$/,
    );
  });

  test('deeply nested plain JSON counts too (250 levels, as mcrouter)', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nest(depth - 1) });
    expect(() => expand({ value: nest(240) })).not.toThrow();
    expect(err(nest(260))).toMatch(/Too many nested macros/);
  });

  test('the limit is configurable', () => {
    const macros = {
      f: {
        type: 'macroDef',
        params: ['n'],
        result: '@if(@less(@int(0), %n%), @f(@sub(%n%, @int(1))), done)',
      },
    };
    expect(expand({ macros, value: '@f(@int(10))' }, { nestedLimit: 250 }).get('value')).toBe('done');
    expect(
      configErrorOf(() => expand({ macros, value: '@f(@int(10))' }, { nestedLimit: 40 })).message,
    ).toMatch(/Too many nested macros/);
  });
});
