/**
 * Helpers for the JSONM tests: expand a config (object or text) and compare results the way
 * mcrouter's ConfigPreprocessorTest does (JSON with sorted keys, ints and doubles distinct).
 */
import { expect } from 'vitest';
import { expandConfigValue, type ExpandOptions } from '../../../../proxy/config/jsonm/expand-config.js';
import { parseJsonm } from '../../../../proxy/config/jsonm/parse.js';
import { isArray, isObject, type JValue } from '../../../../proxy/config/jsonm/value.js';
import { ConfigError } from '../../../../proxy/errors.js';

/** The globals of mcrouter's ConfigPreprocessorTest (`kGlobalParams`). */
export const TEST_GLOBALS: ReadonlyMap<string, JValue> = new Map([
  ['testGlobal', 'test'],
  ['templGlobal', 'templ'],
]);

/** Options for `expand`: a config path (for imports), globals, nesting limit. */
export type ExpandOpts = Partial<Omit<ExpandOptions, 'options'>> & { options?: ExpandOptions['options'] };

/** Expands a whole config (an object is JSON-encoded) and returns the expanded root. */
export function expand(config: unknown, opts: ExpandOpts = {}): ReadonlyMap<string, JValue> {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  return expandConfigValue(text, {
    path: opts.path ?? null,
    options: opts.options ?? {},
    globals: opts.globals ?? TEST_GLOBALS,
    ...(opts.nestedLimit !== undefined ? { nestedLimit: opts.nestedLimit } : {}),
  }).value;
}

/** Expands `{"macros": macros, "value": value}` and returns the expanded value. */
export function expandValue(value: unknown, macros: unknown = {}, opts: ExpandOpts = {}): JValue {
  return expand({ macros, value }, opts).get('value') ?? null;
}

/** JSON text with sorted keys; doubles keep a `.0` so `1` and `1.0` differ (as folly's JSON). */
export function canonical(v: JValue): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}.0` : String(v);
  if (isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    const keys = [...v.keys()].sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v.get(k) ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `canonical` of JSONC text (ints stay ints). */
export function canonicalText(text: string): string {
  return canonical(parseJsonm(text, 'expected'));
}

/** The ConfigError `fn` throws (failing the test when it throws nothing or something else). */
export function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('MCR_ERR_CONFIG');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** `canonical` of `value` expanded (with `macros`), for comparing with `canonicalText`. */
export function expandCanonical(value: unknown, macros: unknown = {}, opts: ExpandOpts = {}): string {
  return canonical(expandValue(value, macros, opts));
}

/** The message of the ConfigError expanding `value` (with `macros`) throws. */
export function expandError(value: unknown, macros: unknown = {}, opts: ExpandOpts = {}): string {
  return configErrorOf(() => expandValue(value, macros, opts)).message;
}
