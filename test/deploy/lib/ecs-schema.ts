/**
 * zod schemas of the ECS task-definition fields we use (and EB's Dockerrun.aws.json v2, which EB
 * turns into one), after the ECS developer guide's "Task definition parameters" and EB's
 * "Dockerrun.aws.json v2" page. Objects are strict, so a misspelled key (`portMapping`) is an
 * error, as ECS's RegisterTaskDefinition would make it. Cross-field rules (names unique, links
 * and mounts resolve, an essential container, ports) are in `crossCheck`.
 */
import { z } from 'zod';

const containerName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, _ and - (1-255)');
const port = z.number().int().min(0).max(65535);
const mib = z.number().int().positive();

const keyValue = z.strictObject({ name: z.string().min(1), value: z.string() });

const portMapping = z.strictObject({
  containerPort: port.min(1),
  hostPort: port.optional(),
  protocol: z.enum(['tcp', 'udp']).optional(),
  name: z.string().optional(),
});

const mountPoint = z.strictObject({
  sourceVolume: z.string().min(1),
  containerPath: z.string().startsWith('/'),
  readOnly: z.boolean().optional(),
});

/** ECS: command[0] is CMD or CMD-SHELL; interval 5-300 s, timeout 2-60 s, retries 1-10, startPeriod 0-300 s. */
const healthCheck = z.strictObject({
  command: z
    .array(z.string())
    .min(2)
    .refine((c) => c[0] === 'CMD' || c[0] === 'CMD-SHELL', 'starts with CMD or CMD-SHELL'),
  interval: z.number().int().min(5).max(300).optional(),
  timeout: z.number().int().min(2).max(60).optional(),
  retries: z.number().int().min(1).max(10).optional(),
  startPeriod: z.number().int().min(0).max(300).optional(),
});

const logConfiguration = z.strictObject({
  logDriver: z.enum([
    'awslogs',
    'fluentd',
    'gelf',
    'json-file',
    'journald',
    'logentries',
    'splunk',
    'syslog',
    'awsfirelens',
  ]),
  options: z.record(z.string(), z.string()).optional(),
});

/** A container definition (the subset of ECS's fields we use, each with ECS's type). */
export const containerDefinition = z.strictObject({
  name: containerName,
  image: z.string().min(1),
  essential: z.boolean().optional(),
  memory: mib.optional(),
  memoryReservation: mib.optional(),
  cpu: z.number().int().min(0).optional(),
  command: z.array(z.string()).optional(),
  entryPoint: z.array(z.string()).optional(),
  environment: z.array(keyValue).optional(),
  portMappings: z.array(portMapping).optional(),
  mountPoints: z.array(mountPoint).optional(),
  volumesFrom: z
    .array(z.strictObject({ sourceContainer: z.string(), readOnly: z.boolean().optional() }))
    .optional(),
  links: z.array(z.string().regex(/^[A-Za-z0-9_-]+(:[A-Za-z0-9_.-]+)?$/, 'name or name:alias')).optional(),
  healthCheck: healthCheck.optional(),
  dependsOn: z
    .array(
      z.strictObject({
        containerName,
        condition: z.enum(['START', 'COMPLETE', 'SUCCESS', 'HEALTHY']),
      }),
    )
    .optional(),
  stopTimeout: z.number().int().min(1).max(120).optional(),
  // ECS: restart the container in place; restartAttemptPeriod 60-1800 s.
  restartPolicy: z
    .strictObject({
      enabled: z.boolean(),
      ignoredExitCodes: z.array(z.number().int()).max(50).optional(),
      restartAttemptPeriod: z.number().int().min(60).max(1800).optional(),
    })
    .optional(),
  logConfiguration: logConfiguration.optional(),
  workingDirectory: z.string().optional(),
  user: z.string().optional(),
  dockerLabels: z.record(z.string(), z.string()).optional(),
  ulimits: z
    .array(z.strictObject({ name: z.string(), softLimit: z.number().int(), hardLimit: z.number().int() }))
    .optional(),
});
export type ContainerDefinition = z.infer<typeof containerDefinition>;

const hostVolume = z.strictObject({
  name: z.string().min(1),
  host: z.strictObject({ sourcePath: z.string().startsWith('/') }).optional(),
});

const efsVolumeConfiguration = z
  .strictObject({
    fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,40}$/),
    rootDirectory: z.string().startsWith('/').optional(),
    transitEncryption: z.enum(['ENABLED', 'DISABLED']).optional(),
    transitEncryptionPort: port.optional(),
    authorizationConfig: z
      .strictObject({
        accessPointId: z
          .string()
          .regex(/^fsap-[0-9a-f]{8,40}$/)
          .optional(),
        iam: z.enum(['ENABLED', 'DISABLED']).optional(),
      })
      .optional(),
  })
  // ECS: with an access point, rootDirectory is omitted or "/" and transit encryption is on;
  // IAM authorization needs transit encryption too.
  .refine(
    (e) =>
      e.authorizationConfig?.accessPointId === undefined ||
      ((e.rootDirectory === undefined || e.rootDirectory === '/') && e.transitEncryption === 'ENABLED'),
    'with an access point, rootDirectory is omitted or "/" and transitEncryption is ENABLED',
  )
  .refine(
    (e) => e.authorizationConfig?.iam !== 'ENABLED' || e.transitEncryption === 'ENABLED',
    'IAM authorization needs transitEncryption ENABLED',
  );

/** A task volume: a host path, an EFS file system, or neither (a Docker-managed scratch volume). */
const taskVolume = z
  .strictObject({
    name: z.string().min(1),
    host: z.strictObject({ sourcePath: z.string().startsWith('/') }).optional(),
    efsVolumeConfiguration: efsVolumeConfiguration.optional(),
  })
  .refine(
    (v) => v.host === undefined || v.efsVolumeConfiguration === undefined,
    'host or efsVolumeConfiguration, not both',
  );

/** An ECS task definition (RegisterTaskDefinition input) as we ship them. */
export const taskDefinition = z.strictObject({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
  networkMode: z.enum(['bridge', 'awsvpc', 'host', 'none']).optional(),
  requiresCompatibilities: z.array(z.enum(['EC2', 'FARGATE', 'EXTERNAL'])).optional(),
  cpu: z.string().regex(/^\d+$/).optional(),
  memory: z.string().regex(/^\d+$/).optional(),
  executionRoleArn: z.string().startsWith('arn:aws').optional(),
  taskRoleArn: z.string().startsWith('arn:aws').optional(),
  volumes: z.array(taskVolume).optional(),
  containerDefinitions: z.array(containerDefinition).min(1),
});
export type TaskDefinition = z.infer<typeof taskDefinition>;

/** EB's Dockerrun.aws.json v2: host volumes only (EB documents no EFS volume type). */
export const dockerrunV2 = z.strictObject({
  AWSEBDockerrunVersion: z.literal(2),
  executionRoleArn: z.string().startsWith('arn:aws').optional(),
  authentication: z.strictObject({ bucket: z.string(), key: z.string() }).optional(),
  volumes: z.array(hostVolume).optional(),
  containerDefinitions: z.array(containerDefinition).min(1),
});
export type DockerrunV2 = z.infer<typeof dockerrunV2>;

/**
 * The rules ECS (and EB) apply across fields, as messages (empty = valid):
 * - container names unique; at least one essential container (`essential` defaults to true);
 * - `links` name existing containers (bridge networking only), never the container itself;
 * - `mountPoints` name a declared volume (on EB also `awseb-logs-<this container>`);
 * - `volumesFrom` / `dependsOn` name existing containers; `HEALTHY` needs that container's healthCheck;
 * - every container has `memory` or `memoryReservation` unless the task sets `memory`;
 *   `memory` ≥ `memoryReservation`; the reservations fit in the task memory;
 * - a host port is used once per task; awsvpc: host port = container port (or omitted);
 * - FARGATE: awsvpc, task cpu and memory set, no host volumes;
 * - environment names unique per container.
 */
export function crossCheck(
  def: {
    containerDefinitions: ContainerDefinition[];
    volumes?: { name: string; host?: unknown }[] | undefined;
  } & Partial<Pick<TaskDefinition, 'networkMode' | 'requiresCompatibilities' | 'memory' | 'cpu'>>,
  opts: { beanstalk: boolean },
): string[] {
  const problems: string[] = [];
  const cs = def.containerDefinitions;
  const names = new Set<string>();
  for (const c of cs) {
    if (names.has(c.name)) problems.push(`container name ${c.name} is used twice`);
    names.add(c.name);
  }
  if (!cs.some((c) => c.essential !== false)) problems.push('no essential container');
  const volumes = new Set((def.volumes ?? []).map((v) => v.name));
  const mode = opts.beanstalk ? 'bridge' : (def.networkMode ?? 'bridge');
  const hostPorts = new Map<string, string>();
  const taskMemory = def.memory === undefined ? undefined : Number(def.memory);
  let reserved = 0;
  for (const c of cs) {
    const at = `${c.name}:`;
    for (const l of c.links ?? []) {
      const target = l.split(':')[0] ?? '';
      if (mode !== 'bridge') problems.push(`${at} links are only supported with bridge networking`);
      if (!names.has(target)) problems.push(`${at} link ${l} names no container`);
      if (target === c.name) problems.push(`${at} links to itself`);
    }
    for (const m of c.mountPoints ?? []) {
      const ebLogs = opts.beanstalk && m.sourceVolume === `awseb-logs-${c.name}`;
      if (!volumes.has(m.sourceVolume) && !ebLogs)
        problems.push(`${at} mount ${m.sourceVolume} names no volume`);
    }
    for (const v of c.volumesFrom ?? [])
      if (!names.has(v.sourceContainer))
        problems.push(`${at} volumesFrom ${v.sourceContainer} names no container`);
    for (const d of c.dependsOn ?? []) {
      const dep = cs.find((x) => x.name === d.containerName);
      if (dep === undefined) problems.push(`${at} dependsOn ${d.containerName} names no container`);
      else if (d.condition === 'HEALTHY' && dep.healthCheck === undefined)
        problems.push(`${at} dependsOn ${d.containerName} HEALTHY, but it has no healthCheck`);
      else if ((d.condition === 'SUCCESS' || d.condition === 'COMPLETE') && dep.essential !== false)
        problems.push(
          `${at} dependsOn ${d.containerName} ${d.condition}: that container must not be essential`,
        );
    }
    if (c.memory === undefined && c.memoryReservation === undefined && taskMemory === undefined)
      problems.push(`${at} needs memory or memoryReservation`);
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memory < c.memoryReservation)
      problems.push(`${at} memory is below memoryReservation`);
    reserved += c.memoryReservation ?? c.memory ?? 0;
    const envNames = new Set<string>();
    for (const e of c.environment ?? []) {
      if (envNames.has(e.name)) problems.push(`${at} environment ${e.name} is set twice`);
      envNames.add(e.name);
    }
    for (const p of c.portMappings ?? []) {
      const hostPort = p.hostPort ?? (mode === 'awsvpc' ? p.containerPort : 0);
      if (mode === 'awsvpc' && hostPort !== p.containerPort)
        problems.push(`${at} awsvpc needs hostPort = containerPort (${p.containerPort})`);
      if (hostPort === 0) continue;
      const key = `${p.protocol ?? 'tcp'}/${hostPort}`;
      const other = hostPorts.get(key);
      if (other !== undefined) problems.push(`${at} host port ${key} is already mapped by ${other}`);
      hostPorts.set(key, c.name);
    }
  }
  if (taskMemory !== undefined && reserved > taskMemory)
    problems.push(`the containers reserve ${reserved} MiB, more than the task's ${taskMemory} MiB`);
  if (def.requiresCompatibilities?.includes('FARGATE') === true) {
    if (mode !== 'awsvpc') problems.push('FARGATE needs networkMode awsvpc');
    if (def.cpu === undefined || def.memory === undefined) problems.push('FARGATE needs task cpu and memory');
    if ((def.volumes ?? []).some((v) => v.host !== undefined)) problems.push('FARGATE has no host volumes');
  }
  return problems;
}
