/**
 * zod schemas of the Kubernetes fields deploy/eks uses (apps/v1 Deployment, v1 Service and
 * ConfigMap, kustomize's Kustomization), strict so a misspelled key is an error as
 * `kubectl apply --validate=strict` would make it, and `crossCheckPod` for the references the API
 * server checks only at run time (volumes, ports, configMaps).
 */
import { z } from 'zod';

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a DNS-1123 label');
const labels = z.record(z.string(), z.string());
const metadata = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.optional(),
  labels: labels.optional(),
  annotations: labels.optional(),
});

const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|k|M|G)?$/), z.number()]);
const resources = z.strictObject({
  requests: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
  limits: z.partialRecord(z.enum(['cpu', 'memory', 'ephemeral-storage']), quantity).optional(),
});

const probe = z.strictObject({
  exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
  tcpSocket: z.strictObject({ port: z.union([z.number(), z.string()]) }).optional(),
  initialDelaySeconds: z.number().int().min(0).optional(),
  periodSeconds: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  failureThreshold: z.number().int().min(1).optional(),
  successThreshold: z.number().int().min(1).optional(),
});

const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  // Only "Always", and only on init containers: that is what makes a native sidecar.
  restartPolicy: z.literal('Always').optional(),
  env: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        value: z.string().optional(),
        valueFrom: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  envFrom: z
    .array(
      z.strictObject({
        configMapRef: z.strictObject({ name: dnsLabel }).optional(),
        prefix: z.string().optional(),
      }),
    )
    .optional(),
  ports: z
    .array(
      z.strictObject({
        name: z.string().max(15).optional(),
        containerPort: z.number().int().min(1).max(65535),
        protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
      }),
    )
    .optional(),
  volumeMounts: z
    .array(
      z.strictObject({
        name: dnsLabel,
        mountPath: z.string().startsWith('/'),
        readOnly: z.boolean().optional(),
      }),
    )
    .optional(),
  startupProbe: probe.optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  resources: resources.optional(),
  securityContext: z
    .strictObject({
      allowPrivilegeEscalation: z.boolean().optional(),
      readOnlyRootFilesystem: z.boolean().optional(),
      runAsNonRoot: z.boolean().optional(),
      capabilities: z
        .strictObject({ drop: z.array(z.string()).optional(), add: z.array(z.string()).optional() })
        .optional(),
    })
    .optional(),
});
export type Container = z.infer<typeof container>;

const volume = z.strictObject({
  name: dnsLabel,
  emptyDir: z
    .strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: quantity.optional() })
    .optional(),
  configMap: z.strictObject({ name: dnsLabel }).optional(),
});

const podSpec = z.strictObject({
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
  serviceAccountName: dnsLabel.optional(),
  securityContext: z
    .strictObject({
      runAsNonRoot: z.boolean().optional(),
      runAsUser: z.number().int().optional(),
      runAsGroup: z.number().int().optional(),
      fsGroup: z.number().int().optional(),
      seccompProfile: z
        .strictObject({ type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']) })
        .optional(),
    })
    .optional(),
  volumes: z.array(volume).optional(),
  initContainers: z.array(container).optional(),
  containers: z
    .array(container.refine((c) => c.restartPolicy === undefined, 'restartPolicy is for init containers'))
    .min(1),
});
export type PodSpec = z.infer<typeof podSpec>;

export const deployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata,
  spec: z.strictObject({
    replicas: z.number().int().min(0).optional(),
    selector: z.strictObject({ matchLabels: labels }),
    template: z.strictObject({ metadata: z.strictObject({ labels }), spec: podSpec }),
  }),
});
export type Deployment = z.infer<typeof deployment>;

export const service = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata,
  spec: z.strictObject({
    clusterIP: z.string().optional(),
    publishNotReadyAddresses: z.boolean().optional(),
    selector: labels,
    ports: z
      .array(
        z.strictObject({
          name: z.string().optional(),
          port: z.number().int().min(1).max(65535),
          targetPort: z.union([z.number(), z.string()]).optional(),
          protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
        }),
      )
      .min(1),
  }),
});
export type Service = z.infer<typeof service>;

export const configMap = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata,
  data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/), z.string()),
});
export type ConfigMap = z.infer<typeof configMap>;

export const kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: dnsLabel.optional(),
  resources: z.array(z.string()).min(1),
  images: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        newName: z.string().min(1).optional(),
        newTag: z.string().min(1).optional(),
        digest: z.string().startsWith('sha256:').optional(),
      }),
    )
    .optional(),
});

/**
 * Run-time references in a pod, as messages (empty = valid): container names unique across init
 * and app containers; volume mounts name pod volumes; `envFrom` names a ConfigMap of the set;
 * the Deployment's selector matches its template; each Service selects the template and its
 * named target ports exist in the pod.
 */
export function crossCheckPod(d: Deployment, services: Service[], configMaps: ConfigMap[]): string[] {
  const problems: string[] = [];
  const spec = d.spec.template.spec;
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const names = new Set<string>();
  for (const c of all) {
    if (names.has(c.name)) problems.push(`container name ${c.name} is used twice`);
    names.add(c.name);
  }
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  const cms = new Set(configMaps.map((c) => c.metadata.name));
  const portNames = new Set(
    all.flatMap((c) => (c.ports ?? []).map((p) => p.name)).filter((n) => n !== undefined),
  );
  for (const c of all) {
    for (const m of c.volumeMounts ?? [])
      if (!volumes.has(m.name)) problems.push(`${c.name}: volume ${m.name} is not declared`);
    for (const e of c.envFrom ?? [])
      if (e.configMapRef !== undefined && !cms.has(e.configMapRef.name))
        problems.push(`${c.name}: configMap ${e.configMapRef.name} is not in the set`);
  }
  const tmpl = d.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels))
    if (tmpl[k] !== v) problems.push(`deployment selector ${k}=${v} does not match the template`);
  for (const s of services) {
    for (const [k, v] of Object.entries(s.spec.selector))
      if (tmpl[k] !== v)
        problems.push(`service ${s.metadata.name} selector ${k}=${v} selects no pod of ${d.metadata.name}`);
    for (const p of s.spec.ports)
      if (typeof p.targetPort === 'string' && !portNames.has(p.targetPort))
        problems.push(`service ${s.metadata.name} targetPort ${p.targetPort} is no container port name`);
  }
  return problems;
}
