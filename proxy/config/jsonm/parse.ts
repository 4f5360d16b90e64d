/**
 * mcrouter's JSON dialect (comments, trailing commas: `mcrouter/lib/config/ConfigPreprocessor.cpp`) parsed into JSONM values that
 * keep ints and doubles apart, as folly's `parseJson` does: a number written without `.`,
 * `e` or `E` is an int64, anything else a double. (An integer literal beyond int64, an error in
 * folly, becomes a double here.) Duplicate keys: the last one wins, as in folly.
 */
import { lineColumn } from '../jsonc.js';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { JsonmError, INT64_MAX, INT64_MIN, type JValue } from './value.js';

/**
 * Parses JSONC text.
 * @param source name prefixed to errors (a file path or `inline config`; '' for none)
 * @throws JsonmError naming the source, line and column of the first syntax error
 */
export function parseJsonm(text: string, source: string): JValue {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(text, first.offset);
    const prefix = source === '' ? '' : `${source}: `;
    throw new JsonmError(
      `${prefix}JSON syntax error at line ${line}, column ${column}: ${printParseErrorCode(first.error)}`,
    );
  }
  if (root === undefined) throw new JsonmError(source === '' ? 'empty file' : `${source}: empty config`);
  return toValue(root, text);
}

function toValue(node: Node, text: string): JValue {
  switch (node.type) {
    case 'object': {
      const out = new Map<string, JValue>();
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (key !== undefined && value !== undefined) out.set(key.value as string, toValue(value, text));
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map((c) => toValue(c, text));
    case 'number': {
      const raw = text.slice(node.offset, node.offset + node.length);
      if (/^-?\d+$/.test(raw)) {
        const n = BigInt(raw);
        if (n >= INT64_MIN && n <= INT64_MAX) return n;
      }
      return node.value as number;
    }
    case 'string':
      return node.value as string;
    case 'boolean':
      return node.value as boolean;
    default:
      return null;
  }
}
