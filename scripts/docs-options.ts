/**
 * `npm run docs:options`: writes the options tables of docs/running.md (mcproxy) and
 * docs/confgen.md (mcconfgen) from the option tables (`proxy/options.ts`, `confgen/options.ts`),
 * between the markers `<!-- options:<name> begin … -->` and `<!-- options:<name> end -->`, and
 * formats the files with prettier. `test/unit/cli/options-docs.test.ts` fails when a committed
 * table differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { proxyOptionRows } from '../proxy/options.js';
import { confgenOptionRows } from '../confgen/options.js';
import { markdownTable, unescapeCell } from '../proxy/util/option-table.js';

/** The docs tables: the file (relative to the repository root), the marker name and the rows. */
export const OPTION_DOC_TABLES: readonly { file: string; name: string; rows: () => string[][] }[] = [
  { file: 'docs/running.md', name: 'mcproxy', rows: proxyOptionRows },
  { file: 'docs/confgen.md', name: 'mcconfgen', rows: confgenOptionRows },
];

const HEADER = ['option', 'default', 'meaning'];

/** The begin and end markers of a table. */
function markers(name: string): [string, string] {
  return [`<!-- options:${name} begin (generated: npm run docs:options) -->`, `<!-- options:${name} end -->`];
}

/** The text between a table's markers. @throws Error when the markers are missing */
function between(doc: string, name: string): { start: number; end: number } {
  const [begin, end] = markers(name);
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  if (b < 0 || e < b) throw new Error(`the markers of the ${name} options table are missing`);
  return { start: b + begin.length, end: e };
}

/** `doc` with the table between the markers replaced by `rows` (unformatted). */
export function withTable(doc: string, name: string, rows: readonly (readonly string[])[]): string {
  const { start, end } = between(doc, name);
  return `${doc.slice(0, start)}\n\n${markdownTable(HEADER, rows)}\n\n${doc.slice(end)}`;
}

/** The body rows of the table between the markers, cells trimmed and unescaped. */
export function tableRows(doc: string, name: string): string[][] {
  const { start, end } = between(doc, name);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => unescapeCell(c.trim())),
    );
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const table of OPTION_DOC_TABLES) {
    const path = `${root}${table.file}`;
    const text = withTable(readFileSync(path, 'utf8'), table.name, table.rows());
    const config = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(text, { ...config, filepath: path }));
    process.stdout.write(`${table.file}: ${table.name} options table written\n`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
