/**
 * Validates route and pool options with zod schemas, turning zod issues into `ConfigError`s that
 * name the full JSON path. Schemas are loose: like mcrouter, unknown keys are ignored; keys
 * mcrouter acts on that mcproxy does not implement are rejected (`rejectUnsupported`), never
 * silently ignored.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { joinPath } from './json-path.js';

/**
 * Parses `value` with `schema`.
 * @param path JSON path of `value`, prefixed to the path of the first issue
 * @throws ConfigError for the first issue
 */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, path: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ConfigError(path, 'invalid value');
  throw new ConfigError(joinPath(path, issue.path), issue.message);
}

/** Timeouts: integer milliseconds in [1, 1000000] (`mcrouter/lib/fbi/cpp/ParsingUtil.cpp`). */
export const timeoutMs = z
  .int('expected an integer number of milliseconds')
  .min(1, 'must be between 1 and 1000000 ms')
  .max(1_000_000, 'must be between 1 and 1000000 ms');

/** True for a non-null, non-array object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rejects keys of `obj` that mcrouter acts on and mcproxy does not implement. A key whose value is
 * one of its `inert` values (what mcrouter does by default) is allowed.
 * @param keys key → the values that change nothing (e.g. `[false, 0]`), or `[]` for none
 * @throws ConfigError `<path>.<key>: not supported by mcproxy`
 */
export function rejectUnsupported(
  obj: Readonly<Record<string, unknown>>,
  keys: Readonly<Record<string, readonly unknown[]>>,
  path: string,
): void {
  for (const [key, inert] of Object.entries(keys)) {
    const v = obj[key];
    if (v !== undefined && !inert.includes(v))
      throw new ConfigError(joinPath(path, [key]), 'not supported by mcproxy');
  }
}
