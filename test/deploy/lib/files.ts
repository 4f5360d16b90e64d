/** The deployment files of the repository, found by walking the directories users copy. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../helpers/config.js';

/** The trees that hold deployment files (relative to the repo root). */
export const DEPLOY_ROOTS = ['Dockerrun.aws.json', 'docker', 'deploy', 'ebextensions'] as const;

/** Every file under `roots`, as repo-relative paths, sorted. */
export function deployFiles(roots: readonly string[] = DEPLOY_ROOTS): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = join(REPO_ROOT, rel);
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs)) walk(join(rel, e));
    else out.push(relative(REPO_ROOT, abs));
  };
  for (const r of roots) walk(r);
  return out.sort();
}

/** The text of a repo-relative file. */
export function read(rel: string): string {
  return readFileSync(join(REPO_ROOT, rel), 'utf8');
}

/** Parses a JSON file (throws with the file name). */
export function readJson(rel: string): unknown {
  try {
    return JSON.parse(read(rel));
  } catch (err) {
    throw new Error(`${rel}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Parses a YAML file (every document), strictly: duplicate keys are errors (EB silently drops one
 * of two equal top-level keys), as are YAML warnings.
 * @throws Error naming the file and the first problem
 */
export function readYaml(rel: string): unknown[] {
  const docs = parseAllDocuments(read(rel), { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) throw new Error(`${rel}: empty YAML stream`);
  for (const d of docs) {
    const problem = d.errors[0] ?? d.warnings[0];
    if (problem !== undefined) throw new Error(`${rel}: ${problem.message}`);
  }
  return docs.map((d) => d.toJS() as unknown);
}

/** True for the shell scripts among the deployment files (by shebang). */
export function isShellScript(rel: string): boolean {
  return /^#!\s*\/(usr\/)?bin\/(env\s+)?(ba|da)?sh\b/.test(read(rel).slice(0, 64));
}
