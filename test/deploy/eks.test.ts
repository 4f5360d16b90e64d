/** deploy/eks: the pod with native sidecars, the headless peers Service and confgen's settings. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { readYaml } from './lib/files.js';
import { openApiProblems } from './lib/k8s-models.js';
import {
  configMap,
  crossCheckPod,
  deployment,
  kustomization,
  service,
  type Container,
  type Deployment,
} from './lib/k8s-schema.js';

function one(rel: string): unknown {
  const docs = readYaml(rel);
  expect(docs).toHaveLength(1);
  return docs[0];
}

const k = kustomization.parse(one('deploy/eks/kustomization.yaml'));
const d = deployment.parse(one('deploy/eks/app-deployment.yaml'));
const svc = service.parse(one('deploy/eks/peers-service.yaml'));
const cm = configMap.parse(one('deploy/eks/mcconfgen-configmap.yaml'));

describe('deploy/eks', () => {
  test('the kustomization lists every manifest, and each exists', () => {
    expect([...k.resources].sort()).toEqual([
      'app-deployment.yaml',
      'mcconfgen-configmap.yaml',
      'namespace.yaml',
      'network-policy.yaml',
      'peers-service.yaml',
      'pod-disruption-budget.yaml',
    ]);
    for (const r of k.resources) expect(existsSync(join(REPO_ROOT, 'deploy/eks', r)), r).toBe(true);
  });

  test('every manifest matches the Kubernetes OpenAPI schema (kubernetes-models)', () => {
    for (const r of k.resources) expect(openApiProblems(one(`deploy/eks/${r}`)), r).toEqual([]);
  });

  test('namespace and images come from the kustomization, not the manifests', () => {
    expect(k.namespace).toBe('mcsidecar');
    expect(one('deploy/eks/namespace.yaml')).toMatchObject({ metadata: { name: k.namespace } });
    const images = [...init, ...spec.containers].map((c) => c.image);
    expect(new Set(images)).toEqual(new Set(['mcsidecar', 'app']));
    expect(k.images?.map((i) => i.name).sort()).toEqual(['app', 'mcsidecar']);
    for (const r of k.resources)
      expect(
        (one(`deploy/eks/${r}`) as { metadata: { namespace?: string } }).metadata.namespace,
        r,
      ).toBeUndefined();
  });

  test('memory limits: the sidecar fits memcached -m plus two Node processes; PDB and NetworkPolicy select the pods', () => {
    const s = byName.get('mcsidecar') as Container;
    const m = Number(s.args?.[s.args.indexOf('-m') + 1]);
    expect(s.resources?.limits?.memory).toBe('512Mi');
    expect(512).toBeGreaterThanOrEqual(Math.ceil(m * 1.1) + 200);
    for (const c of [...init, ...spec.containers]) expect(c.resources?.limits?.memory, c.name).toBeDefined();
    const pdb = one('deploy/eks/pod-disruption-budget.yaml') as {
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
    const np = one('deploy/eks/network-policy.yaml') as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        ingress: {
          from?: { podSelector: { matchLabels: Record<string, string> } }[];
          ports: { port: number }[];
        }[];
      };
    };
    expect(np.spec.podSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    // memcached and the proxy: only from the application's own pods (the peers).
    const cache = np.spec.ingress.find((r) => r.ports.some((p) => p.port === 11212));
    expect(cache?.ports.map((p) => p.port)).toEqual([11211, 11212]);
    expect(cache?.from).toEqual([{ podSelector: { matchLabels: d.spec.selector.matchLabels } }]);
    expect(
      np.spec.ingress.filter((r) => r.from === undefined).flatMap((r) => r.ports.map((p) => p.port)),
    ).toEqual([8080]);
  });

  test('references resolve: volumes, the configMap, selectors, named ports', () => {
    expect(crossCheckPod(d, [svc], [cm])).toEqual([]);
  });

  const spec = d.spec.template.spec;
  const init = spec.initContainers ?? [];
  const byName = new Map<string, Container>([...init, ...spec.containers].map((c) => [c.name, c]));

  test('order: confgen once (plain init), then the sidecar and confgen as native sidecars, then the app', () => {
    expect(init.map((c) => [c.name, c.restartPolicy ?? 'init'])).toEqual([
      ['mcconfgen-init', 'init'],
      ['mcsidecar', 'Always'],
      ['mcconfgen', 'Always'],
    ]);
    expect(spec.containers.map((c) => c.name)).toEqual(['app']);
  });

  test('the sidecar: proxy on, probes through the entrypoint healthcheck, config directory read-only', () => {
    const s = byName.get('mcsidecar') as Container;
    expect(s.env).toContainEqual({ name: 'MCROUTER_ENABLED', value: 'yes' });
    expect(s.env).toContainEqual({
      name: 'MCROUTER_CONFIG',
      value: 'file:/usr/local/etc/mcrouter/mcrouter.conf',
    });
    expect(s.ports?.map((p) => p.containerPort)).toEqual([11211, 11212]);
    // A native sidecar with a startupProbe holds the app back until it passes.
    expect(s.startupProbe?.exec?.command).toEqual(['/app/docker/healthcheck']);
    expect(s.livenessProbe?.exec?.command).toEqual(['/app/docker/healthcheck']);
    expect(s.env).toContainEqual({ name: 'MCROUTER_ARGS', value: '--metrics-port 9150' });
    expect(s.volumeMounts).toContainEqual({
      name: 'mcrouter-config',
      mountPath: '/usr/local/etc/mcrouter',
      readOnly: true,
    });
    for (const c of ['mcconfgen-init', 'mcconfgen']) {
      const g = byName.get(c) as Container;
      expect(g.image).toBe(s.image);
      expect(g.args?.[0]).toBe('mcconfgen');
      expect(g.args?.slice(g.args.indexOf('--output'), g.args.indexOf('--output') + 2)).toEqual([
        '--output',
        '/usr/local/etc/mcrouter/mcrouter.conf',
      ]);
      expect(g.volumeMounts).toEqual([{ name: 'mcrouter-config', mountPath: '/usr/local/etc/mcrouter' }]);
    }
    expect(byName.get('mcconfgen-init')?.args).toContain('--once');
    expect(byName.get('mcconfgen')?.args).toContain('--interval');
    expect(byName.get('app')?.env).toContainEqual({ name: 'MEMCACHED_SERVERS', value: '127.0.0.1:11211' });
  });

  test("peers: a headless Service whose DNS name and port are confgen's --dns-peers", () => {
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
    const [host, port] = (cm.data.MCCONFGEN_DNS_PEERS ?? '').split(':');
    expect(host).toBe(`${svc.metadata.name}.${k.namespace ?? ''}.svc.cluster.local`);
    expect(svc.spec.ports.map((p) => p.port)).toContain(Number(port));
    expect(cm.data.MCCONFGEN_PEER_PORT).toBe(port);
    expect(cm.data.MCCONFGEN_LOCAL).toBe('127.0.0.1:11212');
  });
});

describe('the schema and checks catch mistakes', () => {
  const clone = (): Deployment => structuredClone(d);

  test('restartPolicy on an app container, a misspelled key', () => {
    const bad = clone() as unknown as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const app = bad.spec.template.spec.containers[0] as Record<string, unknown>;
    app.restartPolicy = 'Always';
    app.volumeMount = [];
    const issues =
      deployment.safeParse(bad).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toContain('spec.template.spec.containers.0: restartPolicy is for init containers');
    expect(issues.some((i) => i.startsWith('spec.template.spec.containers.0: Unrecognized key'))).toBe(true);
  });

  test('the OpenAPI schema catches a wrong type, a missing required field and a bad enum', () => {
    const bad = structuredClone(one('deploy/eks/app-deployment.yaml')) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    const app = bad.spec.template.spec.containers[0] as Record<string, unknown>;
    (app.ports as Record<string, unknown>[])[0] = { containerPort: '8080', protocol: 'HTTP' };
    delete app.name;
    const found = openApiProblems(bad).join('\n');
    expect(found).toContain('data/spec/template/spec/containers/0 must have required property name');
    expect(found).toContain('data/spec/template/spec/containers/0/ports/0/containerPort must be integer');
    expect(found).toContain(
      'data/spec/template/spec/containers/0/ports/0/protocol must be equal to one of the allowed values',
    );
    const pdb = structuredClone(one('deploy/eks/pod-disruption-budget.yaml')) as {
      spec: Record<string, unknown>;
    };
    pdb.spec.maxUnavailable = true;
    expect(openApiProblems(pdb).join('\n')).toContain('data/spec/maxUnavailable');
    expect(openApiProblems({ apiVersion: 'v1', kind: 'Sevrice' })).toEqual(['no model for v1/Sevrice']);
  });

  test('a missing volume, configMap and port name; a selector that selects nothing', () => {
    const bad = clone();
    const side = bad.spec.template.spec.initContainers?.[1] as Container;
    side.volumeMounts = [{ name: 'mcrouter-conf', mountPath: '/x' }];
    side.ports = [{ name: 'proxy', containerPort: 11211 }];
    const s = structuredClone(svc);
    s.spec.selector = { 'app.kubernetes.io/name': 'other' };
    const c = structuredClone(cm);
    c.metadata.name = 'confgen';
    expect(crossCheckPod(bad, [s], [c])).toEqual([
      'mcconfgen-init: configMap mcconfgen is not in the set',
      'mcsidecar: volume mcrouter-conf is not declared',
      'mcconfgen: configMap mcconfgen is not in the set',
      'service mcsidecar-peers selector app.kubernetes.io/name=other selects no pod of app',
      'service mcsidecar-peers targetPort memcached is no container port name',
      'service mcsidecar-peers targetPort mcproxy is no container port name',
    ]);
  });
});
