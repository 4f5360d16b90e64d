/**
 * Dockerrun.aws.json (EB, ECS on AL2023) and deploy/ecs/task-definition.*.json against the ECS
 * field schema and cross-field rules, plus what the sidecar needs from them.
 */
import { describe, expect, test } from 'vitest';
import { crossCheck, dockerrunV2, taskDefinition, type ContainerDefinition } from './lib/ecs-schema.js';
import { readJson } from './lib/files.js';

function env(c: ContainerDefinition, name: string): string | undefined {
  return c.environment?.find((e) => e.name === name)?.value;
}

/** The sidecar container: the one with MCROUTER_ENABLED. */
function sidecarOf(cs: ContainerDefinition[]): ContainerDefinition {
  const s = cs.filter((c) => env(c, 'MCROUTER_ENABLED') !== undefined);
  expect(s).toHaveLength(1);
  return s[0] as ContainerDefinition;
}

/** The config file is inside a read-only directory mount (never a single-file bind). */
function expectConfigDirectoryMount(sidecar: ContainerDefinition): string {
  const config = env(sidecar, 'MCROUTER_CONFIG') ?? '';
  expect(config).toMatch(/^file:\//);
  const path = config.slice('file:'.length);
  const mount = sidecar.mountPoints?.find((m) => path.startsWith(`${m.containerPath}/`));
  expect(mount, `a mount holding ${path}`).toBeDefined();
  expect(mount?.readOnly).toBe(true);
  expect(path.slice((mount?.containerPath.length ?? 0) + 1)).not.toContain('/');
  return mount?.sourceVolume ?? '';
}

describe('Dockerrun.aws.json', () => {
  const raw = readJson('Dockerrun.aws.json');
  const parsed = dockerrunV2.safeParse(raw);

  test('matches the Dockerrun v2 / ECS container schema', () => {
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  const d = dockerrunV2.parse(raw);
  test('passes the cross-field rules (bridge networking, as EB runs it)', () => {
    expect(crossCheck(d, { beanstalk: true })).toEqual([]);
  });

  test("the seed's application around the sidecar: php-fpm, nginx, haproxy and memcached", () => {
    expect(d.containerDefinitions.map((c) => c.name)).toEqual([
      'engine-1',
      'nginx-proxy',
      'haproxy',
      'memcached',
    ]);
    const app = d.containerDefinitions[0] as ContainerDefinition;
    expect(app.links).toContain('memcached');
    expect(env(app, 'MEMCACHED_SERVERS')).toBe('memcached:11211');
  });

  test('the sidecar: proxy on, memcached -m 1024, both ports published, config directory from EFS', () => {
    const s = sidecarOf(d.containerDefinitions);
    expect(s.essential).toBe(true);
    expect(env(s, 'MCROUTER_ENABLED')).toBe('yes');
    expect(s.command).toEqual(['-m', '1024']);
    expect(s.memoryReservation).toBeGreaterThan(1024);
    expect(s.portMappings).toEqual([
      { hostPort: 11211, containerPort: 11211 },
      { hostPort: 11212, containerPort: 11212 },
    ]);
    const volume = expectConfigDirectoryMount(s);
    // The host directory the platform hooks mount EFS on and chown for the confgen container.
    expect(d.volumes?.find((v) => v.name === volume)?.host?.sourcePath).toBe('/mnt/efs/mcsidecar');
  });
});

describe.each(['bridge', 'awsvpc'])('deploy/ecs/task-definition.%s.json', (mode) => {
  const raw = readJson(`deploy/ecs/task-definition.${mode}.json`);

  test('matches the ECS task-definition schema', () => {
    expect(taskDefinition.safeParse(raw).error?.issues ?? []).toEqual([]);
  });

  const t = taskDefinition.parse(raw);
  test('passes the cross-field rules', () => {
    expect(t.networkMode).toBe(mode);
    expect(crossCheck(t, { beanstalk: false })).toEqual([]);
  });

  test('confgen writes the config before the sidecar starts, then keeps it current', () => {
    const byName = new Map(t.containerDefinitions.map((c) => [c.name, c]));
    const sidecar = sidecarOf(t.containerDefinitions);
    const volume = expectConfigDirectoryMount(sidecar);
    const configPath = (env(sidecar, 'MCROUTER_CONFIG') ?? '').slice('file:'.length);
    expect(sidecar.dependsOn).toContainEqual({ containerName: 'mcconfgen-init', condition: 'SUCCESS' });
    expect(sidecar.healthCheck?.command).toEqual(['CMD', '/app/docker/entrypoint', 'healthcheck']);
    for (const [name, mode] of [
      ['mcconfgen-init', '--once'],
      ['mcconfgen', '--interval'],
    ] as const) {
      const c = byName.get(name);
      expect(c?.essential).toBe(false);
      expect(c?.image).toBe(sidecar.image);
      expect(c?.command?.slice(0, 2)).toContain(mode);
      expect(c?.command?.[0]).toBe('mcconfgen');
      const out = c?.command?.[c.command.indexOf('--output') + 1];
      expect(out).toBe(configPath);
      expect(c?.mountPoints).toContainEqual({
        sourceVolume: volume,
        containerPath: configPath.slice(0, configPath.lastIndexOf('/')),
        readOnly: false,
      });
      expect(env(c as ContainerDefinition, 'MCCONFGEN_LOCAL')).toBe('127.0.0.1:11212');
    }
    const app = byName.get('app');
    expect(app?.dependsOn).toContainEqual({ containerName: sidecar.name, condition: 'HEALTHY' });
    // bridge: the app reaches the sidecar through a link; awsvpc: the task shares one localhost.
    if (mode === 'bridge') {
      expect(app?.links).toEqual([`${sidecar.name}:memcached`]);
      expect(env(app as ContainerDefinition, 'MEMCACHED_SERVERS')).toBe('memcached:11211');
    } else {
      expect(app?.links).toBeUndefined();
      expect(env(app as ContainerDefinition, 'MEMCACHED_SERVERS')).toBe('127.0.0.1:11211');
    }
  });
});

describe('the schema and rules reject what ECS rejects', () => {
  const base = dockerrunV2.parse(readJson('Dockerrun.aws.json'));
  const clone = (): typeof base => structuredClone(base);

  test('a misspelled field and a wrong type', () => {
    const d = clone() as unknown as { containerDefinitions: Record<string, unknown>[] };
    (d.containerDefinitions[0] as Record<string, unknown>).portMapping = [];
    (d.containerDefinitions[1] as Record<string, unknown>).essential = 'true'; // the seed's string
    const issues = dockerrunV2.safeParse(d).error?.issues.map((i) => `${i.path.join('.')}: ${i.code}`) ?? [];
    expect(issues).toContain('containerDefinitions.0: unrecognized_keys');
    expect(issues).toContain('containerDefinitions.1.essential: invalid_type');
  });

  test('duplicate names, a dangling link and mount, no essential container, a host port twice', () => {
    const d = clone();
    const [a, b, c, s] = d.containerDefinitions as [
      ContainerDefinition,
      ContainerDefinition,
      ContainerDefinition,
      ContainerDefinition,
    ];
    d.containerDefinitions = [
      { ...a, links: ['haproxy', 'memcache'], essential: false },
      { ...b, name: 'haproxy', essential: false },
      { ...c, essential: false, portMappings: [{ hostPort: 11211, containerPort: 80 }] },
      {
        ...s,
        essential: false,
        mountPoints: [{ sourceVolume: 'cache-conf', containerPath: '/etc/mcrouter' }],
      },
    ];
    expect(crossCheck(d, { beanstalk: true })).toEqual([
      'container name haproxy is used twice',
      'no essential container',
      'engine-1: link memcache names no container',
      'memcached: mount cache-conf names no volume',
      'memcached: host port tcp/11211 is already mapped by haproxy',
    ]);
  });

  test('awsvpc: no links, host port = container port; FARGATE needs cpu and memory; HEALTHY needs a healthCheck', () => {
    const t = taskDefinition.parse(readJson('deploy/ecs/task-definition.awsvpc.json'));
    const app = t.containerDefinitions.find((c) => c.name === 'app') as ContainerDefinition;
    app.links = ['mcsidecar'];
    app.portMappings = [{ containerPort: 8080, hostPort: 80 }];
    const sidecar = t.containerDefinitions.find((c) => c.name === 'mcsidecar') as ContainerDefinition;
    delete sidecar.healthCheck;
    delete t.cpu;
    expect(crossCheck(t, { beanstalk: false })).toEqual([
      'app: links are only supported with bridge networking',
      'app: dependsOn mcsidecar HEALTHY, but it has no healthCheck',
      'app: awsvpc needs hostPort = containerPort (8080)',
      'FARGATE needs task cpu and memory',
    ]);
  });

  test('an access point with a rootDirectory is refused', () => {
    const t = readJson('deploy/ecs/task-definition.awsvpc.json') as {
      volumes: { efsVolumeConfiguration: Record<string, unknown> }[];
    };
    (
      t.volumes[0] as { efsVolumeConfiguration: Record<string, unknown> }
    ).efsVolumeConfiguration.rootDirectory = '/mcsidecar';
    expect(taskDefinition.safeParse(t).error?.issues[0]?.message).toBe(
      'with an access point, rootDirectory is omitted or "/" and transitEncryption is ENABLED',
    );
  });
});
