/**
 * mcrouter's built-in calls (`ConfigPreprocessor::BuiltIns::transform/process/foreach/noop`,
 * `mcrouter/lib/config/ConfigPreprocessor.cpp`): objects whose `type` names them. Unlike macros they receive their fields
 * unexpanded and evaluate some of them once per element, with the element's key and value as
 * extra locals (`%key%`, `%item%` by default).
 *
 * ```jsonc
 * {"type": "transform", "dictionary": obj|list, "itemTransform": ..., "keyTransform": ...,
 *  "keyName": "key", "itemName": "item"}
 * {"type": "process", "dictionary": obj|list, "initialValue": ..., "transform": ...,
 *  "keyName": "key", "itemName": "item", "valueName": "value"}
 * {"type": "foreach", "from": obj|list, "where": bool expr, "use": obj|list expr, "top": n,
 *  "key": "key", "item": "item", "noMatchResult": ...}
 * ```
 *
 * `macroDef` and `constDef` objects are left as they are (they are read from `macros`).
 */
import { withFrame } from './macros.js';
import type { Preprocessor } from './preprocessor.js';
import { Scope } from './scope.js';
import {
  check,
  isArray,
  isBool,
  isInt,
  isObject,
  isString,
  typeName,
  type JObject,
  type JValue,
} from './value.js';

/** Registers the built-in calls on `prep`. */
export function registerCalls(prep: Preprocessor): void {
  const noop = (obj: JObject): JValue => obj;
  prep.addCall('macroDef', noop);
  prep.addCall('constDef', noop);
  prep.addCall('transform', (obj, scope) => transform(prep, obj, scope));
  prep.addCall('process', (obj, scope) => processCall(prep, obj, scope));
  prep.addCall('foreach', (obj, scope) => foreach(prep, obj, scope));
}

/** `obj[key]`, which must be present. */
function required(obj: JObject, key: string, call: string): JValue {
  const v = obj.get(key);
  check(v !== undefined, () => `${call}: '${key}' not found`);
  return v;
}

/** A name field (`itemName`, ...), a string, default `dflt`. Not expanded. */
function nameField(obj: JObject, key: string, dflt: string, call: string): string {
  const v = obj.get(key);
  if (v === undefined) return dflt;
  check(isString(v), () => `${call}: ${key} is ${typeName(v)}, string expected`);
  return v;
}

/** Expands field `key` of `obj` (with a location frame). */
function expandField(prep: Preprocessor, obj: JObject, key: string, scope: Scope, call: string): JValue {
  const v = required(obj, key, call);
  return withFrame({ kind: 'key', key }, () => prep.expand(v, scope));
}

/** Expands `expr` (field `field`) for the element `item` of the dictionary. */
function perItem(
  prep: Preprocessor,
  expr: JValue,
  field: string,
  item: string | number,
  scope: Scope,
): JValue {
  return withFrame({ kind: 'key', key: field }, () =>
    withFrame({ kind: 'item', key: item }, () => prep.expand(expr, scope)),
  );
}

/** Entries of an object or array: [key, value], array keys as ints. */
function entries(dict: JValue): [string | number, JValue][] {
  if (isArray(dict)) return dict.map((v, i) => [i, v]);
  return [...(dict as JObject)];
}

function keyValue(key: string | number): JValue {
  return typeof key === 'number' ? BigInt(key) : key;
}

function transform(prep: Preprocessor, obj: JObject, scope: Scope): JValue {
  const dict = expandField(prep, obj, 'dictionary', scope, 'Transform');
  check(isObject(dict) || isArray(dict), 'Transform: dictionary is not array/object');
  if ((isArray(dict) ? dict.length : dict.size) === 0) return dict;
  const itemTransform = obj.get('itemTransform');
  const itemName = nameField(obj, 'itemName', 'item', 'Transform');
  const keyName = nameField(obj, 'keyName', 'key', 'Transform');
  const ext = Scope.extend(scope);
  ext.addExpanded(keyName, null);
  ext.addExpanded(itemName, null);
  if (isArray(dict)) {
    check(itemTransform !== undefined, 'Transform: itemTransform is required for array');
    return dict.map((item, i) => {
      ext.set(keyName, BigInt(i));
      ext.set(itemName, item);
      return perItem(prep, itemTransform, 'itemTransform', i, ext);
    });
  }
  const keyTransform = obj.get('keyTransform');
  const out = new Map<string, JValue>();
  for (const [key, item] of dict) {
    ext.set(keyName, key);
    ext.set(itemName, item);
    const newKey = keyTransform === undefined ? key : perItem(prep, keyTransform, 'keyTransform', key, ext);
    check(isArray(newKey) || isString(newKey), 'Transformed key is not array/string');
    if (isArray(newKey) && newKey.length === 0) continue;
    const newItem =
      itemTransform === undefined ? item : perItem(prep, itemTransform, 'itemTransform', key, ext);
    if (isString(newKey)) {
      out.set(newKey, newItem);
    } else {
      for (const k of newKey) {
        check(isString(k), 'Transformed key list item is not a string');
        out.set(k, newItem);
      }
    }
  }
  return out;
}

function processCall(prep: Preprocessor, obj: JObject, scope: Scope): JValue {
  const dict = expandField(prep, obj, 'dictionary', scope, 'Process');
  let value = expandField(prep, obj, 'initialValue', scope, 'Process');
  const step = required(obj, 'transform', 'Process');
  check(isObject(dict) || isArray(dict), 'Process: dictionary is not array/object');
  const itemName = nameField(obj, 'itemName', 'item', 'Process');
  const keyName = nameField(obj, 'keyName', 'key', 'Process');
  const valueName = nameField(obj, 'valueName', 'value', 'Process');
  const ext = Scope.extend(scope);
  ext.addExpanded(keyName, null);
  ext.addExpanded(itemName, null);
  ext.addExpanded(valueName, null);
  for (const [key, item] of entries(dict)) {
    ext.set(keyName, keyValue(key));
    ext.set(itemName, item);
    ext.set(valueName, value);
    value = perItem(prep, step, 'transform', key, ext);
  }
  return value;
}

function foreach(prep: Preprocessor, obj: JObject, scope: Scope): JValue {
  const from = expandField(prep, obj, 'from', scope, 'Foreach');
  check(isObject(from) || isArray(from), 'Foreach: from is not object/array');
  const itemName = nameField(obj, 'item', 'item', 'Foreach');
  const keyName = nameField(obj, 'key', 'key', 'Foreach');
  let top = BigInt(isArray(from) ? from.length : from.size);
  const topField = obj.get('top');
  if (topField !== undefined) {
    const t = withFrame({ kind: 'key', key: 'top' }, () => prep.expand(topField, scope));
    check(isInt(t) && t >= 0n, 'Foreach: top should be a non-negative integer');
    top = t;
  }
  const use = obj.get('use');
  const where = obj.get('where');
  const ext = Scope.extend(scope);
  ext.addExpanded(keyName, null);
  ext.addExpanded(itemName, null);

  // null until the first match; then an array or object the matches are merged into.
  let result: JValue[] | Map<string, JValue> | null = null;
  for (const [key, item] of entries(from)) {
    if (top === 0n) break;
    ext.set(keyName, keyValue(key));
    ext.set(itemName, item);
    if (where !== undefined) {
      const w = perItem(prep, where, 'where', key, ext);
      check(isBool(w), "Foreach: expanded 'where' is not boolean");
      if (!w) continue;
    }
    top--;
    if (use === undefined) {
      if (typeof key === 'number') {
        result ??= [];
        (result as JValue[]).push(item);
      } else {
        result ??= new Map<string, JValue>();
        (result as Map<string, JValue>).set(key, item);
      }
      continue;
    }
    const u = perItem(prep, use, 'use', key, ext);
    if (result === null) {
      check(isObject(u) || isArray(u), 'Foreach: expanded item is not object/array');
      result = isArray(u) ? [...u] : new Map(u);
    } else if (result instanceof Map) {
      check(isObject(u), 'Foreach: expanded item is not an object');
      for (const [k, v] of u) result.set(k, v);
    } else {
      check(isArray(u), 'Foreach: expanded item is not an array');
      result.push(...u);
    }
  }
  if (result !== null) return result;
  const noMatch = obj.get('noMatchResult');
  if (noMatch !== undefined)
    return withFrame({ kind: 'key', key: 'noMatchResult' }, () => prep.expand(noMatch, scope));
  return isArray(from) ? [] : new Map();
}
