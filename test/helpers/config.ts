/** Config fixtures for tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJsonc } from '../../proxy/config/jsonc.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a JSON-with-comments file under the repo root into an object. */
export function readConfig(relPath: string): Record<string, unknown> {
  return parseJsonc(readFileSync(`${REPO_ROOT}${relPath}`, 'utf8'), relPath) as Record<string, unknown>;
}

/**
 * The seed's co-located config (examples/colocated.json) pointed at test servers:
 * `local` and `peers` as given, `central` as given.
 */
export function colocatedConfig(local: string, peers: string[], central: string[]): Record<string, unknown> {
  const cfg = readConfig('examples/colocated.json');
  cfg.pools = {
    local: { servers: [local] },
    peers: { servers: peers },
    central: { servers: central },
  };
  return cfg;
}
