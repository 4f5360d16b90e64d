/**
 * mcrouter's built-in JSONM macros (`ConfigPreprocessor::BuiltIns`, `mcrouter/lib/config/ConfigPreprocessor.cpp`), callable as
 * `@name(args)` or `{"type": "name", <param>: value}`. Parameter names (for the object form):
 *
 * | macro | params | result |
 * |---|---|---|
 * | `hash` | value | int64 hash of an int (twang_mix64) or string (SpookyHash V2 64-bit) |
 * | `weightedHash` | dictionary, key | the dictionary key chosen by weighted rendezvous hashing |
 * | `int`, `double`, `str`, `bool` | value | the value converted |
 * | `keys`, `values` | dictionary | an object's keys / values |
 * | `merge` | params | arrays concatenated, objects merged (later wins) or strings joined |
 * | `select` | dictionary, key, default? | `dictionary[key]` (negative array index from the end) |
 * | `shuffle` | dictionary, seed? | the array shuffled |
 * | `slice` | dictionary, from, to | elements/characters/keys from..to, inclusive |
 * | `split` | dictionary, delim | a string split at every `delim` |
 * | `range` | from, to | [from, from+1, ..., to] |
 * | `contains` | dictionary, key | key in object, element in array, substring in string |
 * | `empty`, `size` | dictionary | of an object, array or string |
 * | `equals`, `less` | A, B | deep equality / ordering |
 * | `isArray` `isBool` `isInt` `isDouble` `isObject` `isString` | value | type tests |
 * | `bitwiseAnd` `bitwiseOr` `bitwiseXor` `bitwiseLeftShift` `bitwiseRightShift` | A, B | int64 |
 * | `bitwiseNot` `not` | A | |
 * | `and`, `or` | A, B | booleans, B evaluated only when needed |
 * | `add` `sub` `mul` `div` `mod` | A, B | int64 arithmetic (div/mod truncate, as C++) |
 * | `fail` | msg | stops with the message |
 * | `sort` | dictionary | an array sorted |
 * | `set` | dictionary, key, value | a copy with `dictionary[key] = value` |
 * | `if` | condition, is_true, is_false | only the chosen branch is evaluated |
 * | `define` | result | `result` (with `vars`) |
 * | `defined` | name | is `name` a local, param or const? |
 * | `isLocalIp` | ip | is `ip` an address of this host? |
 *
 * `import` lives in `import.ts`; the object-only calls (`transform`, `process`, `foreach`) in
 * `calls.ts`.
 */
import { spookyHash64, twangMix64 } from './hash64.js';
import { isLocalIp } from './host-address.js';
import { Macro, type MacroFn } from './macros.js';
import type { Preprocessor } from './preprocessor.js';
import { RendezvousHash } from './rendezvous.js';
import type { Scope } from './scope.js';
import { shuffled } from './shuffle.js';
import {
  asBool,
  asDouble,
  asInt,
  asString,
  byteLength,
  check,
  compare,
  compareStrings,
  equals,
  fail,
  int64,
  isArray,
  isBool,
  isDouble,
  isInt,
  isNumber,
  isObject,
  isString,
  toJsonText,
  typeName,
  type JValue,
} from './value.js';

const OPTIONAL = (name: string): JValue =>
  new Map<string, JValue>([
    ['name', name],
    ['optional', true],
  ]);

/** Registers every built-in macro on `prep`. */
export function registerBuiltins(prep: Preprocessor): void {
  const def = (name: string, params: JValue[], fn: MacroFn, autoExpand = true): void => {
    prep.addMacro(new Macro(prep, name, params, fn, autoExpand));
  };

  def('hash', ['value'], (a) => hashValue(a.at('value')));
  def('weightedHash', ['dictionary', 'key'], (a) => weightedHash(a.at('dictionary'), a.at('key')));

  const cast = (name: string, to: string, conv: (v: JValue) => JValue): void => {
    def(name, ['value'], (a) => {
      const v = a.at('value');
      try {
        return conv(v);
      } catch (err) {
        return fail(`Can not cast ${typeName(v)} to ${to}:\n${(err as Error).message}`);
      }
    });
  };
  cast('int', 'int', asInt);
  cast('double', 'double', asDouble);
  cast('str', 'string', asString);
  cast('bool', 'boolean', asBool);

  def('keys', ['dictionary'], (a) => {
    const d = a.at('dictionary');
    check(isObject(d), 'Keys: dictionary is not object');
    return [...d.keys()];
  });
  def('values', ['dictionary'], (a) => {
    const d = a.at('dictionary');
    check(isObject(d), 'Values: dictionary is not object');
    return [...d.values()];
  });
  def('merge', ['params'], (a) => merge(a.at('params')));
  def('select', ['dictionary', 'key', OPTIONAL('default')], select, false);
  def('shuffle', ['dictionary', OPTIONAL('seed')], shuffle, false);
  def('slice', ['dictionary', 'from', 'to'], (a) => slice(a.at('dictionary'), a.at('from'), a.at('to')));
  def('split', ['dictionary', 'delim'], (a) => {
    const dict = a.at('dictionary');
    const delim = a.at('delim');
    check(isString(dict), () => `Split: dictionary is ${typeName(dict)}, string expected`);
    check(isString(delim), () => `Split: delim is ${typeName(delim)}, string expected`);
    // folly::split: an empty (or longer) delimiter leaves the string whole.
    return delim === '' ? [dict] : dict.split(delim);
  });
  def('range', ['from', 'to'], (a) => {
    const from = a.at('from');
    const to = a.at('to');
    check(isInt(from), 'Range: from is not an integer');
    check(isInt(to), 'Range: to is not an integer');
    const out: JValue[] = [];
    for (let i = from; i <= to; i++) out.push(i);
    return out;
  });
  def('contains', ['dictionary', 'key'], (a) => contains(a.at('dictionary'), a.at('key')));
  def('empty', ['dictionary'], (a) => sizeOf(a.at('dictionary'), 'empty') === 0);
  def('size', ['dictionary'], (a) => BigInt(sizeOf(a.at('dictionary'), 'size')));
  def('equals', ['A', 'B'], (a) => equals(a.at('A'), a.at('B')));
  def('isArray', ['value'], (a) => isArray(a.at('value')));
  def('isBool', ['value'], (a) => isBool(a.at('value')));
  def('isInt', ['value'], (a) => isInt(a.at('value')));
  def('isDouble', ['value'], (a) => isDouble(a.at('value')));
  def('isObject', ['value'], (a) => isObject(a.at('value')));
  def('isString', ['value'], (a) => isString(a.at('value')));
  def('less', ['A', 'B'], (a) => compare(a.at('A'), a.at('B')) < 0);

  const intOp = (name: string, fn: (x: bigint, y: bigint) => bigint): void => {
    def(name, ['A', 'B'], (a) => {
      const x = a.at('A');
      const y = a.at('B');
      check(isInt(x), `${name}: A is not an integer`);
      check(isInt(y), `${name}: B is not an integer`);
      return int64(fn(x, y));
    });
  };
  const shift = (y: bigint, name: string): bigint => {
    check(y >= 0n && y < 64n, `${name}: B must be in [0, 63]`);
    return y;
  };
  const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);
  intOp('bitwiseAnd', (x, y) => x & y);
  intOp('bitwiseOr', (x, y) => x | y);
  intOp('bitwiseXor', (x, y) => x ^ y);
  intOp('bitwiseLeftShift', (x, y) => U64(x) << shift(y, 'bitwiseLeftShift'));
  intOp('bitwiseRightShift', (x, y) => U64(x) >> shift(y, 'bitwiseRightShift'));
  def('bitwiseNot', ['A'], (a) => {
    const x = a.at('A');
    check(isInt(x), 'bitwiseNot: A is not an integer');
    return ~x;
  });
  def(
    'and',
    ['A', 'B'],
    (a) => {
      const x = a.expandRaw('A');
      check(isBool(x), () => `and: A is ${typeName(x)}, expected bool`);
      if (!x) return false;
      const y = a.expandRaw('B');
      check(isBool(y), () => `and: B is ${typeName(y)}, expected bool`);
      return y;
    },
    false,
  );
  def(
    'or',
    ['A', 'B'],
    (a) => {
      const x = a.expandRaw('A');
      check(isBool(x), () => `or: A is ${typeName(x)}, expected bool`);
      if (x) return true;
      const y = a.expandRaw('B');
      check(isBool(y), () => `or: B is ${typeName(y)}, expected bool`);
      return y;
    },
    false,
  );
  def('not', ['A'], (a) => {
    const x = a.at('A');
    check(isBool(x), 'not: A is not bool');
    return !x;
  });
  intOp('add', (x, y) => x + y);
  intOp('sub', (x, y) => x - y);
  intOp('mul', (x, y) => x * y);
  intOp('div', (x, y) => {
    check(y !== 0n, 'div: B == 0');
    return x / y;
  });
  intOp('mod', (x, y) => {
    check(y !== 0n, 'mod: B == 0');
    return x % y;
  });
  def('fail', ['msg'], (a) => {
    const msg = a.at('msg');
    return fail(isString(msg) ? msg : toJsonText(msg, 2));
  });
  def('sort', ['dictionary'], (a) => {
    const d = a.at('dictionary');
    check(isArray(d), 'sort: dictionary is not an array');
    return [...d].sort(compare);
  });
  def('set', ['dictionary', 'key', 'value'], (a) => set(a.at('dictionary'), a.at('key'), a.at('value')));
  def(
    'if',
    ['condition', 'is_true', 'is_false'],
    (a) => {
      const cond = a.expandRaw('condition');
      check(isBool(cond), 'If: condition is not bool');
      return a.expandRaw(cond ? 'is_true' : 'is_false');
    },
    false,
  );
  def('define', ['result'], (a) => a.at('result'));
  def('defined', ['name'], (a) => {
    const name = a.at('name');
    check(isString(name), () => `Defined: name is ${typeName(name)}, string expected`);
    return (a.outer?.contains(name) ?? false) || prep.hasConst(name);
  });
  def('isLocalIp', ['ip'], (a) => {
    const ip = a.at('ip');
    check(isString(ip), () => `isLocalIp: ip is ${typeName(ip)}, string expected`);
    return isLocalIp(ip);
  });
}

/** `@hash`: ints through folly's `hasher<int64_t>`, strings through `hasher<StringPiece>`. */
function hashValue(v: JValue): bigint {
  if (isInt(v)) return int64(twangMix64(BigInt.asUintN(64, v)));
  if (isString(v)) return int64(spookyHash64(Buffer.from(v, 'utf8')));
  return fail(`Hash: can not cast ${typeName(v)} to int or string`);
}

function weightedHash(dict: JValue, key: JValue): string {
  check(isObject(dict), () => `WeightedHash: dictionary is ${typeName(dict)}, expected object`);
  const nodes: [string, number][] = [];
  for (const [name, w] of dict) {
    check(isNumber(w), () => `WeightedHash: ${name} weight is ${typeName(w)}, expected number`);
    const weight = asDouble(w);
    check(-0.01 <= weight, () => `WeightedHash: ${name} weight ${weight} is negative`);
    nodes.push([name, Math.max(weight, 0)]);
  }
  check(nodes.length > 0, 'WeightedHash: dictionary is empty');
  let keyHash: bigint;
  if (isInt(key)) keyHash = BigInt.asUintN(64, key);
  else if (isString(key)) keyHash = spookyHash64(Buffer.from(key, 'utf8'));
  else return fail(`WeightedHash: key is ${typeName(key)}, expected string or int`);
  try {
    return (nodes[new RendezvousHash(nodes).get(keyHash)] as [string, number])[0];
  } catch (err) {
    return fail(`WeightedHash: failed to compute hash: ${(err as Error).message}`);
  }
}

function merge(params: JValue): JValue {
  check(isArray(params), "Merge: 'params' is not array");
  check(params.length > 0, 'Merge: empty params');
  const first = params[0] as JValue;
  if (isArray(first)) {
    const out = [...first];
    params.slice(1).forEach((p, i) => {
      check(isArray(p), `Merge: param ${i + 1} is not an array`);
      out.push(...p);
    });
    return out;
  }
  if (isObject(first)) {
    const out = new Map(first);
    params.slice(1).forEach((p, i) => {
      check(isObject(p), `Merge: param ${i + 1} is not an object`);
      for (const [k, v] of p) out.set(k, v);
    });
    return out;
  }
  check(isString(first), 'Merge: first param is not array/object/string');
  let out = first;
  params.slice(1).forEach((p, i) => {
    check(isString(p), `Merge: param ${i + 1} is not a string`);
    out += p;
  });
  return out;
}

function select(a: Scope): JValue {
  const dict = a.expandRaw('dictionary');
  const key = a.expandRaw('key');
  check(
    isObject(dict) || isArray(dict),
    () => `Select: dictionary is ${typeName(dict)}, expected array/object`,
  );
  if (isObject(dict)) {
    check(isString(key), 'Select: dictionary is an object, key is not a string');
    const v = dict.get(key);
    if (v !== undefined) return v;
    const dflt = a.tryExpandRaw('default');
    if (dflt !== undefined) return dflt;
    return fail(`Select: '${key}' not found, default not specified`);
  }
  check(isInt(key), 'Select: dictionary is an array, key is not an integer');
  let id = key;
  if (id < 0n) id += BigInt(dict.length);
  if (id >= 0n && id < BigInt(dict.length)) return dict[Number(id)] as JValue;
  const dflt = a.tryExpandRaw('default');
  if (dflt !== undefined) return dflt;
  return fail(`Select: index ${id} is out of range [0, ${dict.length})`);
}

function shuffle(a: Scope): JValue {
  const arr = a.expandRaw('dictionary');
  check(isArray(arr), 'Shuffle: argument must be an array');
  const seed = a.tryExpandRaw('seed');
  if (seed === undefined) return shuffled(arr, undefined);
  check(isInt(seed) && seed >= 0n, 'Shuffle: seed must be a non-negative integer');
  return shuffled(arr, Number(BigInt.asUintN(32, seed)));
}

function slice(dict: JValue, from: JValue, to: JValue): JValue {
  check(isObject(dict) || isArray(dict) || isString(dict), 'Slice: dictionary is not array/object/string');
  if (isObject(dict)) {
    check(isString(from), 'Slice: from is not a string');
    check(isString(to), 'Slice: to is not a string');
    return new Map([...dict].filter(([k]) => compareStrings(from, k) <= 0 && compareStrings(k, to) <= 0));
  }
  check(isInt(from) && isInt(to), 'Slice: from/to is not an int');
  const length = isArray(dict) ? dict.length : byteLength(dict);
  const start = Number(from < 0n ? 0n : from > BigInt(length) ? BigInt(length) : from);
  const endRaw = to + 1n;
  const end = Number(endRaw > BigInt(length) ? BigInt(length) : endRaw < 0n ? 0n : endRaw);
  if (isArray(dict)) return start < end ? dict.slice(start, end) : [];
  return start < end ? Buffer.from(dict, 'utf8').subarray(start, end).toString('utf8') : '';
}

function contains(dict: JValue, key: JValue): boolean {
  if (isObject(dict)) {
    check(isString(key), 'Contains: dictionary is an object, key is not a string');
    return dict.has(key);
  }
  if (isArray(dict)) return dict.some((v) => equals(v, key));
  if (isString(dict)) {
    check(isString(key), 'Contains: dictionary is a string, key is not a string');
    return dict.includes(key);
  }
  return fail(`Contains: dictionary is ${typeName(dict)}, expected object/array/string`);
}

function sizeOf(dict: JValue, macro: string): number {
  if (isObject(dict)) return dict.size;
  if (isArray(dict)) return dict.length;
  if (isString(dict)) return byteLength(dict);
  return fail(`${macro}: dictionary is not object/array/string`);
}

function set(dict: JValue, key: JValue, value: JValue): JValue {
  check(isObject(dict) || isArray(dict), 'Set: dictionary is not array/object');
  if (isObject(dict)) {
    check(isString(key), 'Set: key is not a string');
    return new Map(dict).set(key, value);
  }
  check(isInt(key), 'Set: key is not an int');
  check(
    key >= 0n && key < BigInt(dict.length),
    () => `Set: key '${key}' is out of range [0..${dict.length})`,
  );
  const out = [...dict];
  out[Number(key)] = value;
  return out;
}
