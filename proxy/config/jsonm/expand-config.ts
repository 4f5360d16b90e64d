/**
 * The entry point of JSONM: config text in, plain config JSON out (mcrouter's
 * `ConfigPreprocessor::getConfigWithoutMacros`, which mcrouter runs on every config it builds,
 * `mcrouter/lib/config/ConfigPreprocessor.cpp`). The root must be an object; its `macros` section is read first (and removed),
 * then everything else is expanded.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../errors.js';
import { registerBuiltins } from './builtins.js';
import { registerCalls } from './calls.js';
import { configErrorOf } from './error-location.js';
import { Importer, registerImport } from './import.js';
import { globalParams, type GlobalParamOptions } from './params.js';
import { parseJsonm } from './parse.js';
import { DEFAULT_NESTED_LIMIT, Preprocessor } from './preprocessor.js';
import { Scope } from './scope.js';
import { isObject, JsonmError, toPlain, type JObject, type JValue } from './value.js';

/** What a JSONM expansion needs besides the text. */
export interface ExpandOptions {
  /** The main config file's path, or null for an inline config (imports then resolve against the cwd). */
  readonly path: string | null;
  /** The options the global params come from. */
  readonly options: GlobalParamOptions;
  /** Overrides the global params entirely (tests). */
  readonly globals?: ReadonlyMap<string, JValue>;
  /** Nesting limit, default 250. */
  readonly nestedLimit?: number;
}

/** The expanded config. */
export interface ExpandedConfig {
  /** The config without macros, as plain JSON data. */
  readonly json: Record<string, unknown>;
  /** Absolute paths of every `@import`ed file, in first-read order. */
  readonly imports: readonly string[];
  /** MD5 (hex) of each imported file's text, by path. */
  readonly importMd5s: ReadonlyMap<string, string>;
}

/**
 * Parses and expands a config.
 * @throws ConfigError naming the JSON path, the macros/imports involved, and the reason
 */
export function expandConfig(text: string, opts: ExpandOptions): ExpandedConfig {
  const { value, imports, importMd5s } = expandConfigValue(text, opts);
  return { json: toPlain(value) as Record<string, unknown>, imports, importMd5s };
}

/**
 * `expandConfig`, keeping JSONM values (ints as bigints, distinct from doubles).
 * @throws ConfigError as `expandConfig`
 */
export function expandConfigValue(
  text: string,
  opts: ExpandOptions,
): { value: JObject; imports: string[]; importMd5s: ReadonlyMap<string, string> } {
  const source = opts.path ?? 'inline config';
  const importer = new Importer(opts.path === null ? process.cwd() : dirname(opts.path));
  const prep = new Preprocessor(
    opts.globals ?? globalParams(opts.options),
    opts.nestedLimit ?? DEFAULT_NESTED_LIMIT,
  );
  registerBuiltins(prep);
  registerImport(prep, importer);
  registerCalls(prep);

  let config: JValue;
  try {
    config = parseJsonm(text, source);
  } catch (err) {
    if (err instanceof JsonmError) throw new ConfigError('', err.message);
    throw err;
  }
  if (!isObject(config)) throw new ConfigError('', 'the config must be a JSON object');

  const macros = config.get('macros');
  if (macros !== undefined) {
    try {
      prep.defineMacros(macros);
    } catch (err) {
      if (err instanceof JsonmError) throw configErrorOf(err, 'macros');
      throw err;
    }
  }
  let expanded: JValue;
  try {
    const rest = new Map([...config].filter(([k]) => k !== 'macros'));
    expanded = prep.expand(rest, Scope.root(prep));
  } catch (err) {
    if (err instanceof JsonmError) throw configErrorOf(err);
    throw err;
  }
  if (!isObject(expanded)) throw new ConfigError('', 'the config must expand to a JSON object');
  return { value: expanded, imports: importer.files, importMd5s: importer.digests };
}
