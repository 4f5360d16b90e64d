/**
 * Dockerrun.aws.json (EB, ECS on AL2023) and deploy/ecs/task-definition.*.json against the ECS
 * field schema and cross-field rules, plus what the sidecar needs from them.
 */
import { describe, expect, test } from 'vitest';
import { crossCheck, dockerrunV2, taskDefinition, type ContainerDefinition } from './lib/ecs-schema.js';
import { checkRegisterTaskDefinition } from './lib/ecs-model.js';
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

  test('matches the ECS API model (RegisterTaskDefinition, from @aws-sdk/client-ecs)', () => {
    expect(checkRegisterTaskDefinition(raw, ['containerDefinitions', 'volumes'])).toEqual([]);
  });

  test('the demo around the sidecar: public nginx and a Node page, each with a memory limit', () => {
    expect(d.containerDefinitions.map((c) => c.name)).toEqual(['mcsidecar', 'app', 'nginx']);
    const [, app, nginx] = d.containerDefinitions as [
      ContainerDefinition,
      ContainerDefinition,
      ContainerDefinition,
    ];
    expect(app.links).toEqual(['mcsidecar']);
    expect(env(app, 'MEMCACHED_HOST')).toBe('mcsidecar');
    expect(nginx.portMappings).toEqual([{ hostPort: 80, containerPort: 80 }]);
    for (const c of d.containerDefinitions) {
      expect(c.memory, c.name).toBeDefined();
      expect(c.memoryReservation, c.name).toBeDefined();
    }
  });

  test('the sidecar: proxy on, memcached -m 256 within its limit, metrics on, the environment config directory', () => {
    const s = sidecarOf(d.containerDefinitions);
    expect(s.essential).toBe(true);
    expect(env(s, 'MCROUTER_ENABLED')).toBe('yes');
    expect(s.command).toEqual(['-m', '256']);
    // docs/deploy/beanstalk.md, "Sizing": 1.1 × -m + ~200 MiB for the two Node processes.
    expect(s.memory).toBeGreaterThanOrEqual(Math.ceil(256 * 1.1) + 200);
    expect(env(s, 'MCROUTER_ARGS')).toBe('--metrics-port 9150 --metrics-address 0.0.0.0');
    expect(s.portMappings).toEqual([
      { hostPort: 11211, containerPort: 11211 },
      { hostPort: 11212, containerPort: 11212 },
      { hostPort: 9150, containerPort: 9150 },
    ]);
    const volume = expectConfigDirectoryMount(s);
    // The fixed path the prebuild hook points at this environment's directory.
    expect(d.volumes?.find((v) => v.name === volume)?.host?.sourcePath).toBe('/var/lib/mcsidecar/config');
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

  test('matches the ECS API model (RegisterTaskDefinition, from @aws-sdk/client-ecs)', () => {
    expect(checkRegisterTaskDefinition(raw)).toEqual([]);
  });

  test('logs: the group is created on first use; mcconfgen restarts in place; metrics on loopback', () => {
    for (const c of t.containerDefinitions)
      expect(c.logConfiguration?.options?.['awslogs-create-group'], c.name).toBe('true');
    const byName = new Map(t.containerDefinitions.map((c) => [c.name, c]));
    expect(byName.get('mcconfgen')?.restartPolicy).toEqual({ enabled: true, restartAttemptPeriod: 60 });
    expect(byName.get('mcconfgen')?.command?.join(' ')).toContain('--metrics-port 9151');
    expect(env(byName.get('mcsidecar') as ContainerDefinition, 'MCROUTER_ARGS')).toBe('--metrics-port 9150');
    expect(byName.get('mcsidecar')?.memory).toBeGreaterThanOrEqual(Math.ceil(1024 * 1.1) + 200);
  });

  test('confgen writes the config before the sidecar starts, then keeps it current', () => {
    const byName = new Map(t.containerDefinitions.map((c) => [c.name, c]));
    const sidecar = sidecarOf(t.containerDefinitions);
    const volume = expectConfigDirectoryMount(sidecar);
    const configPath = (env(sidecar, 'MCROUTER_CONFIG') ?? '').slice('file:'.length);
    expect(sidecar.dependsOn).toContainEqual({ containerName: 'mcconfgen-init', condition: 'SUCCESS' });
    expect(sidecar.healthCheck?.command).toEqual(['CMD', '/app/docker/healthcheck']);
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
    const [s, a, n] = d.containerDefinitions as [
      ContainerDefinition,
      ContainerDefinition,
      ContainerDefinition,
    ];
    d.containerDefinitions = [
      {
        ...s,
        essential: false,
        mountPoints: [{ sourceVolume: 'cache-conf', containerPath: '/etc/mcrouter' }],
      },
      { ...a, name: 'nginx', essential: false, links: ['mcsidecar', 'memcache'] },
      { ...n, essential: false, portMappings: [{ hostPort: 11211, containerPort: 80 }] },
    ];
    expect(crossCheck(d, { beanstalk: true })).toEqual([
      'container name nginx is used twice',
      'no essential container',
      'mcsidecar: mount cache-conf names no volume',
      'nginx: link memcache names no container',
      'nginx: link app names no container',
      'nginx: host port tcp/11211 is already mapped by mcsidecar',
    ]);
  });

  test('the ECS API model catches an unknown member, a wrong kind and a missing required member', () => {
    const t = readJson('deploy/ecs/task-definition.bridge.json') as {
      containerDefinitions: Record<string, unknown>[];
      volumes: Record<string, unknown>[];
    };
    const c = t.containerDefinitions[1] as Record<string, unknown>;
    c.restartPolicy = { enable: true };
    c.memoryReservation = '1280';
    (t.volumes[0] as Record<string, unknown>).efsVolumeConfiguration = { rootDirectory: '/' };
    expect(checkRegisterTaskDefinition(t)).toEqual([
      'volumes[0].efsVolumeConfiguration: EFSVolumeConfiguration needs fileSystemId',
      'containerDefinitions[1].memoryReservation: expected a number, got a string',
      'containerDefinitions[1].restartPolicy.enable: ContainerRestartPolicy has no member enable',
      'containerDefinitions[1].restartPolicy: ContainerRestartPolicy needs enabled',
    ]);
    const run = readJson('Dockerrun.aws.json') as { containerDefinitions: Record<string, unknown>[] };
    (run.containerDefinitions[0] as Record<string, unknown>).essential = 'true';
    expect(checkRegisterTaskDefinition(run, ['containerDefinitions', 'volumes'])).toEqual([
      'containerDefinitions[0].essential: expected a boolean, got a string',
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
