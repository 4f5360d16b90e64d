/**
 * The local names visible while a value is expanded (mcrouter's `ConfigPreprocessor::Context`):
 * macro parameters, `vars`, and the `%key%`/`%item%`/`%value%` names of `transform`, `process`
 * and `foreach`. Global params and `constDef`s are looked up after the locals, by the
 * preprocessor.
 *
 * A scope may extend an outer one. A macro body's scope is a "base" scope: it sees only the
 * macro's parameters (and the consts), not the caller's locals, while its unexpanded ("raw")
 * arguments are still expanded in the caller's scope. `vars` are expanded lazily, on first use,
 * so they may refer to each other in any order.
 */
import { check, JsonmError, type JValue } from './value.js';

/** What a scope needs from the preprocessor. */
export interface Expander {
  /** Expands `value` (macros, calls, params) in `scope`. */
  expand(value: JValue, scope: Scope): JValue;
}

const enum State {
  /** Expanded, ready to use. */
  Expanded,
  /** An argument not expanded yet (for macros that choose which arguments to evaluate). */
  Raw,
  /** A `vars` entry, expanded on first use. */
  Lazy,
  /** A `vars` entry being expanded (a use now is a cycle). */
  Expanding,
  /** A raw argument already consumed. */
  Dead,
}

interface Local {
  value: JValue;
  state: State;
}

/** See the file comment. */
export class Scope {
  private readonly locals = new Map<string, Local>();

  private constructor(
    private readonly expander: Expander,
    /** The enclosing scope (for a macro body: the caller's). */
    readonly outer: Scope | null,
    /** A base scope does not see `outer`'s names. */
    private readonly isBase: boolean,
  ) {}

  /** An empty top-level scope. */
  static root(expander: Expander): Scope {
    return new Scope(expander, null, true);
  }

  /** A scope inside `outer`; with `base`, `outer`'s names are hidden (macro bodies). */
  static extend(outer: Scope, base = false): Scope {
    return new Scope(outer.expander, outer, base);
  }

  private add(name: string, value: JValue, state: State): void {
    check(!this.locals.has(name), () => `'${name}' already exists in local scope`);
    this.locals.set(name, { value, state });
  }

  /** Adds an already expanded local. @throws JsonmError if `name` exists here */
  addExpanded(name: string, value: JValue): void {
    this.add(name, value, State.Expanded);
  }

  /** Adds an unexpanded argument, to be expanded (once) in the outer scope. */
  addRaw(name: string, value: JValue): void {
    this.add(name, value, State.Raw);
  }

  /** Adds a `vars` entry, expanded in this scope on first use. */
  addLazy(name: string, value: JValue): void {
    this.add(name, value, State.Lazy);
  }

  /** Replaces the value of an expanded local (the loop variables of transform/foreach). */
  set(name: string, value: JValue): void {
    this.locals.set(name, { value, state: State.Expanded });
  }

  /** The value of an expanded local of this scope (a macro's own argument). */
  at(name: string): JValue {
    const local = this.locals.get(name);
    if (local?.state !== State.Expanded) throw new Error(`internal: '${name}' is not an expanded local`);
    return local.value;
  }

  /** Expands and returns a raw argument; undefined when it was not given. */
  tryExpandRaw(name: string): JValue | undefined {
    const local = this.locals.get(name);
    if (local === undefined) return undefined;
    if (local.state !== State.Raw) throw new Error(`internal: '${name}' is not a raw argument`);
    local.state = State.Dead;
    const where = this.outer ?? Scope.root(this.expander);
    try {
      return this.expander.expand(local.value, where);
    } catch (err) {
      if (err instanceof JsonmError) err.frames.unshift({ kind: 'key', key: name });
      throw err;
    }
  }

  /** Expands and returns a raw argument that must have been given. */
  expandRaw(name: string): JValue {
    const v = this.tryExpandRaw(name);
    if (v === undefined) throw new Error(`internal: raw argument '${name}' missing`);
    return v;
  }

  /**
   * Looks `name` up here, then in the enclosing scopes up to the first base scope.
   * @returns undefined when not found
   * @throws JsonmError when a `vars` entry fails to expand or refers to itself
   */
  find(name: string): JValue | undefined {
    const local = this.locals.get(name);
    if (local !== undefined) {
      if (local.state === State.Lazy || local.state === State.Expanding) this.expandLazy(name, local);
      return local.value;
    }
    return this.outer !== null && !this.isBase ? this.outer.find(name) : undefined;
  }

  /** Is `name` a local here or in the visible enclosing scopes? (No expansion.) */
  contains(name: string): boolean {
    if (this.locals.has(name)) return true;
    return this.outer !== null && !this.isBase && this.outer.contains(name);
  }

  /** Expands the `vars` entry `name` now (mcrouter expands every var once the scope is set up). */
  expandVar(name: string): void {
    const local = this.locals.get(name);
    if (local !== undefined && (local.state === State.Lazy || local.state === State.Expanding)) {
      this.expandLazy(name, local);
    }
  }

  private expandLazy(name: string, local: Local): void {
    if (local.state === State.Expanding) {
      throw new JsonmError(`Variable '${name}' refers to itself`);
    }
    local.state = State.Expanding;
    try {
      local.value = this.expander.expand(local.value, this);
      local.state = State.Expanded;
    } catch (err) {
      local.state = State.Lazy;
      if (err instanceof JsonmError) err.frames.unshift({ kind: 'var', name });
      throw err;
    }
  }
}
