/**
 * mcrouter's own preprocessor test vectors (`mcrouter/lib/config/test/config_preprocessor_test.cpp`
 * with `config_preprocessor_test_file.json` and `config_preprocessor_test_errors.json`), run the
 * way that test runs them: each case's `orig` is expanded inside
 * `{"consts": [], "macros": <macros>, "orig": <orig>}` with the test's globals and mock imports,
 * and compared with `expand` as JSON with sorted keys (ints and doubles distinct).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseJsonm } from '../../../../proxy/config/jsonm/parse.js';
import { isObject, type JValue } from '../../../../proxy/config/jsonm/value.js';
import { canonical, configErrorOf, expand } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/jsonm');

function load(name: string): ReadonlyMap<string, JValue> {
  const v = parseJsonm(readFileSync(join(FIXTURES, name), 'utf8'), name);
  if (!isObject(v)) throw new Error(`${name}: not an object`);
  return v;
}

/** The mock import resolver of the mcrouter test, as files next to the config. */
const dir = mkdtempSync(join(tmpdir(), 'jsonm-mcrouter-'));
writeFileSync(join(dir, 'test'), '"mock_test"');
writeFileSync(join(dir, 'templ'), '{ "type": "macroDef", "result": "imported_macro" }');
const configPath = join(dir, 'config.json');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Rebuilds JSON text from a parsed value (ints exact). */
function text(v: JValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${(v as JValue[]).map(text).join(',')}]`;
  if (isObject(v)) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${text(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

const cases: [string, JValue, JValue, JValue][] = [];
for (const [testName, testObj] of load('mcrouter-cases.jsonc')) {
  if (!isObject(testObj)) throw new Error(testName);
  const macros = testObj.get('macros') ?? null;
  for (const [caseName, c] of (testObj.get('cases') as ReadonlyMap<string, JValue> | undefined) ?? []) {
    if (!isObject(c)) throw new Error(caseName);
    cases.push([`${testName}:${caseName}`, macros, c.get('orig') ?? null, c.get('expand') ?? null]);
  }
}

describe('ConfigPreprocessorTest.macros', () => {
  test('the fixture holds every ported case', () => {
    expect(cases.length).toBe(97);
  });

  test.each(cases)('%s', (_name, macros, orig, expected) => {
    const config = `{"consts": [], "macros": ${text(macros)}, "orig": ${text(orig)}}`;
    const result = expand(config, { path: configPath });
    expect(canonical(result.get('orig') ?? null)).toBe(canonical(expected));
  });
});

/** What each error case must say (mcrouter's messages). */
const ERROR_REASONS: Record<string, RegExp> = {
  nestedLimit: /in macro "a" \(×\d+\): Too many nested macros\. Check for cycles\./,
  invalidMacroDef: /^macros\.a: 'a' macro definition is string, expected object$/,
  invalidMacroDefType: /^macros\.a: macro definition: 'type' not found$/,
  invalidMerge: /^ret: in macro "merge": Merge: param 1 is not an array$/,
  invalidSelect: /^ret: in macro "select": Select: 'b' not found, default not specified$/,
  invalidSelectDictList: /^ret: in macro "select": Select: dictionary is an object, key is not a string$/,
  selectFailDefault: /^ret: in macro "select", at default, in macro "fail": No key$/,
  invalidSelectArrayList: /^ret: in macro "select": Select: dictionary is an array, key is not an integer$/,
  invalidTransform: /^ret: in "transform": Transform: itemTransform is required for array$/,
  invalidTransformNames:
    /^ret: in "transform", at itemTransform, for key "a": Param in string: 'item' not found$/,
  invalidDefaults: /^macros\.a: Incorrect defaults\/optionals in macro a\./,
  tooFewParams: /^ret: in macro "a": Too few arguments for macro a\. Expected at least 1 got 0$/,
  tooManyParams: /^ret: in macro "a": Too many arguments for macro a\. Expected at most 2 got 3$/,
  stringAfterMacro: /^ret: No closing bracket for call '@a\(\)a'$/,
  divBy0: /^ret: in macro "div": div: B == 0$/,
  modBy0: /^ret: in macro "mod": mod: B == 0$/,
  lessObjs: /^ret: in macro "less": Can not compare objects$/,
  fail: /^ret: in macro "fail": Custom failure here$/,
  set_out_of_range: /^ret: in macro "set": Set: key '2' is out of range \[0\.\.2\)$/,
  out_of_scope:
    /^ret: in "transform", at itemTransform, for item 0, in macro "a": Param in string: 'item' not found$/,
};

describe('ConfigPreprocessorTest.errors', () => {
  const errorCases = [...load('mcrouter-errors.jsonc')];

  test('every case has an expected reason', () => {
    expect(errorCases.map(([name]) => name).sort()).toEqual(Object.keys(ERROR_REASONS).sort());
  });

  test.each(errorCases)('%s is refused with a located reason', (name, config) => {
    const err = configErrorOf(() => expand(text(config)));
    expect(err.message).toMatch(ERROR_REASONS[name] as RegExp);
  });
});
