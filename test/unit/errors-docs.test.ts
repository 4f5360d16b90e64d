/**
 * Errors users see have stable codes: docs/errors.md lists exactly the codes the source defines,
 * and no source file of the proxy or confgen throws a bare `Error` (only the JSONM scope's
 * `internal:` invariant checks, which no input can reach).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';

const CODE = /'((?:MCR|MCS|MCCONFGEN)_ERR_[A-Z0-9_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(`${REPO_ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`);
}

const files = [...sources('proxy'), ...sources('confgen')].map((f) => ({
  file: f,
  text: readFileSync(`${REPO_ROOT}${f}`, 'utf8'),
}));

test('docs/errors.md lists every error code, and only those', () => {
  const inSource = new Set(files.flatMap(({ text }) => [...text.matchAll(CODE)].map((m) => m[1] as string)));
  const doc = readFileSync(`${REPO_ROOT}docs/errors.md`, 'utf8');
  const inDocs = new Set(
    [...doc.matchAll(/^\| `((?:MCR|MCS|MCCONFGEN)_ERR_[A-Z0-9_]+)`/gm)].map((m) => m[1] as string),
  );
  expect(inSource.size).toBeGreaterThan(10);
  expect([...inSource].sort()).toEqual([...inDocs].sort());
});

test('no bare `new Error(` where users can see it', () => {
  const bare = files.flatMap(({ file, text }) =>
    text
      .split('\n')
      .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
      .filter(({ line }) => /\bnew Error\(/.test(line) && !line.includes('`internal: ')),
  );
  expect(bare.map((b) => `${b.where}: ${b.line.trim()}`)).toEqual([]);
});
