/**
 * The options tables of docs/running.md and docs/confgen.md are the option tables
 * (`proxy/options.ts`, `confgen/options.ts`): an option added, removed or given another default
 * or help without `npm run docs:options` fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OPTION_DOC_TABLES, tableRows, withTable } from '../../../scripts/docs-options.js';
import { DEFAULT_OPTIONS, OPTION_SPECS } from '../../../proxy/options.js';
import { CONFGEN_OPTION_SPECS } from '../../../confgen/options.js';
import { longFlag, shownDefault } from '../../../proxy/util/option-table.js';
import { REPO_ROOT } from '../../helpers/config.js';

describe.each(OPTION_DOC_TABLES)('$file', ({ file, name, rows }) => {
  test('its options table is the option table (run `npm run docs:options`)', () => {
    const doc = readFileSync(`${REPO_ROOT}${file}`, 'utf8');
    expect(tableRows(doc, name)).toEqual(rows());
  });

  test('a drifted table is seen', () => {
    const doc = readFileSync(`${REPO_ROOT}${file}`, 'utf8');
    const drifted = rows().slice(1);
    expect(tableRows(withTable(doc, name, drifted), name)).not.toEqual(rows());
  });
});

test.each([
  ['mcproxy', OPTION_SPECS],
  ['mcconfgen', CONFGEN_OPTION_SPECS],
] as const)('%s: keys and flags are unique', (_name, specs) => {
  const keys = specs.map((s) => s.key);
  const flags = specs.map((s) => longFlag(s));
  expect(new Set(keys).size).toBe(keys.length);
  expect(new Set(flags).size).toBe(flags.length);
});

test('the shown default is the default unless the entry describes it', () => {
  const shown = new Map(OPTION_SPECS.map((s) => [s.key, shownDefault(s)]));
  expect(shown.get('serverTimeoutMs')).toBe('1000');
  expect(shown.get('enableFlushCmd')).toBe('off');
  expect(shown.get('ports')).toBe('—');
  for (const spec of OPTION_SPECS) {
    const v: unknown = DEFAULT_OPTIONS[spec.key];
    if ('shownDefault' in spec || typeof v !== 'number') continue;
    expect(shownDefault(spec), spec.key).toBe(String(v));
  }
});
