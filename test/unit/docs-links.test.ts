/**
 * Every relative link in README.md, CONTRIBUTING.md and docs/**\/*.md points at a file of the
 * repository, and a `#anchor` at a heading of its target (GitHub's heading slugs), so a moved or
 * renamed page or section cannot leave a dead link behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token } from 'marked';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';

const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(`${REPO_ROOT}docs`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const tokensCache = new Map<string, Token[]>();

function tokensOf(page: string): Token[] {
  let tokens = tokensCache.get(page);
  if (tokens === undefined) {
    tokens = new Lexer().lex(readFileSync(join(REPO_ROOT, page), 'utf8'));
    tokensCache.set(page, tokens);
  }
  return tokens;
}

/** Calls `visit` for every token, nested ones (inline links in lists and tables) included. */
function walk(tokens: readonly Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    const nested: Token[] = [];
    if ('tokens' in t && Array.isArray(t.tokens)) nested.push(...t.tokens);
    if (t.type === 'list') for (const item of t.items as Token[]) nested.push(item);
    if (t.type === 'table') {
      const cells = [...(t.header as { tokens: Token[] }[]), ...(t.rows as { tokens: Token[] }[][]).flat()];
      for (const cell of cells) nested.push(...cell.tokens);
    }
    walk(nested, visit);
  }
}

/** The anchors GitHub gives the headings of `page`. */
function anchorsOf(page: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  walk(tokensOf(page), (t) => {
    if (t.type === 'heading') anchors.add(slugger.slug(t.text as string));
  });
  return anchors;
}

/** Relative link targets of `page`, as written. */
function linksOf(page: string): string[] {
  const links: string[] = [];
  walk(tokensOf(page), (t) => {
    if (t.type === 'link' || t.type === 'image') {
      const href = t.href as string;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(href)) links.push(href);
    }
  });
  return links;
}

test('the pages are found and hold relative links', () => {
  expect(PAGES).toContain('docs/deploy/ecs.md');
  expect(PAGES.flatMap(linksOf).length).toBeGreaterThan(20);
});

test.each(PAGES)('%s: every relative link resolves to a file, and its #anchor to a heading', (page) => {
  const broken: string[] = [];
  for (const href of linksOf(page)) {
    const [path = '', anchor] = href.split('#', 2);
    const target = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
    if (target.startsWith('..') || !existsSync(join(REPO_ROOT, target))) {
      broken.push(`${href}: no file ${target}`);
      continue;
    }
    if (anchor !== undefined && anchor !== '' && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
      broken.push(`${href}: no heading #${anchor} in ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
