/**
 * Every deployment file is accounted for: JSON and YAML parse (strictly), shell scripts pass
 * shellcheck and are executable, and no file is left without a check.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { deployFiles, isShellScript, readJson, readYaml } from './lib/files.js';

const files = deployFiles();
const json = files.filter((f) => f.endsWith('.json'));
const yaml = files.filter((f) => /\.(ya?ml|config)$/.test(f));
const shell = [...files, ...deployFiles(['scripts', '.ci'])].filter(isShellScript);
/**
 * Files checked elsewhere: the Dockerfile (dockerfile.test.ts), its health check
 * (healthcheck.test.ts), the systemd unit and the demo's nginx config (platform-hooks.test.ts),
 * the demo's page (demo-app.test.ts).
 */
const OTHER = [
  'docker/Dockerfile',
  'docker/healthcheck',
  'ebextensions/platform/mcsidecar/mcconfgen.service',
  'deploy/beanstalk/demo/nginx/default.conf',
  'deploy/beanstalk/demo/app/server.mjs',
];

describe('deployment files', () => {
  test('each file is JSON, YAML, a shell script, or checked by its own test', () => {
    const unchecked = files.filter(
      (f) => !json.includes(f) && !yaml.includes(f) && !shell.includes(f) && !OTHER.includes(f),
    );
    expect(unchecked).toEqual([]);
    // The sets are what we ship (so a glob mistake cannot make this test vacuous).
    expect(json).toEqual([
      'Dockerrun.aws.json',
      'deploy/ecs/task-definition.awsvpc.json',
      'deploy/ecs/task-definition.bridge.json',
      'deploy/iam/mcconfgen-instance-policy.json',
    ]);
    expect(yaml.length).toBe(14);
    expect(shell.length).toBeGreaterThanOrEqual(13);
  });

  test.each(json)('%s parses as JSON', (f) => {
    expect(readJson(f)).toBeTypeOf('object');
  });

  test.each(yaml)('%s parses as YAML (no duplicate keys)', (f) => {
    const docs = readYaml(f);
    expect(docs.length).toBeGreaterThan(0);
    for (const d of docs) expect(d).toBeTypeOf('object');
  });

  test('the IAM policy document is well formed', () => {
    const p = readJson('deploy/iam/mcconfgen-instance-policy.json') as {
      Version: string;
      Statement: { Sid: string; Effect: string; Action: string | string[]; Resource: string }[];
    };
    expect(p.Version).toBe('2012-10-17');
    for (const s of p.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource === '*' || s.Resource.startsWith('arn:aws:')).toBe(true);
      for (const a of [s.Action].flat())
        expect(a).toMatch(/^(ec2|elasticbeanstalk|elasticache|elasticfilesystem):[A-Z]\w+$/);
    }
  });
});

describe('shell scripts', () => {
  test('shellcheck is installed (.ci/run installs the Debian package)', () => {
    expect(spawnSync('shellcheck', ['--version']).status).toBe(0);
  });

  test.each(shell)('%s passes shellcheck and is executable', (f) => {
    const r = spawnSync('shellcheck', ['--severity=style', '--external-sources', f], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(join(REPO_ROOT, f)).mode & 0o111).toBe(0o111);
  });

  test('shellcheck does catch problems (the check is not vacuous)', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', '-'], {
      input: 'echo $1\n[ $x == y ]\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('SC2086');
  });
});
