/**
 * mcrouter's JSON dialect: JSON plus `//` and `/* *\/` comments and trailing commas (`mcrouter/lib/config/ConfigPreprocessor.cpp`,
 * `parseJsonString` with `allow_trailing_comma`). Parsed with Microsoft's `jsonc-parser`.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError } from '../errors.js';

/**
 * Parses config text.
 * @param source name used in errors (a file path or `inline config`)
 * @throws ConfigError naming line and column of the first syntax error
 */
export function parseJsonc(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(text, first.offset);
    throw new ConfigError(
      '',
      `${source}: JSON syntax error at line ${line}, column ${column}: ${printParseErrorCode(first.error)}`,
    );
  }
  if (text.trim() === '') throw new ConfigError('', `${source}: empty config`);
  return value;
}

/** 1-based line and column of a character offset in `text` (for syntax error messages). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
