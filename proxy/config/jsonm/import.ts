/**
 * `@import(path)` and `@import(path, default)` (mcrouter's `importMacro` with `McImportResolver`
 * and `ConfigApi::get(ConfigType::ConfigImport)`, `mcrouter/lib/config/ConfigPreprocessor.cpp`): reads another JSONM file, expands
 * it (it may hold comments, macro calls and further imports, but not a `macros` section of its
 * own: its value is what the call returns), and caches the result by path for the rest of the
 * build. With a `default`, a file that cannot be read or expanded yields the default instead.
 *
 * Paths:
 * - relative: against the directory of the main config file, for imports inside imported files
 *   too (as mcrouter); for an inline config (`--config '{...}'`) against the process's working
 *   directory;
 * - absolute: as they are;
 * - `file:<path>`: `<path>` as it is (relative to the working directory, as mcrouter).
 *
 * Only regular files are read. Every file read is recorded (absolute path) so a config reload
 * can watch it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Macro } from './macros.js';
import { parseJsonm } from './parse.js';
import type { Preprocessor } from './preprocessor.js';
import { Scope } from './scope.js';
import { check, JsonmError, isString, typeName, type JValue } from './value.js';

/** Resolves and reads imported files, and remembers which. */
export class Importer {
  private readonly read = new Set<string>();
  /** MD5 (hex) of each file's text as read (`__mcrouter__.config_sources_info`). */
  readonly digests = new Map<string, string>();

  /** @param baseDir the directory relative paths resolve against */
  constructor(readonly baseDir: string) {}

  /** The absolute file an import path names. */
  resolve(path: string): string {
    if (path.startsWith('file:')) return resolve(path.slice('file:'.length));
    return isAbsolute(path) ? resolve(path) : resolve(this.baseDir, path);
  }

  /**
   * Reads the file an import path names.
   * @throws JsonmError `cannot read <file>: <reason>`
   */
  readText(file: string): string {
    let text: string;
    try {
      if (!statSync(file).isFile()) throw new JsonmError(`cannot read ${file}: not a regular file`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof JsonmError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new JsonmError(`cannot read ${file}: ${e.code ?? e.message}`);
    }
    this.read.add(file);
    this.digests.set(file, createHash('md5').update(text).digest('hex'));
    return text;
  }

  /** Absolute paths of every file read so far, in first-read order. */
  get files(): string[] {
    return [...this.read];
  }
}

/** Registers the `import` macro on `prep`, reading through `importer`. */
export function registerImport(prep: Preprocessor, importer: Importer): void {
  const cache = new Map<string, JValue>();
  const optional = new Map<string, JValue>([
    ['name', 'default'],
    ['optional', true],
  ]);
  prep.addMacro(
    new Macro(
      prep,
      'import',
      ['path', optional],
      (args) => {
        const path = args.expandRaw('path');
        check(isString(path), () => `import path is ${typeName(path)}, string expected`);
        const cached = cache.get(path);
        if (cached !== undefined) return cached;
        const file = importer.resolve(path);
        let result: JValue;
        try {
          const text = importer.readText(file);
          result = prep.expand(parseJsonm(text, ''), Scope.root(prep));
        } catch (err) {
          if (!(err instanceof JsonmError)) throw err;
          const dflt = args.tryExpandRaw('default');
          if (dflt !== undefined) {
            cache.set(path, dflt);
            return dflt;
          }
          err.frames.unshift({ kind: 'import', file });
          throw err;
        }
        cache.set(path, result);
        return result;
      },
      false,
    ),
  );
}
