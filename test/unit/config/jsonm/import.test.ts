/**
 * `@import` (`mcrouter/lib/config/ConfigPreprocessor.cpp`; mcrouter's importMacro with ConfigApi's ConfigImport paths) with real
 * files in a temporary directory: path resolution, nesting, caching, defaults, errors that name
 * the file, and the list of files read (for reload watching).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expandConfigValue } from '../../../../proxy/config/jsonm/expand-config.js';
import { canonical, canonicalText as c, configErrorOf, TEST_GLOBALS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'jsonm-import-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (name → text or JSON value) under the temp dir; returns absolute paths. */
function write(files: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    out[name] = file;
  }
  return out;
}

/** Expands `config` as the file `<dir>/<name>`; returns the canonical value of `key` and the imports. */
function run(
  config: unknown,
  name = 'main.json',
  key = 'value',
): { value: string; imports: readonly string[] } {
  const text = JSON.stringify(config);
  const main = write({ [name]: text })[name] as string;
  const { value, imports } = expandConfigValue(text, { path: main, options: {}, globals: TEST_GLOBALS });
  return { value: canonical(value.get(key) ?? null), imports };
}

describe('path resolution', () => {
  test('relative paths resolve against the main config directory, also inside imported files', () => {
    const f = write({
      'sub/b.json': '// a comment\n{"from": "b", "c": "@import(c.json)",}',
      'c.json': '"top-level c"',
      'sub/c.json': '"sub c (must not be read)"',
    });
    const r = run({ value: '@import(sub/b.json)' });
    expect(r.value).toBe(c('{"from": "b", "c": "top-level c"}'));
    expect(r.imports).toEqual([f['sub/b.json'], f['c.json']]);
  });

  test('absolute paths and file: paths (file: relative to the working directory)', () => {
    const f = write({ 'abs.json': '1', 'cwdrel.json': '2' });
    const rel = relative(process.cwd(), f['cwdrel.json'] as string);
    const r = run({
      value: [`@import(${f['abs.json']})`, `@import(file:${f['abs.json']})`, `@import(file:${rel})`],
    });
    expect(r.value).toBe(c('[1, 1, 2]'));
    expect(r.imports).toEqual([f['abs.json'], f['cwdrel.json']]);
  });

  test('an inline config imports relative to the working directory', () => {
    const f = write({ 'inline.json': '{"a": 1}' });
    const rel = relative(process.cwd(), f['inline.json'] as string);
    const { value, imports } = expandConfigValue(JSON.stringify({ value: `@import(${rel})` }), {
      path: null,
      options: {},
      globals: TEST_GLOBALS,
    });
    expect(canonical(value.get('value') ?? null)).toBe(c('{"a": 1}'));
    expect(imports).toEqual([f['inline.json']]);
  });

  test('the path may be built from params', () => {
    write({ 'test.json': '"by param"' });
    expect(run({ value: '@import(%testGlobal%.json)' }).value).toBe(c('"by param"'));
  });
});

describe('what an import sees and returns', () => {
  test('imported files use the main config macros and globals, not the caller locals', () => {
    write({ 'uses-macro.json': '["@twice(x)", "%testGlobal%"]', 'uses-local.json': '"%local%"' });
    const macros = { twice: { type: 'macroDef', params: ['a'], result: '%a%%a%' } };
    expect(run({ macros, value: '@import(uses-macro.json)' }).value).toBe(c('["xx", "test"]'));
    const err = configErrorOf(() =>
      run({ value: { type: 'define', vars: { local: 1 }, result: '@import(uses-local.json)' } }),
    );
    expect(err.message).toBe(
      `value: in macro "define", at result, in @import "${join(dir, 'uses-local.json')}": Param in string: 'local' not found`,
    );
  });

  test('an imported file may define macros when imported into the macros section', () => {
    write({ 'lib.json': { greet: { type: 'macroDef', params: ['who'], result: 'hello %who%' } } });
    expect(run({ macros: '@import(lib.json)', value: '@greet(world)' }).value).toBe(c('"hello world"'));
  });

  test('each path is read and expanded once per build', () => {
    const f = write({ 'once.json': '"@int(7)"' });
    const r = run({
      value: ['@import(once.json)', '@import(once.json)', { type: 'import', path: 'once.json' }],
    });
    expect(r.value).toBe(c('[7, 7, 7]'));
    expect(r.imports).toEqual([f['once.json']]);
  });

  test('a default is used when the file is missing or broken, and only then', () => {
    write({ 'present.json': '"present"', 'broken.json': '{"a": ' });
    expect(
      run({
        value: [
          '@import(missing.json, fallback)',
          { type: 'import', path: 'broken.json', default: { a: 0 } },
          '@import(present.json, @fail(not evaluated))',
        ],
      }).value,
    ).toBe(c('["fallback", {"a": 0}, "present"]'));
  });
});

describe('errors name the file', () => {
  test('a missing file', () => {
    const err = configErrorOf(() =>
      run({ route: { pools: '@import(nope/missing.json)' } }, 'main.json', 'route'),
    );
    expect(err.path).toBe('route.pools');
    expect(err.message).toBe(
      `route.pools: in @import "${join(dir, 'nope/missing.json')}": cannot read ${join(dir, 'nope/missing.json')}: ENOENT`,
    );
  });

  test('a syntax error in an imported file: file, line and column', () => {
    write({ 'bad.json': '{\n  "a": 1\n  "b": 2\n}' });
    expect(configErrorOf(() => run({ value: '@import(bad.json)' })).message).toBe(
      `value: in @import "${join(dir, 'bad.json')}": JSON syntax error at line 3, column 3: CommaExpected`,
    );
  });

  test('a bad macro call inside an imported file: its path in that file', () => {
    write({ 'inner.json': '{"servers": ["@int(x)"]}' });
    expect(configErrorOf(() => run({ value: '@import(inner.json)' })).message).toBe(
      `value: in @import "${join(dir, 'inner.json')}", at servers[0], in macro "int": ` +
        'Can not cast string to int:\ninvalid integer "x"',
    );
  });

  test('a directory is not imported', () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    expect(configErrorOf(() => run({ value: '@import(adir)' })).message).toMatch(/adir: not a regular file$/);
  });

  test('files importing each other hit the nesting limit', () => {
    write({ 'ping.json': '{"next": "@import(pong.json)"}', 'pong.json': '{"next": "@import(ping.json)"}' });
    const err = configErrorOf(() => run({ value: '@import(ping.json)' }));
    expect(err.message).toMatch(/\(×\d+\).*Too many nested macros\. Check for cycles\.$/);
    expect(err.message).toContain(`in @import "${join(dir, 'ping.json')}"`);
  });
});
