/**
 * The Elastic Beanstalk platform hooks, run for real from a bundle built by
 * deploy/beanstalk/bundle.sh. There is no EB instance here, so the host commands they drive
 * (get-config, docker, aws, mount, mountpoint, systemctl, dnf, chown) are recorders on the PATH,
 * and the files they write (fstab, env files, systemd units, the config) go to a temporary root.
 * What is checked is what the hooks would do on the instance: the exact commands and files.
 */
import { spawnSync } from 'node:child_process';
import {
  readdirSync,
  readlinkSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mcsidecar:0.1.0';
const FS = 'fs-0123456789abcdef0';
const AP = 'fsap-0123456789abcdef0';
const ENV_ID = 'e-abcdef1234';

const FAKES: Record<string, string> = {
  'get-config': `[ "$1" = environment ] || exit 9; cat "$FAKE_ENV_JSON"`,
  docker: `echo "docker $*" >>"$CALLS"
case "$1" in
  login) echo "login-stdin $(cat)" >>"$CALLS" ;;
  run)
    [ "\${FAKE_DOCKER_RUN_RC:-0}" = 0 ] || exit "$FAKE_DOCKER_RUN_RC"
    prev=''; envfile=''
    for a in "$@"; do
      case "$a" in *:/usr/local/etc/mcrouter) dir=\${a%%:*} ;; esac
      [ "$prev" = --env-file ] && envfile=$a
      prev=$a
    done
    env=$(grep '^MCCONFGEN_EB_ENVIRONMENT_NAME=' "$envfile" | cut -d= -f2)
    printf '{"written":"by fake mcconfgen","for":"%s"}\\n' "$env" >"$dir/mcrouter.conf" ;;
esac`,
  aws: `echo "aws $*" >>"$CALLS"
case "$1 $2" in
  "ecr get-login-password") echo TOKEN ;;
  "sts get-caller-identity") echo 123456789012 ;;
  "configure get") echo eu-west-1 ;;
esac
exit 0`,
  systemctl: `echo "systemctl $*" >>"$CALLS"`,
  chown: `echo "chown $*" >>"$CALLS"`,
  dnf: `echo "dnf $*" >>"$CALLS"; printf '#!/bin/sh\\n' >"$FAKEBIN/mount.efs"; chmod +x "$FAKEBIN/mount.efs"`,
  mount: `echo "mount $*" >>"$CALLS"
n=$(cat "$STATE/mount-failures" 2>/dev/null || echo 0)
if [ "$n" -lt "\${FAKE_MOUNT_FAILS:-0}" ]; then echo $((n + 1)) >"$STATE/mount-failures"; echo "mount: fake failure" >&2; exit 32; fi
touch "$STATE/mounted$(echo "$1" | tr / _)"`,
  mountpoint: `[ -e "$STATE/mounted$(echo "$2" | tr / _)" ]`,
};

interface Host {
  readonly root: string;
  readonly bundle: string;
  readonly calls: () => string[];
  readonly run: (script: string, env: Record<string, string>, extra?: Record<string, string>) => Run;
  readonly file: (rel: string) => string;
}
interface Run {
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * A temporary "instance": a root for /etc, /var/lib and /mnt, the recorders, and the bundle.
 * `efsRoot` shares one "file system" between instances (default: the instance's own mnt/efs).
 */
function host(options: { efsUtils?: boolean; bundleArgs?: string[]; efsRoot?: string } = {}): Host {
  const root = mkdtempSync(join(tmpdir(), 'mcsidecar-host-'));
  const fakebin = join(root, 'fakebin');
  const state = join(root, 'state');
  for (const d of [fakebin, state, join(root, 'etc')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'etc/fstab'), '# /etc/fstab\nUUID=abcd / xfs defaults,noatime 1 1\n');
  for (const [name, body] of Object.entries(FAKES)) {
    writeFileSync(join(fakebin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(fakebin, name), 0o755);
  }
  if (options.efsUtils !== false) {
    writeFileSync(join(fakebin, 'mount.efs'), '#!/bin/sh\n');
    chmodSync(join(fakebin, 'mount.efs'), 0o755);
  }
  const bundle = join(root, 'var/app/staging');
  const b = spawnSync(
    join(REPO_ROOT, 'deploy/beanstalk/bundle.sh'),
    [...(options.bundleArgs ?? []), bundle],
    {
      encoding: 'utf8',
      env: { ...process.env, MCSIDECAR_IMAGE: IMAGE },
    },
  );
  expect(b.status, b.stderr).toBe(0);
  const callsFile = join(root, 'calls.log');
  return {
    root,
    bundle,
    calls: () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trimEnd().split('\n') : []),
    file: (rel) => readFileSync(join(root, rel), 'utf8'),
    run: (script, env, extra = {}) => {
      writeFileSync(join(root, 'env.json'), JSON.stringify(env));
      const r = spawnSync(join(bundle, script), [], {
        encoding: 'utf8',
        env: {
          PATH: `${fakebin}:${process.env.PATH ?? ''}`,
          HOME: root,
          CALLS: callsFile,
          STATE: state,
          FAKEBIN: fakebin,
          FAKE_ENV_JSON: join(root, 'env.json'),
          MCSIDECAR_GET_CONFIG: join(fakebin, 'get-config'),
          MCSIDECAR_ETC_DIR: join(root, 'etc/mcsidecar'),
          MCSIDECAR_SYSTEMD_DIR: join(root, 'etc/systemd/system'),
          MCSIDECAR_FSTAB: join(root, 'etc/fstab'),
          MCSIDECAR_EFS_ROOT: options.efsRoot ?? join(root, 'mnt/efs'),
          MCSIDECAR_STATE_DIR: join(root, 'var/lib/mcsidecar'),
          MCSIDECAR_LOG_DIR: join(root, 'var/log/mcsidecar'),
          MCSIDECAR_MOUNT_RETRY_SECONDS: '0',
          ...extra,
        },
      });
      return { code: r.status, stderr: r.stderr };
    },
  };
}

const PREBUILD = '.platform/hooks/prebuild/10_mcsidecar_efs_mount.sh';
const PREDEPLOY = '.platform/hooks/predeploy/10_mcsidecar_confgen_once.sh';
const POSTDEPLOY = '.platform/hooks/postdeploy/10_mcsidecar_confgen_service.sh';

beforeAll(() => {
  // The recorders are plain sh; nothing else is needed. bash and python3 are on every AL2023 host.
  expect(spawnSync('python3', ['--version']).status).toBe(0);
});

describe('deploy/beanstalk/bundle.sh', () => {
  test('lays out Dockerrun.aws.json, .ebextensions and .platform with executable hooks', () => {
    const h = host();
    const ls = spawnSync('find', ['.', '-type', 'f'], { cwd: h.bundle, encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .sort();
    expect(ls).toEqual([
      './.ebextensions/10-mcsidecar-options.config',
      './.ebextensions/20-elasticache.config',
      './.ebextensions/30-efs-create.config',
      './.ebextensions/40-mcconfgen-iam.config',
      './.ebextensions/50-mcsidecar-observability.config',
      './.platform/confighooks/postdeploy/10_mcsidecar_confgen_service.sh',
      './.platform/confighooks/prebuild/10_mcsidecar_efs_mount.sh',
      './.platform/confighooks/predeploy/10_mcsidecar_confgen_once.sh',
      './.platform/hooks/postdeploy/10_mcsidecar_confgen_service.sh',
      './.platform/hooks/prebuild/10_mcsidecar_efs_mount.sh',
      './.platform/hooks/predeploy/10_mcsidecar_confgen_once.sh',
      './.platform/mcsidecar/host.sh',
      './.platform/mcsidecar/mcconfgen.service',
      './Dockerrun.aws.json',
      './demo/app/server.mjs',
      './demo/nginx/default.conf',
    ]);
    for (const f of ls.filter((p) => p.endsWith('.sh')))
      expect(statSync(join(h.bundle, f)).mode & 0o111, f).toBe(0o111);
  });

  test('--existing-efs leaves the in-environment file system out; --app adds the application; zip keeps modes', () => {
    const app = mkdtempSync(join(tmpdir(), 'mcsidecar-app-'));
    mkdirSync(join(app, 'nginx'));
    writeFileSync(join(app, 'nginx/nginx.conf'), 'events {}\n');
    const out = join(mkdtempSync(join(tmpdir(), 'mcsidecar-zip-')), 'bundle.zip');
    const r = spawnSync(
      join(REPO_ROOT, 'deploy/beanstalk/bundle.sh'),
      ['--existing-efs', '--image', IMAGE, '--app', app, out],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const listing = spawnSync('unzip', ['-Z', out], { encoding: 'utf8' }).stdout;
    expect(listing).toMatch(/^-rwxr-xr-x .* \.platform\/hooks\/prebuild\/10_mcsidecar_efs_mount\.sh$/m);
    expect(listing).toMatch(/ nginx\/nginx\.conf$/m);
    expect(listing).toMatch(/ \.ebextensions\/20-elasticache\.config$/m);
    expect(listing).not.toContain('30-efs-create.config');
  });

  test('no arguments: mcsidecar-demo.zip — the demo, the sidecar from the CLI account ECR, public images otherwise', () => {
    const h = host();
    const cwd = mkdtempSync(join(tmpdir(), 'mcsidecar-cwd-'));
    const env: NodeJS.ProcessEnv = {
      PATH: `${join(h.root, 'fakebin')}:${process.env.PATH ?? ''}`,
      CALLS: join(h.root, 'calls.log'),
    };
    const r = spawnSync(join(REPO_ROOT, 'deploy/beanstalk/bundle.sh'), [], { cwd, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('mcsidecar-demo.zip\n');
    expect(h.calls()).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'aws configure get region',
    ]);
    const zip = join(cwd, 'mcsidecar-demo.zip');
    const names = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter((n) => !n.endsWith('/'))
      .sort();
    expect(names).toEqual([
      '.ebextensions/10-mcsidecar-options.config',
      '.ebextensions/20-elasticache.config',
      '.ebextensions/30-efs-create.config',
      '.ebextensions/40-mcconfgen-iam.config',
      '.ebextensions/50-mcsidecar-observability.config',
      '.platform/confighooks/postdeploy/10_mcsidecar_confgen_service.sh',
      '.platform/confighooks/prebuild/10_mcsidecar_efs_mount.sh',
      '.platform/confighooks/predeploy/10_mcsidecar_confgen_once.sh',
      '.platform/hooks/postdeploy/10_mcsidecar_confgen_service.sh',
      '.platform/hooks/prebuild/10_mcsidecar_efs_mount.sh',
      '.platform/hooks/predeploy/10_mcsidecar_confgen_once.sh',
      '.platform/mcsidecar/host.sh',
      '.platform/mcsidecar/mcconfgen.service',
      'Dockerrun.aws.json',
      'demo/app/server.mjs',
      'demo/nginx/default.conf',
    ]);
    const listing = spawnSync('unzip', ['-Z', zip], { encoding: 'utf8' }).stdout;
    for (const n of names.filter((f) => f.endsWith('.sh')))
      expect(listing).toMatch(new RegExp(`^-rwxr-xr-x .* ${n.replaceAll('.', '\\.')}$`, 'm'));

    const dockerrun = JSON.parse(
      spawnSync('unzip', ['-p', zip, 'Dockerrun.aws.json'], { encoding: 'utf8' }).stdout,
    ) as {
      volumes: { name: string; host: { sourcePath: string } }[];
      containerDefinitions: { name: string; image: string; links?: string[] }[];
    };
    const images = Object.fromEntries(dockerrun.containerDefinitions.map((c) => [c.name, c.image]));
    expect(images.mcsidecar).toBe(IMAGE);
    // Nothing private but the sidecar the walkthrough pushes: the rest is public.
    for (const [name, image] of Object.entries(images))
      if (name !== 'mcsidecar') expect(image, name).toMatch(/^public\.ecr\.aws\//);
    // Every host directory is in the bundle (EB extracts it to /var/app/current) or made by the hooks.
    for (const v of dockerrun.volumes) {
      const inBundle = v.host.sourcePath.replace(/^\/var\/app\/current\//, '');
      if (inBundle === v.host.sourcePath) expect(v.host.sourcePath, v.name).toBe('/var/lib/mcsidecar/config');
      else
        expect(
          names.some((n) => n.startsWith(`${inBundle}/`)),
          v.name,
        ).toBe(true);
    }
    // nginx reaches the sidecar and the app by the names it is linked to.
    const nginx = spawnSync('unzip', ['-p', zip, 'demo/nginx/default.conf'], { encoding: 'utf8' }).stdout;
    expect(nginx).toContain('memcached_pass mcsidecar:11211;');
    expect(nginx).toContain('proxy_pass http://app:8080;');
    expect(dockerrun.containerDefinitions.find((c) => c.name === 'nginx')?.links).toEqual([
      'mcsidecar',
      'app',
    ]);
  });

  test('a placeholder image with no way to resolve it is a clear error, not a broken bundle', () => {
    const h = host();
    const fakebin = join(h.root, 'fakebin');
    writeFileSync(join(fakebin, 'aws'), '#!/bin/sh\necho "Unable to locate credentials" >&2\nexit 255\n');
    const out = join(mkdtempSync(join(tmpdir(), 'mcsidecar-zip-')), 'b.zip');
    const r = spawnSync(join(REPO_ROOT, 'deploy/beanstalk/bundle.sh'), [out], {
      env: { PATH: `${fakebin}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('aws sts get-caller-identity failed: give --image or MCSIDECAR_IMAGE');
    expect(existsSync(out)).toBe(false);
    const bad = spawnSync(join(REPO_ROOT, 'deploy/beanstalk/bundle.sh'), ['--image', 'x|y', out], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--image x|y is not an image reference');
  });

  test('the confighooks do what the hooks do', () => {
    for (const [phase, name] of [
      ['prebuild', 'efs_mount'],
      ['predeploy', 'confgen_once'],
      ['postdeploy', 'confgen_service'],
    ] as const) {
      const cmd = (kind: string): string | undefined =>
        /host\.sh" (\S+)$/m.exec(
          readFileSync(
            join(REPO_ROOT, `ebextensions/platform/${kind}/${phase}/10_mcsidecar_${name}.sh`),
            'utf8',
          ),
        )?.[1];
      expect(cmd('hooks')).toBe(name.replace('_', '-').replace('efs-mount', 'mount-efs'));
      expect(cmd('confighooks')).toBe(cmd('hooks'));
    }
  });
});

describe('prebuild: mount the config file system', () => {
  test('with an access point: fstab line (_netdev, tls), mount, docker after remote-fs; idempotent', () => {
    const h = host({ efsUtils: false });
    const env = { MCSIDECAR_EFS_ID: FS, MCSIDECAR_ENVIRONMENT_ID: ENV_ID, MCSIDECAR_EFS_ACCESS_POINT: AP };
    const first = h.run(PREBUILD, env);
    expect(first.code, first.stderr).toBe(0);
    const target = join(h.root, 'mnt/efs/mcsidecar');
    const line = `${FS}:/ ${target} efs _netdev,tls,accesspoint=${AP} 0 0`;
    expect(h.file('etc/fstab')).toBe(`# /etc/fstab\nUUID=abcd / xfs defaults,noatime 1 1\n${line}\n`);
    expect(h.calls()).toEqual([
      'dnf install -y -q amazon-efs-utils',
      `mount ${target}`,
      'systemctl daemon-reload',
    ]);
    expect(h.file('etc/systemd/system/docker.service.d/10-mcsidecar-efs.conf')).toContain(
      'After=remote-fs.target',
    );
    // The containers' fixed path points at this environment's directory on the file system.
    expect(readlinkSync(join(h.root, 'var/lib/mcsidecar/config'))).toBe(join(target, ENV_ID));
    expect(statSync(join(target, ENV_ID)).isDirectory()).toBe(true);
    // Again (the next deployment): nothing changes, nothing is mounted twice.
    const second = h.run(PREBUILD, env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('is already mounted');
    expect(
      h
        .file('etc/fstab')
        .split('\n')
        .filter((l) => l.includes(FS)),
    ).toEqual([line]);
    expect(h.calls()).toHaveLength(3);
  });

  test('without an access point: the root on /mnt/efs with IAM, the config directory owned by 10001', () => {
    const h = host();
    const r = h.run(PREBUILD, {
      MCSIDECAR_EFS_ID: FS,
      MCSIDECAR_ENVIRONMENT_ID: ENV_ID,
      MCSIDECAR_EFS_IAM: 'true',
    });
    expect(r.code, r.stderr).toBe(0);
    const efs = join(h.root, 'mnt/efs');
    expect(h.file('etc/fstab')).toContain(`${FS}:/ ${efs} efs _netdev,tls,iam 0 0\n`);
    expect(h.calls()).toEqual([
      `mount ${efs}`,
      `chown 10001:10001 ${efs}/mcsidecar`,
      `chown 10001:10001 ${efs}/mcsidecar/${ENV_ID}`,
      'systemctl daemon-reload',
    ]);
    expect(statSync(join(efs, 'mcsidecar')).mode & 0o777).toBe(0o755);
  });

  test('new mount targets resolve late: retries, then a clear error', () => {
    const h = host();
    const retried = h.run(
      PREBUILD,
      { MCSIDECAR_EFS_ID: FS, MCSIDECAR_ENVIRONMENT_ID: ENV_ID, MCSIDECAR_EFS_ACCESS_POINT: AP },
      { FAKE_MOUNT_FAILS: '2' },
    );
    expect(retried.code, retried.stderr).toBe(0);
    expect(h.calls().filter((c) => c.startsWith('mount '))).toHaveLength(3);
    expect(retried.stderr).toContain('(attempt 2 of 18); retrying in 0s');

    const g = host();
    const failed = g.run(
      PREBUILD,
      { MCSIDECAR_EFS_ID: FS, MCSIDECAR_ENVIRONMENT_ID: ENV_ID },
      { FAKE_MOUNT_FAILS: '99', MCSIDECAR_MOUNT_ATTEMPTS: '2' },
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`error: cannot mount ${FS} on`);
  });

  test('no file system: a local directory; a malformed ID is refused', () => {
    const h = host();
    const r = h.run(PREBUILD, {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('MCSIDECAR_EFS_ID is not set');
    const local = join(h.root, 'var/lib/mcsidecar/local');
    expect(h.calls()).toEqual([`chown 10001:10001 ${local}`]);
    expect(readlinkSync(join(h.root, 'var/lib/mcsidecar/config'))).toBe(local);
    const bad = h.run(PREBUILD, { MCSIDECAR_EFS_ID: 'my-efs', MCSIDECAR_ENVIRONMENT_ID: ENV_ID });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('MCSIDECAR_EFS_ID=my-efs is not a file system ID');
  });
});

describe('one file system, several environments (blue/green, clones, re-created)', () => {
  test('each environment writes and reads only its own directory', () => {
    const efs = mkdtempSync(join(tmpdir(), 'mcsidecar-shared-efs-'));
    const envOf = (id: string, name: string): Record<string, string> => ({
      MCSIDECAR_EFS_ID: FS,
      MCSIDECAR_EFS_ACCESS_POINT: AP,
      MCSIDECAR_ENVIRONMENT_ID: id,
      MCCONFGEN_EB_ENVIRONMENT_NAME: name,
    });
    const blue = envOf('e-blue000001', 'demo-blue');
    const green = envOf('e-green00002', 'demo-green');
    // Two instances of blue, one of green, all on the same file system.
    const instances = [
      { h: host({ efsRoot: efs }), env: blue },
      { h: host({ efsRoot: efs }), env: blue },
      { h: host({ efsRoot: efs }), env: green },
    ];
    for (const { h, env } of instances)
      for (const hook of [PREBUILD, PREDEPLOY, POSTDEPLOY]) {
        const r = h.run(hook, env);
        expect(r.code, `${hook}: ${r.stderr}`).toBe(0);
      }
    const shared = join(efs, 'mcsidecar');
    expect(readdirSync(shared).sort()).toEqual(['e-blue000001', 'e-green00002']);
    // What each instance's sidecar reads through the fixed path Dockerrun.aws.json mounts.
    const served = instances.map(
      ({ h }) =>
        JSON.parse(readFileSync(join(h.root, 'var/lib/mcsidecar/config/mcrouter.conf'), 'utf8')) as {
          for: string;
        },
    );
    expect(served.map((c) => c.for)).toEqual(['demo-blue', 'demo-blue', 'demo-green']);
    // Every host command that touches the config names the environment's own directory only.
    for (const { h, env } of instances) {
      const own = join(shared, env.MCSIDECAR_ENVIRONMENT_ID ?? '');
      const other = join(
        shared,
        (env === blue ? green.MCSIDECAR_ENVIRONMENT_ID : blue.MCSIDECAR_ENVIRONMENT_ID) ?? '',
      );
      const runs = h.calls().filter((c) => c.startsWith('docker run'));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toContain(`-v ${own}:/usr/local/etc/mcrouter `);
      expect(h.calls().join('\n')).not.toContain(other);
      expect(h.file('etc/mcsidecar/host.env')).toContain(`MCSIDECAR_CONFIG_DIR=${own}\n`);
      expect(readlinkSync(join(h.root, 'var/lib/mcsidecar/config'))).toBe(own);
    }
    // A later deployment of green rewrites green's file only.
    const blueBefore = readFileSync(join(shared, 'e-blue000001/mcrouter.conf'), 'utf8');
    const again = instances[2]?.h.run(PREDEPLOY, {
      ...green,
      MCCONFGEN_EB_ENVIRONMENT_NAME: 'demo-green-v2',
    });
    expect(again?.code, again?.stderr).toBe(0);
    expect(readFileSync(join(shared, 'e-blue000001/mcrouter.conf'), 'utf8')).toBe(blueBefore);
    expect(readFileSync(join(shared, 'e-green00002/mcrouter.conf'), 'utf8')).toContain('demo-green-v2');
  }, 120_000);

  test('a file system without an environment ID (or a malformed one) is refused before anything runs', () => {
    const h = host();
    const missing = h.run(PREBUILD, { MCSIDECAR_EFS_ID: FS });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "MCSIDECAR_ENVIRONMENT_ID is not set: environments sharing the file system would overwrite each other's config",
    );
    const bad = h.run(PREDEPLOY, { MCSIDECAR_EFS_ID: FS, MCSIDECAR_ENVIRONMENT_ID: '../e-other' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('MCSIDECAR_ENVIRONMENT_ID=../e-other is not an environment ID');
    expect(h.calls()).toEqual([]);
  });
});

describe('predeploy: mcconfgen --once before the containers start', () => {
  const ENV = {
    MCCONFGEN_TEMPLATE: 'seed',
    MCCONFGEN_EB_ENVIRONMENT_NAME: 'mcsidecar-demo-env',
    MCCONFGEN_LOCAL: '127.0.0.1:11212',
    MCSIDECAR_EFS_ID: FS,
    MCSIDECAR_ENVIRONMENT_ID: ENV_ID,
    PHP_MEMORY_LIMIT: '256M',
  };

  test('logs in to ECR, pulls the sidecar image of Dockerrun.aws.json and writes the config', () => {
    const h = host();
    const r = h.run(PREDEPLOY, ENV);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(h.root, 'mnt/efs/mcsidecar', ENV_ID);
    const etc = join(h.root, 'etc/mcsidecar');
    const calls = h.calls();
    // `aws ecr get-login-password | docker login …`: the two start together, in either order; the
    // token reaches docker login's stdin.
    expect(calls.slice(0, 2).sort()).toEqual([
      'aws ecr get-login-password --region eu-west-1',
      'docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    ]);
    expect(calls.slice(2)).toEqual([
      'login-stdin TOKEN',
      `docker pull --quiet ${IMAGE}`,
      `docker run --rm --name mcconfgen-once --network host --no-healthcheck --env-file ${etc}/mcconfgen.env ` +
        `-v ${dir}:/usr/local/etc/mcrouter -v ${h.bundle}:/bundle:ro ${IMAGE} ` +
        'mcconfgen --once --output /usr/local/etc/mcrouter/mcrouter.conf',
    ]);
    expect(readFileSync(join(dir, 'mcrouter.conf'), 'utf8')).toContain('fake mcconfgen');
    // Only MCCONFGEN_* reach mcconfgen, sorted; the file is private to root.
    expect(h.file('etc/mcsidecar/mcconfgen.env')).toBe(
      'MCCONFGEN_EB_ENVIRONMENT_NAME=mcsidecar-demo-env\nMCCONFGEN_LOCAL=127.0.0.1:11212\nMCCONFGEN_TEMPLATE=seed\n',
    );
    expect(statSync(join(etc, 'mcconfgen.env')).mode & 0o777).toBe(0o600);
    expect(h.file('etc/mcsidecar/host.env')).toBe(
      `MCSIDECAR_IMAGE=${IMAGE}\nMCSIDECAR_CONFIG_DIR=${dir}\nMCSIDECAR_BUNDLE_DIR=${h.bundle}\n` +
        `MCSIDECAR_CONFGEN_INTERVAL=30\nMCSIDECAR_LOG_DIR=${join(h.root, 'var/log/mcsidecar')}\n`,
    );
  });

  test('a file it cannot write stops the hook (never swallowed as "unchanged")', () => {
    const h = host();
    writeFileSync(join(h.root, 'not-a-dir'), '');
    const r = h.run(PREDEPLOY, ENV, { MCSIDECAR_ETC_DIR: join(h.root, 'not-a-dir/mcsidecar') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: cannot create the directory of ${join(h.root, 'not-a-dir/mcsidecar')}/mcconfgen.env`,
    );
    expect(h.calls()).toEqual([]);
  });

  test('MCSIDECAR_IMAGE overrides the image (no ECR login for another registry)', () => {
    const h = host();
    const r = h.run(PREDEPLOY, { ...ENV, MCSIDECAR_IMAGE: 'ghcr.io/example/mcsidecar:0.1.0' });
    expect(r.code, r.stderr).toBe(0);
    expect(h.calls()[0]).toBe('docker pull --quiet ghcr.io/example/mcsidecar:0.1.0');
  });

  test('a failed run keeps serving an existing config, but stops the first deployment', () => {
    const h = host();
    const first = h.run(PREDEPLOY, ENV, { FAKE_DOCKER_RUN_RC: '3' });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('mcconfgen --once failed and there is no');
    expect(h.run(PREDEPLOY, ENV).code).toBe(0);
    const again = h.run(PREDEPLOY, ENV, { FAKE_DOCKER_RUN_RC: '3' });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('warning: mcconfgen --once failed; the proxies keep serving');
  });
});

describe('postdeploy: the mcconfgen service', () => {
  test('installs the unit (systemd-analyze verify passes), enables and restarts it', () => {
    const h = host();
    const r = h.run(POSTDEPLOY, { MCSIDECAR_CONFGEN_INTERVAL: '20', MCCONFGEN_TEMPLATE: 'coherent' });
    expect(r.code, r.stderr).toBe(0);
    const calls = h.calls();
    expect(calls.slice(-3)).toEqual([
      'systemctl daemon-reload',
      'systemctl enable mcconfgen.service',
      'systemctl restart mcconfgen.service',
    ]);
    expect(calls).toContain(`docker pull --quiet ${IMAGE}`);
    const unit = h.file('etc/systemd/system/mcconfgen.service');
    const etc = join(h.root, 'etc/mcsidecar');
    expect(unit).toContain(`EnvironmentFile=${etc}/host.env`);
    expect(unit).toContain(`--env-file ${etc}/mcconfgen.env`);
    expect(unit).toMatch(/mcconfgen --interval \$\{MCSIDECAR_CONFGEN_INTERVAL\}/);
    // Its log where the log bundles and CloudWatch read it; its metrics on the host's loopback.
    expect(unit).toContain('--volume ${MCSIDECAR_LOG_DIR}:/var/log/mcsidecar');
    expect(unit).toContain('--log-file /var/log/mcsidecar/mcconfgen.log --metrics-port 9151');
    expect(calls).toContain(`chown 10001:10001 ${join(h.root, 'var/log/mcsidecar')}`);
    expect(h.file('etc/mcsidecar/host.env')).toContain('MCSIDECAR_CONFGEN_INTERVAL=20\n');

    // systemd's own parser, with docker pointed at a stub and a stub docker.service.
    const units = join(h.root, 'units');
    mkdirSync(units);
    writeFileSync(join(units, 'docker'), '#!/bin/sh\n');
    chmodSync(join(units, 'docker'), 0o755);
    writeFileSync(
      join(units, 'docker.service'),
      `[Unit]\nDescription=stub\n[Service]\nExecStart=${units}/docker\n`,
    );
    writeFileSync(join(units, 'mcconfgen.service'), unit.replaceAll('/usr/bin/docker', `${units}/docker`));
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(units, 'mcconfgen.service')], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:` },
    });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    // … which does catch a mistake.
    writeFileSync(
      join(units, 'bad.service'),
      unit.replace('Restart=always', 'Restart=sometimes').replace('ExecStart=', 'ExecStrt='),
    );
    const bad = spawnSync('systemd-analyze', ['verify', '--man=no', join(units, 'bad.service')], {
      encoding: 'utf8',
      env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:` },
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("Unknown key 'ExecStrt'");
  });

  test('MCSIDECAR_CONFGEN_INTERVAL=0 removes the service; a bad interval is refused', () => {
    const h = host();
    expect(h.run(POSTDEPLOY, {}).code).toBe(0);
    const off = h.run(POSTDEPLOY, { MCSIDECAR_CONFGEN_INTERVAL: '0' });
    expect(off.code, off.stderr).toBe(0);
    expect(h.calls().slice(-2)).toEqual([
      'systemctl disable --now mcconfgen.service',
      'systemctl daemon-reload',
    ]);
    expect(existsSync(join(h.root, 'etc/systemd/system/mcconfgen.service'))).toBe(false);
    const bad = h.run(POSTDEPLOY, { MCSIDECAR_CONFGEN_INTERVAL: '30s' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('MCSIDECAR_CONFGEN_INTERVAL=30s is not a number of seconds');
  });
});
