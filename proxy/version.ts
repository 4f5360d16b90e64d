/**
 * The package version, read once from package.json (found by walking up from this module, so it
 * works from `proxy/` under tsx and from `dist/proxy/`).
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mcsidecar' && typeof pkg.version === 'string') return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** This package's version, e.g. `0.1.0`. */
export const PACKAGE_VERSION = findPackageVersion();

/**
 * What `version` and `__mcrouter__.version` answer: `<version> mcrouter`, the shape of mcrouter's
 * package string (spec §4), so tools that look for "mcrouter" keep working.
 */
export const VERSION_STRING = `${PACKAGE_VERSION} mcrouter`;
