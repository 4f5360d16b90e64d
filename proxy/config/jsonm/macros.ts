/**
 * Macros and consts (mcrouter's `ConfigPreprocessor::Macro` and `::Const`, `mcrouter/lib/config/ConfigPreprocessor.cpp`), and the
 * reading of the config's `macros` section:
 *
 * ```jsonc
 * "macros": {
 *   "shard": {
 *     "type": "macroDef",
 *     "params": ["name", { "name": "port", "default": "11211" }, { "name": "tag", "optional": true }],
 *     "result": "%name%:%port%"
 *   },
 *   "region": { "type": "constDef", "result": "us-east-1" }
 * }
 * ```
 *
 * `macros` may also be an array of such objects (or of nested arrays); it is expanded before it
 * is read, so it can be built with `@import`, `merge`, etc. A later definition replaces an
 * earlier one of the same name, and may replace a built-in macro or a global param.
 *
 * A macro is called as `@shard(a,b)` in a string (arguments are strings, expanded before the
 * call unless the macro takes them raw) or as an object `{"type": "shard", "name": ..., ...}`
 * (arguments by name, any JSON). Parameters after one with a default or `optional` must have
 * one too. A default is used as written (not expanded); an optional parameter without a
 * default is simply undefined in the body.
 */
import { Scope, type Expander } from './scope.js';
import {
  check,
  fail,
  isArray,
  isObject,
  isString,
  JsonmError,
  typeName,
  type JObject,
  type JValue,
} from './value.js';

/** What macros and consts need from the preprocessor. */
export interface MacroHost extends Expander {
  /** Expands one string (a call `@...` or text with `%params%`). */
  expandString(s: string, scope: Scope): JValue;
}

interface Param {
  readonly name: string;
  /** The default value, if any (a JSON null default counts as none, as in mcrouter). */
  readonly defaultValue: JValue | undefined;
  readonly required: boolean;
}

/** A macro body: gets a scope holding the arguments. */
export type MacroFn = (args: Scope) => JValue;

/** A built-in or `macroDef` macro. */
export class Macro {
  private readonly params: Param[] = [];
  private readonly minArgs: number;

  /**
   * @param params parameter specs: a name, or `{"name", "default"?, "optional"?}`
   * @param autoExpand false for macros that expand their arguments themselves (if, and, or,
   *        select, import, shuffle): arguments reach them raw
   * @throws JsonmError for a malformed parameter list
   */
  constructor(
    private readonly host: MacroHost,
    readonly name: string,
    params: readonly JValue[],
    private readonly fn: MacroFn,
    private readonly autoExpand = true,
  ) {
    let needOptional = false;
    let min = params.length;
    for (const p of params) {
      let hasOptional = false;
      if (isString(p)) {
        this.params.push({ name: p, defaultValue: undefined, required: true });
      } else if (isObject(p)) {
        const pname = p.get('name');
        check(pname !== undefined, "Macro param object: 'name' not found");
        check(isString(pname), () => `Macro param object name is ${typeName(pname)}, string expected`);
        const optional = p.get('optional');
        check(
          optional === undefined || typeof optional === 'boolean',
          () =>
            `Incorrect definition for parameter '${pname}' in macro '${name}'. Expected optional ` +
            `parameter 'optional' to be boolean, but got ${typeName(optional ?? null)}!`,
        );
        const dflt = p.get('default');
        if (dflt !== undefined) {
          check(
            optional !== false,
            () =>
              `Conflicting options provided for parameter '${pname}' in macro '${name}'. Default ` +
              'was set, but the parameter is also explicitly marked as not optional.',
          );
          hasOptional = true;
          min--;
          this.params.push({ name: pname, defaultValue: dflt ?? undefined, required: false });
        } else if (optional === true) {
          hasOptional = true;
          min--;
          this.params.push({ name: pname, defaultValue: undefined, required: false });
        } else {
          this.params.push({ name: pname, defaultValue: undefined, required: true });
        }
      } else {
        fail(`Macro param is ${typeName(p)}, expected string/object`);
      }
      check(
        hasOptional || !needOptional,
        () =>
          `Incorrect defaults/optionals in macro ${name}. All params after optional/default one ` +
          'should also be optional or have default value',
      );
      needOptional ||= hasOptional;
    }
    this.minArgs = min;
  }

  /**
   * Calls the macro from a string, `@name(args...)`.
   * @param args the argument strings, trimmed, not expanded
   * @param caller the scope of the call
   */
  callWithStrings(args: readonly string[], caller: Scope): JValue {
    check(
      args.length >= this.minArgs,
      () => `Too few arguments for macro ${this.name}. Expected at least ${this.minArgs} got ${args.length}`,
    );
    check(
      args.length <= this.params.length,
      () =>
        `Too many arguments for macro ${this.name}. Expected at most ${this.params.length} got ${args.length}`,
    );
    const scope = Scope.extend(caller, true);
    args.forEach((arg, i) => {
      const param = this.params[i] as Param;
      if (!this.autoExpand) {
        scope.addRaw(param.name, arg);
        return;
      }
      let value: JValue;
      try {
        value = this.host.expandString(arg, caller);
      } catch (err) {
        if (err instanceof JsonmError) err.frames.unshift({ kind: 'arg', index: i });
        throw err;
      }
      scope.addExpanded(param.name, value);
    });
    for (const param of this.params.slice(args.length)) {
      if (param.defaultValue !== undefined) scope.addExpanded(param.name, param.defaultValue);
    }
    return this.fn(scope);
  }

  /**
   * Calls the macro from an object, `{"type": name, param: value, ...}`.
   * @throws JsonmError for a missing required parameter
   */
  callWithObject(obj: JObject, caller: Scope): JValue {
    const scope = Scope.extend(caller, true);
    for (const param of this.params) {
      const value = obj.get(param.name);
      if (value === undefined) {
        check(!param.required, () => `Macro call ${this.name}: '${param.name}' parameter not found`);
        if (param.defaultValue !== undefined) scope.addExpanded(param.name, param.defaultValue);
      } else if (this.autoExpand) {
        let expanded: JValue;
        try {
          expanded = this.host.expand(value, caller);
        } catch (err) {
          if (err instanceof JsonmError) err.frames.unshift({ kind: 'key', key: param.name });
          throw err;
        }
        scope.addExpanded(param.name, expanded);
      } else {
        scope.addRaw(param.name, value);
      }
    }
    return this.fn(scope);
  }
}

/** A `constDef` or global param: expanded once, on first use, in an empty scope. */
export class Const {
  private expanded = false;

  constructor(
    private readonly host: MacroHost,
    readonly name: string,
    private value: JValue,
  ) {}

  /** The expanded value. @throws JsonmError (with a `const` frame) if expansion fails */
  get(): JValue {
    if (!this.expanded) {
      try {
        this.value = this.host.expand(this.value, Scope.root(this.host));
      } catch (err) {
        if (err instanceof JsonmError) err.frames.unshift({ kind: 'const', name: this.name });
        throw err;
      }
      this.expanded = true;
    }
    return this.value;
  }
}

/** Where definitions go. */
export interface DefinitionSink {
  addMacro(macro: Macro): void;
  addConst(name: string, value: JValue): void;
}

/**
 * Reads an expanded `macros` section (object, or array of sections) into `sink`.
 * @throws JsonmError naming the definition (as key frames)
 */
export function readMacroDefs(host: MacroHost, sink: DefinitionSink, macros: JValue): void {
  check(
    isObject(macros) || isArray(macros),
    () => `config macros is ${typeName(macros)}, expected array/object`,
  );
  if (isArray(macros)) {
    macros.forEach((section, i) => {
      withFrame({ kind: 'key', key: i }, () => {
        readMacroDefs(host, sink, section);
      });
    });
    return;
  }
  for (const [name, def] of macros) {
    withFrame({ kind: 'key', key: name }, () => {
      readMacroDef(host, sink, name, def);
    });
  }
}

function readMacroDef(host: MacroHost, sink: DefinitionSink, name: string, def: JValue): void {
  check(isObject(def), () => `'${name}' macro definition is ${typeName(def)}, expected object`);
  const type = def.get('type');
  check(type !== undefined, "macro definition: 'type' not found");
  check(isString(type), () => `macro definition type is ${typeName(type)}, string expected`);
  const result = def.get('result');
  if (type === 'macroDef') {
    check(result !== undefined, "Macro definition: 'result' not found");
    const params = def.get('params') ?? [];
    check(isArray(params), () => `'${name}' macroDef params is not an array`);
    sink.addMacro(new Macro(host, name, params, (args) => host.expand(result, args)));
  } else if (type === 'constDef') {
    check(result !== undefined, "constDef: 'result' not found");
    sink.addConst(name, result);
  } else {
    fail(`Unknown macro definition type: ${type}`);
  }
}

/** Runs `fn`, adding `frame` to the location of any JsonmError it throws. */
export function withFrame<T>(frame: JsonmError['frames'][number], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof JsonmError) err.frames.unshift(frame);
    throw err;
  }
}
