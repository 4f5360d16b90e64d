/**
 * docker/Dockerfile, linted statically (no Docker engine here): the rule list in
 * lib/dockerfile-rules.ts, the build context (.dockerignore) and the wrappers it installs.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { lintDockerfile, type ImageExpectations } from './lib/dockerfile-rules.js';

const DOCKERFILE = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');

/** .dockerignore as docker reads it for the simple patterns we use: names, dir prefixes, `*`. */
function dockerignore(): (path: string) => boolean {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const res = patterns.map(
    (p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`),
  );
  return (path) => res.some((r) => r.test(path));
}

const expectations: ImageExpectations = {
  exposedPorts: [11211, 11212],
  labels: [
    'org.opencontainers.image.title',
    'org.opencontainers.image.description',
    'org.opencontainers.image.version',
    'org.opencontainers.image.licenses',
  ],
  contextHas: (p) => existsSync(join(REPO_ROOT, p)),
  ignored: dockerignore(),
  nodeMajors: [22, 24],
  imageFile: (p) =>
    p === '/app/docker/healthcheck' ? readFileSync(join(REPO_ROOT, 'docker/healthcheck'), 'utf8') : undefined,
};

describe('docker/Dockerfile', () => {
  test('passes every rule', () => {
    expect(lintDockerfile(DOCKERFILE, expectations)).toEqual([]);
  });

  test('the build context keeps what the build stage compiles and drops the rest', () => {
    const ignored = dockerignore();
    for (const p of [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'tsconfig.json',
      'tsconfig.build.json',
      'proxy/cli.ts',
      'docker/entrypoint',
    ])
      expect(ignored(p), p).toBe(false);
    for (const p of [
      'node_modules/zod/package.json',
      'dist/proxy/cli.js',
      'test/helpers/ports.ts',
      '.git/HEAD',
      'npm-debug.log',
    ])
      expect(ignored(p), p).toBe(true);
  });

  test('the ENTRYPOINT and HEALTHCHECK run the copied entrypoint under tini', () => {
    expect(DOCKERFILE).toMatch(/^COPY --chmod=0755 docker\/entrypoint docker\/healthcheck \.\/docker\/$/m);
    expect(DOCKERFILE).toMatch(/^WORKDIR \/app$/m);
    expect(DOCKERFILE).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/docker\/entrypoint"\]$/m);
    expect(DOCKERFILE).toMatch(/CMD \["\/app\/docker\/healthcheck"\]/);
    expect(DOCKERFILE).toMatch(/^CMD \["memcached"\]$/m);
    expect(DOCKERFILE).toMatch(/apt-get install -y --no-install-recommends memcached tini/);
  });

  test('the command wrappers point at the package.json bin targets', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    const wrappers = readdirSync(join(REPO_ROOT, 'docker/bin'));
    expect(wrappers.sort()).toEqual(['mcconfgen', 'mcproxy', 'mcsidecar']);
    for (const name of wrappers) {
      const target = /\/dist\/(\S+\.js)"/.exec(
        readFileSync(join(REPO_ROOT, 'docker/bin', name), 'utf8'),
      )?.[1];
      expect(target, name).toBeDefined();
      // A bin the package declares must be the file the wrapper runs (mcconfgen joins once confgen lands).
      if (pkg.bin[name] !== undefined) expect(`dist/${target ?? ''}`).toBe(pkg.bin[name]);
      // And the source it is compiled from exists, where it is in this tree.
      const source = join(REPO_ROOT, (target ?? '').replace(/\.js$/, '.ts'));
      if (name !== 'mcconfgen') expect(existsSync(source), source).toBe(true);
    }
  });
});

describe('the rules catch what they are for', () => {
  const bad = [
    'FROM node:latest',
    'WORKDIR app',
    'ADD . /app',
    'RUN apt-get install memcached',
    'RUN cd /app && npm install',
    'COPY missing-file /app/',
    'ENTRYPOINT /app/docker/entrypoint',
    '',
  ].join('\n');

  test('a single-stage, root, unpinned Dockerfile breaks the rules it should', () => {
    const rules = new Set(lintDockerfile(bad, expectations).map((v) => v.rule));
    for (const r of [
      'MS1',
      'DL3007',
      'DL3000',
      'DL3020',
      'DL3014',
      'DL3015',
      'DL3009',
      'DL3003',
      'DL3016',
      'CP1',
      'DL3025',
      'US1',
      'HC1',
      'EX1',
      'LB1',
    ])
      expect(rules, r).toContain(r);
  });

  test('the runtime stage may not copy sources or dev dependencies from the build stage', () => {
    const text = DOCKERFILE.replace(
      'COPY --from=build /src/dist ./dist',
      'COPY --from=build /src/node_modules ./node_modules',
    ).replace('npm ci --omit=dev', 'npm ci');
    const rules = lintDockerfile(text, expectations).map((v) => v.rule);
    expect(rules).toContain('MS2');
    expect(rules).toContain('MS3');
  });

  test('USER root, an unpinned base and a missing EXPOSE are caught', () => {
    const text = DOCKERFILE.replace('USER 10001:10001', 'USER root')
      .replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:bookworm-slim')
      .replace('EXPOSE 11211 11212', 'EXPOSE 11211');
    const found = lintDockerfile(text, expectations).map((v) => `${v.rule} ${v.message}`);
    expect(found).toContain('US1 the last USER is root');
    expect(found).toContain('PIN1 base image tag bookworm-slim is not pinned to a major.minor version');
    expect(found).toContain('PIN2 base image node:bookworm-slim is not pinned by digest (@sha256:…)');
    expect(found).toContain('EX1 EXPOSE 11212');
  });

  test('an end-of-life Node, a named USER and a Node health check are caught', () => {
    const text = DOCKERFILE.replace(/^ARG NODE_IMAGE=node:24\.18\.0/m, 'ARG NODE_IMAGE=node:20.20.2')
      .replace('USER 10001:10001', 'USER mcsidecar:mcsidecar')
      .replace('CMD ["/app/docker/healthcheck"]', 'CMD ["/app/docker/entrypoint", "healthcheck"]');
    const found = lintDockerfile(text, expectations).map((v) => `${v.rule} ${v.message}`);
    expect(found).toContain('NODE1 Node.js 20 is not a supported LTS (22, 24)');
    expect(found).toContain(
      'US2 USER mcsidecar:mcsidecar is not a numeric uid:gid (runAsNonRoot cannot verify a name)',
    );
    expect(found).toContain('HC2 HEALTHCHECK /app/docker/entrypoint healthcheck starts a Node process');
    expect(found.filter((f) => f.startsWith('NODE1'))).toHaveLength(2);
  });

  test('COPY of a path the .dockerignore excludes is caught', () => {
    const text = DOCKERFILE.replace(
      'COPY --chmod=0755 docker/bin/ /usr/local/bin/',
      'COPY test/helpers/ /tmp/',
    );
    expect(lintDockerfile(text, expectations).map((v) => v.message)).toContain(
      'COPY source test/helpers/ is excluded by .dockerignore',
    );
  });
});
