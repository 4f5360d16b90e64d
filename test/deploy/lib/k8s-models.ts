/**
 * Kubernetes manifests checked against the OpenAPI schemas of the Kubernetes API, as compiled by
 * `kubernetes-models` (one class per apiVersion/kind, whose `validate()` runs the schema's types,
 * required fields, enums and formats). Those schemas allow unknown fields (the API server prunes
 * or, with `--validate=strict`, refuses them), so unknown fields are the strict zod schemas'
 * check (lib/k8s-schema.ts); a manifest passes both in eks.test.ts.
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';

interface Model {
  validate(): void;
}
const MODELS: Readonly<Record<string, new (data: never) => Model>> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/**
 * Validates one manifest against its kind's OpenAPI schema.
 * @returns the schema's messages (empty when valid), or one naming a kind we have no model for
 */
export function openApiProblems(manifest: unknown): string[] {
  const m = manifest as { apiVersion?: string; kind?: string };
  const Model = MODELS[`${m.apiVersion ?? ''}/${m.kind ?? ''}`];
  if (Model === undefined) return [`no model for ${m.apiVersion ?? '?'}/${m.kind ?? '?'}`];
  try {
    new Model(manifest as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
