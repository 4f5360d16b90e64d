/**
 * mcrouter's JSONM config preprocessor (`mcrouter/lib/config/ConfigPreprocessor.{h,cpp}`,
 * `mcrouter/lib/config/ConfigPreprocessor.cpp`): expands macros, built-in calls, `@import`s and `%params%` in a parsed config,
 * producing plain JSON for the route builder.
 *
 * Expansion rules, as mcrouter's `expandMacros`:
 * - a string starting with `@` is a macro call (`@name` or `@name(args)`); any other string has
 *   its `%name%` params substituted (a string that is exactly one `%name%` becomes that value,
 *   of any type; params inside longer text must be strings) and its `\` escapes removed;
 * - an object with `vars` gets those names (expanded lazily, in the object's scope), then, if
 *   its `type` expands to a built-in call (`transform`, `process`, `foreach`, `macroDef`,
 *   `constDef`) or a macro name, it is that call; otherwise its keys and values are expanded;
 * - arrays are expanded element by element; numbers, booleans and null stay as they are.
 * - nesting (calls within calls, values within values) is limited to 250 levels, which catches
 *   cycles (a macro or import that reaches itself).
 *
 * Macros only transform data: no expansion runs code, and the only files read are those named
 * by `@import`.
 */
import { Const, Macro, readMacroDefs, withFrame, type DefinitionSink, type MacroHost } from './macros.js';
import { Scope } from './scope.js';
import { splitCallArgs, findUnescaped, unescapeUntil } from './syntax.js';
import { check, isObject, isArray, isString, typeName, type JObject, type JValue } from './value.js';

/** A built-in call: gets the call object (without `vars`) and the scope. */
export type BuiltInCall = (obj: JObject, scope: Scope) => JValue;

/** mcrouter's default nesting limit (`getConfigWithoutMacros(..., nestedLimit = 250)`). */
export const DEFAULT_NESTED_LIMIT = 250;

/** See the file comment. */
export class Preprocessor implements MacroHost, DefinitionSink {
  private readonly macros = new Map<string, Macro>();
  private readonly consts = new Map<string, Const>();
  private readonly calls = new Map<string, BuiltInCall>();
  private remainingDepth: number;

  /**
   * @param globals global params (`%default-route%`, `--config-params`, ...), visible
   *        everywhere; a `constDef` of the same name replaces one
   * @param nestedLimit the nesting limit (calls and values)
   */
  constructor(globals: ReadonlyMap<string, JValue>, nestedLimit = DEFAULT_NESTED_LIMIT) {
    this.remainingDepth = nestedLimit;
    for (const [name, value] of globals) this.addConst(name, value);
  }

  /** Registers (or replaces) a macro. */
  addMacro(macro: Macro): void {
    this.macros.set(macro.name, macro);
  }

  /** Registers (or replaces) a const. */
  addConst(name: string, value: JValue): void {
    this.consts.set(name, new Const(this, name, value));
  }

  /** Registers a built-in call (an object whose `type` is `name`). */
  addCall(name: string, call: BuiltInCall): void {
    this.calls.set(name, call);
  }

  /** Is `name` a const or global param? (For `@defined`.) */
  hasConst(name: string): boolean {
    return this.consts.has(name);
  }

  /** Reads the config's `macros` section (after expanding it). */
  defineMacros(macros: JValue): void {
    const expanded = this.expand(macros, Scope.root(this));
    readMacroDefs(this, this, expanded);
  }

  /** Runs `fn` one nesting level deeper. @throws JsonmError past the limit */
  private nested<T>(fn: () => T): T {
    this.remainingDepth--;
    try {
      check(this.remainingDepth > 0, 'Too many nested macros. Check for cycles.');
      return fn();
    } finally {
      this.remainingDepth++;
    }
  }

  /**
   * Expands `value` in `scope` (see the file comment).
   * @throws JsonmError whose frames locate the problem
   */
  expand(value: JValue, scope: Scope): JValue {
    return this.nested(() => {
      if (isString(value)) return this.expandString(value, scope);
      if (isArray(value)) {
        return value.map((v, i) => withFrame({ kind: 'key', key: i }, () => this.expand(v, scope)));
      }
      if (isObject(value)) return this.expandObject(value, scope);
      return value;
    });
  }

  private expandObject(obj: JObject, outer: Scope): JValue {
    let scope = outer;
    let json = obj;
    const vars = obj.get('vars');
    if (vars !== undefined) {
      withFrame({ kind: 'key', key: 'vars' }, () => {
        check(isObject(vars), () => `vars is ${typeName(vars)}, expected object`);
      });
      const varsObj = vars as JObject;
      scope = Scope.extend(outer);
      for (const [name, v] of varsObj) scope.addLazy(name, v);
      for (const name of varsObj.keys()) scope.expandVar(name);
      json = new Map([...obj].filter(([k]) => k !== 'vars'));
    }
    const typeValue = json.get('type');
    if (typeValue !== undefined) {
      const type = withFrame({ kind: 'key', key: 'type' }, () => this.expand(typeValue, scope));
      if (isString(type)) {
        const call = this.calls.get(type);
        if (call !== undefined) return withFrame({ kind: 'call', name: type }, () => call(json, scope));
        const macro = this.macros.get(type);
        if (macro !== undefined) {
          return withFrame({ kind: 'macro', name: type }, () => macro.callWithObject(json, scope));
        }
      }
    }
    const out = new Map<string, JValue>();
    for (const [key, v] of json) {
      withFrame({ kind: 'key', key }, () => {
        const newKey = this.expand(key, scope);
        check(isString(newKey), () => `Expanded key is ${typeName(newKey)}, expected string`);
        out.set(newKey, this.expand(v, scope));
      });
    }
    return out;
  }

  /** Expands one string: a macro call if it starts with `@`, else params and escapes. */
  expandString(s: string, scope: Scope): JValue {
    return this.nested(() => {
      if (s === '') return '';
      if (!s.startsWith('@')) return this.replaceParams(s, scope);
      let nameText: string;
      let args: string[] = [];
      const open = findUnescaped(s, '(');
      if (open !== -1) {
        check(s.endsWith(')'), () => `No closing bracket for call '${s}'`);
        nameText = s.slice(1, open);
        args = splitCallArgs(s.slice(open + 1, s.length - 1));
      } else {
        nameText = s.slice(1);
      }
      const name = this.replaceParams(nameText, scope);
      check(isString(name), () => `Macro name is ${typeName(name)}, string expected`);
      const macro = this.macros.get(name);
      check(macro !== undefined, () => `Macro: '${name}' not found`);
      return withFrame({ kind: 'macro', name }, () => macro.callWithStrings(args, scope));
    });
  }

  /**
   * Substitutes `%name%` params (locals first, then consts and globals) and removes `\`
   * escapes. A string that is exactly one param becomes the param's value, whatever its type.
   * @throws JsonmError for an unknown param, a non-string param inside text, or an odd `%`
   */
  private replaceParams(s: string, scope: Scope): JValue {
    if (!s.includes('%') && !s.includes('\\')) return s;
    let buf = '';
    let pos = 0;
    while (pos < s.length) {
      const text = unescapeUntil(s, pos, '%');
      buf += text.text;
      if (text.index === -1) break;
      const nameStart = text.index + 1;
      const name = unescapeUntil(s, nameStart, '%');
      check(name.index !== -1, () => `Odd number of percent signs in string around '${s.slice(nameStart)}'`);
      const value = this.lookup(name.text, scope);
      if (buf === '' && name.index === s.length - 1) return value;
      check(isString(value), () => `Param in string '${name.text}' is ${typeName(value)}, expected string`);
      buf += value;
      pos = name.index + 1;
    }
    return buf;
  }

  private lookup(name: string, scope: Scope): JValue {
    const local = scope.find(name);
    if (local !== undefined) return local;
    const c = this.consts.get(name);
    check(c !== undefined, () => `Param in string: '${name}' not found`);
    return c.get();
  }
}
