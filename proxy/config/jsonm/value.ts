/**
 * JSON values as mcrouter's preprocessor sees them (folly::dynamic): integers are 64-bit and
 * distinct from doubles (`@isInt(1)` is true, `@isInt(1.0)` false; `@hash` returns full int64s),
 * so they are `bigint`s here (always within int64) and doubles are `number`s. Objects are
 * `Map`s, so any key (`__proto__` included) is plain data. Values are never mutated once built:
 * every macro returns new containers.
 *
 * The conversions (`asInt`, `asDouble`, `asString`, `asBool`), equality and ordering follow
 * folly::dynamic (`folly/dynamic.cpp`, `folly/Conv.h`), which is what mcrouter's built-in
 * macros call (`mcrouter/lib/config/ConfigPreprocessor.cpp`).
 */
import { McProxyError } from '../../errors.js';

/** A JSONM value. */
export type JValue = null | boolean | bigint | number | string | JArray | JObject;
/** A JSON array. */
export type JArray = readonly JValue[];
/** A JSON object (key order: insertion order). */
export type JObject = ReadonlyMap<string, JValue>;

/** A problem inside the preprocessor; turned into a `ConfigError` with its location at the top. */
export class JsonmError extends McProxyError {
  /** Where the error happened, outermost first (filled in as it propagates). */
  readonly frames: Frame[] = [];

  constructor(message: string) {
    super(message, 'MCR_ERR_JSONM');
  }
}

/** One step of an error's location. */
export type Frame =
  | { readonly kind: 'key'; readonly key: string | number }
  | { readonly kind: 'macro' | 'call' | 'const' | 'var'; readonly name: string }
  | { readonly kind: 'arg'; readonly index: number }
  | { readonly kind: 'item'; readonly key: string | number }
  | { readonly kind: 'import'; readonly file: string };

/** Throws a `JsonmError` with `message` (mcrouter's `throwLogic`). */
export function fail(message: string): never {
  throw new JsonmError(message);
}

/** Throws unless `ok`, like mcrouter's `checkLogic`. */
export function check(ok: boolean, message: string | (() => string)): asserts ok {
  if (!ok) fail(typeof message === 'string' ? message : message());
}

/** The int64 range. */
export const INT64_MIN = -(1n << 63n);
/** The int64 range. */
export const INT64_MAX = (1n << 63n) - 1n;

/** Wraps to int64, as C++ integer arithmetic on folly::dynamic ints does. */
export function int64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** An int (folly `isInt`). */
export function isInt(v: JValue): v is bigint {
  return typeof v === 'bigint';
}
/** A double (folly `isDouble`). */
export function isDouble(v: JValue): v is number {
  return typeof v === 'number';
}
/** An int or a double. */
export function isNumber(v: JValue): v is bigint | number {
  return typeof v === 'bigint' || typeof v === 'number';
}
/** A string. */
export function isString(v: JValue): v is string {
  return typeof v === 'string';
}
/** A boolean. */
export function isBool(v: JValue): v is boolean {
  return typeof v === 'boolean';
}
/** An array. */
export function isArray(v: JValue): v is JArray {
  return Array.isArray(v);
}
/** An object. */
export function isObject(v: JValue): v is JObject {
  return v instanceof Map;
}

/** folly::dynamic's type names, used in error messages. */
export function typeName(v: JValue): string {
  if (v === null) return 'null';
  if (isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'int64';
    case 'number':
      return 'double';
    default:
      return 'string';
  }
}

/** folly::dynamic type order, used when ordering values of different types. */
function typeRank(v: JValue): number {
  if (v === null) return 0;
  if (isArray(v)) return 1;
  if (isObject(v)) return 5;
  switch (typeof v) {
    case 'boolean':
      return 2;
    case 'number':
      return 3;
    case 'bigint':
      return 4;
    default:
      return 6;
  }
}

/** Byte length of a string in UTF-8 (folly strings are bytes). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Compares two strings byte-wise in UTF-8, like std::string's operator<. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Is the double `d` exactly the int64 `i`? */
function intEqualsDouble(i: bigint, d: number): boolean {
  return Number.isInteger(d) && Math.abs(d) <= 2 ** 63 && BigInt(d) === i;
}

/**
 * Deep equality as folly::dynamic's `operator==`: an int equals a double of the same value;
 * objects are equal when they have the same keys with equal values (order does not matter).
 */
export function equals(a: JValue, b: JValue): boolean {
  if (typeof a === 'bigint' && typeof b === 'number') return intEqualsDouble(a, b);
  if (typeof a === 'number' && typeof b === 'bigint') return intEqualsDouble(b, a);
  if (isArray(a)) return isArray(b) && a.length === b.length && a.every((v, i) => equals(v, b[i] ?? null));
  if (isObject(a)) {
    if (!isObject(b) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !equals(v, b.get(k) ?? null)) return false;
    }
    return true;
  }
  return a === b;
}

/**
 * Ordering as folly::dynamic's `operator<`: numbers numerically (ints and doubles together),
 * strings byte-wise, booleans false < true, arrays lexicographically; values of different
 * types by type (null < array < boolean < number < string). Objects cannot be ordered.
 * @returns negative, 0 or positive
 * @throws JsonmError for an object
 */
export function compare(a: JValue, b: JValue): number {
  check(!isObject(a) && !isObject(b), 'Can not compare objects');
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (isArray(a) && isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compare(a[i] ?? null, b[i] ?? null);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const DOUBLE_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * `asInt()`: ints as they are, doubles only when exactly integral, booleans 0/1, strings that
 * are decimal integers within int64.
 * @throws JsonmError otherwise
 */
export function asInt(v: JValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    check(
      Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63,
      `loss of precision converting ${v} to int64`,
    );
    return BigInt(v);
  }
  if (typeof v === 'string') {
    check(INT_TEXT.test(v), `invalid integer "${v}"`);
    const n = BigInt(v.trim());
    check(n >= INT64_MIN && n <= INT64_MAX, `integer "${v}" is out of the int64 range`);
    return n;
  }
  return fail(`TypeError: expected int/double/bool/string, got ${typeName(v)}`);
}

/**
 * `asDouble()`: doubles as they are, ints when exactly representable, booleans 0/1, strings
 * that are decimal numbers (or `inf`, `infinity`, `nan`).
 * @throws JsonmError otherwise
 */
export function asDouble(v: JValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    const d = Number(v);
    check(BigInt(d) === v, `loss of precision converting ${v} to double`);
    return d;
  }
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    const sign = t.startsWith('-') ? -1 : 1;
    const body = t.replace(/^[+-]/, '');
    if (body === 'inf' || body === 'infinity') return sign * Infinity;
    if (body === 'nan') return NaN;
    check(DOUBLE_TEXT.test(v), `invalid number "${v}"`);
    return Number(v.trim());
  }
  return fail(`TypeError: expected int/double/bool/string, got ${typeName(v)}`);
}

/** A double as folly prints it (`folly::to<std::string>(double)`: shortest, `1E21`). */
export function doubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  return String(d).replace(/e\+?/, 'E');
}

/**
 * `asString()`: strings as they are, ints in decimal, doubles shortest, booleans `1`/`0`.
 * @throws JsonmError for null, arrays and objects
 */
export function asString(v: JValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return doubleToString(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return fail(`TypeError: expected int/double/bool/string, got ${typeName(v)}`);
}

const TRUE_TEXT = new Set(['1', 'true', 'yes', 'on', 'y']);
const FALSE_TEXT = new Set(['0', 'false', 'no', 'off', 'n']);

/**
 * `asBool()`: booleans as they are, numbers != 0, strings `true/false`, `1/0`, `yes/no`,
 * `on/off`, `y/n` (any case).
 * @throws JsonmError otherwise
 */
export function asBool(v: JValue): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (TRUE_TEXT.has(t)) return true;
    if (FALSE_TEXT.has(t)) return false;
    return fail(`invalid boolean "${v}"`);
  }
  return fail(`TypeError: expected int/double/bool/string, got ${typeName(v)}`);
}

/**
 * A JSONM value as plain JSON data for the route builder: ints become numbers (exact up to
 * 2^53), objects plain objects (own data properties, whatever the key).
 */
export function toPlain(v: JValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (isArray(v)) return v.map(toPlain);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) {
      Object.defineProperty(out, k, {
        value: toPlain(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

/**
 * Plain JSON data as a JSONM value: integral numbers become ints, other numbers doubles.
 * @throws TypeError for anything JSON cannot hold
 */
export function fromPlain(v: unknown): JValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, fromPlain(x)]));
  throw new TypeError(`not JSON: ${typeof v}`);
}

/** JSON text of a value, ints exact (for `@fail` with a non-string and for error messages). */
export function toJsonText(v: JValue, indent = 0, depth = 0): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : doubleToString(v);
  if (!isArray(v) && !isObject(v)) return JSON.stringify(v);
  const nl = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const close = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
  const sep = indent > 0 ? ': ' : ':';
  const items = isArray(v)
    ? v.map((x) => nl + toJsonText(x, indent, depth + 1))
    : [...v].map(([k, x]) => nl + JSON.stringify(k) + sep + toJsonText(x, indent, depth + 1));
  const [open, end] = isArray(v) ? ['[', ']'] : ['{', '}'];
  return items.length === 0 ? open + end : open + items.join(',') + close + end;
}
