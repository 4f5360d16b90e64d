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

/** This package's version, e.g. `2.0.0`. */
export const PACKAGE_VERSION = findPackageVersion();

/**
 * What ASCII `version`, binary Version and `__mcrouter__.version` answer, identically:
 * `<major>.<minor>.<patch> mcrouter`. The version comes first with a major ≥ 1 because
 * libmemcached reads the reply as `major.minor.patch` and rejects a major of 0
 * (php-memcached `getVersion()`, memcstat, memcping); mcrouter puts its version first for the same
 * reason. The major is above 1 because libmemcached's memcapable (and clients that gate features on
 * the server version) read `major > 1`, or `1.6+`, as memcached 1.6's command set, which is what the
 * proxy accepts. "mcrouter" follows so tools that look for it keep working.
 */
export const VERSION_STRING = `${PACKAGE_VERSION} mcrouter`;
