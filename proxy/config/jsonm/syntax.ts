/**
 * The lexical rules of JSONM strings, as mcrouter's preprocessor reads them
 * (`mcrouter/lib/config/ConfigPreprocessor.cpp`):
 *
 * - `\x` escapes any character `x` (`\%`, `\@`, `\(`, `\,`, `\\`, `\ `); the backslash is dropped
 *   when parameters are substituted;
 * - a call is `@name` or `@name(arg1, arg2, ...)`, and must end at the closing bracket;
 * - arguments are split at unescaped commas outside nested brackets, and trimmed of leading
 *   whitespace and of trailing whitespace that is not escaped;
 * - `@name()` passes one empty argument, `@name` none.
 */
import { check } from './value.js';

/** Is `c` whitespace as C's `isspace`? */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * Trims leading whitespace, and trailing whitespace unless it is escaped: a trailing space
 * after an odd number of backslashes stays; after an even (non-zero) number, that one space
 * goes and trimming stops.
 */
export function trimArg(s: string): string {
  let start = 0;
  while (start < s.length && isSpace(s[start])) start++;
  let end = s.length;
  while (end > start) {
    if (!isSpace(s[end - 1])) break;
    if (end - start > 1) {
      let slashes = 0;
      for (let i = end - 2; i >= start && s[i] === '\\'; i--) slashes++;
      if (slashes > 0) {
        if (slashes % 2 === 0) end--;
        break;
      }
    }
    end--;
  }
  return s.slice(start, end);
}

/** Index of the first unescaped `c` in `s` at or after `from`, or -1. */
export function findUnescaped(s: string, c: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === c) return i;
  }
  return -1;
}

/** Index of the bracket closing the one at `open`, skipping escaped characters, or -1. */
export function matchingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    if (depth === 0) return i;
  }
  return -1;
}

/**
 * Reads `s` from `from` up to the next unescaped `stop`, unescaping as it goes.
 * @returns the text read and the index of `stop`, or index -1 when there is none (a trailing
 *          lone backslash is dropped)
 */
export function unescapeUntil(s: string, from: number, stop: string): { text: string; index: number } {
  let text = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      i++;
      if (i >= s.length) return { text, index: -1 };
      text += s[i] as string;
      continue;
    }
    if (c === stop) return { text, index: i };
    text += c;
  }
  return { text, index: -1 };
}

/**
 * Splits the text between a call's brackets into its (still unexpanded) arguments.
 * @throws JsonmError `Brackets do not match: ...` or `No comma after closing bracket`
 */
export function splitCallArgs(inner: string): string[] {
  const out: string[] = [];
  let s = inner;
  for (;;) {
    if (s === '') {
      // `@a()` and `@a(x,)` end with an empty argument.
      out.push('');
      break;
    }
    let comma = findUnescaped(s, ',');
    if (comma === -1) {
      out.push(trimArg(s));
      break;
    }
    const open = findUnescaped(s, '(', 0, comma);
    if (open !== -1) {
      // The argument holds a nested call: its commas are not separators.
      const close = matchingBracket(s, open);
      check(close !== -1, () => `Brackets do not match: ${s}`);
      if (close === s.length - 1) {
        out.push(trimArg(s));
        break;
      }
      comma = close + 1;
      while (comma < s.length && s[comma] !== ',') comma++;
      check(comma !== s.length, 'No comma after closing bracket');
    }
    out.push(trimArg(s.slice(0, comma)));
    s = s.slice(comma + 1);
  }
  return out;
}
