/**
 * Templates turn a `Topology` into an mcrouter config (a JSON value). Output is deterministic:
 * server lists come sorted from the topology and every template builds its objects in a fixed key
 * order, so the same inputs give the same bytes on every host (`renderConfig`).
 */
import type { Topology } from '../topology.js';

/** Settings a template may use. */
export interface TemplateSettings {
  /** `--local-ttl`: exptime of local copies filled from central, seconds. */
  readonly localTtl: number;
}

/** A template: topology → mcrouter config. */
export interface Template {
  /** `seed`, `coherent` or `file:<path>`. */
  readonly name: string;
  render(topology: Topology, settings: TemplateSettings): unknown;
}

/** The config text: 2-space JSON and a final newline. */
export function renderConfig(template: Template, topology: Topology, settings: TemplateSettings): string {
  return `${JSON.stringify(template.render(topology, settings), null, 2)}\n`;
}

/** The three pools every built-in template defines, in this order. */
export function standardPools(t: Topology): Record<string, unknown> {
  return {
    local: { servers: [t.local] },
    peers: { servers: [...t.peers] },
    central: { servers: [...t.central] },
  };
}
