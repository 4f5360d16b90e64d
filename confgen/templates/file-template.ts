/**
 * A user template (`--template file:<path>`): an mcrouter config (JSON with comments) where these
 * strings are placeholders, replaced structurally (never by text substitution):
 *
 * - `"{{local}}"` → the local server string;
 * - `"{{peers}}"`, `"{{central}}"` → the server arrays; inside an array they are spliced in, so
 *   `["{{local}}", "{{peers}}"]` is one flat list;
 * - `"{{local_ttl}}"` → `--local-ttl` (a number).
 *
 * Any other `{{…}}` string is an error. Keys keep the template's order; comments are dropped.
 * Name the pools `peers` and `central` so the peer-shrink guard can read the previous lists back.
 */
import { readFileSync } from 'node:fs';
import { parseJsonc } from '../../proxy/config/jsonc.js';
import { ConfgenOptionError } from '../errors.js';
import type { Topology } from '../topology.js';
import type { Template, TemplateSettings } from './template.js';

const PLACEHOLDER = /^\{\{\s*([a-z_]+)\s*\}\}$/;

/**
 * Loads a template file.
 * @throws ConfgenOptionError when it cannot be read or parsed, or uses an unknown placeholder
 */
export function loadFileTemplate(path: string): Template {
  let json: unknown;
  try {
    json = parseJsonc(readFileSync(path, 'utf8'), path);
  } catch (err) {
    throw new ConfgenOptionError(`template ${path}: ${(err as Error).message}`);
  }
  const sample: Topology = { local: 'l:1', peers: [], central: [] };
  substitute(json, sample, { localTtl: 0 }, path);
  return {
    name: `file:${path}`,
    render: (t, settings) => substitute(json, t, settings, path),
  };
}

function substitute(value: unknown, t: Topology, s: TemplateSettings, path: string): unknown {
  if (typeof value === 'string') return replace(value, t, s, path);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = substitute(item, t, s, path);
      if (typeof item === 'string' && Array.isArray(r)) out.push(...(r as unknown[]));
      else out.push(r);
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, t, s, path);
    return out;
  }
  return value;
}

function replace(text: string, t: Topology, s: TemplateSettings, path: string): unknown {
  const m = PLACEHOLDER.exec(text);
  if (m === null) return text;
  switch (m[1]) {
    case 'local':
      return t.local;
    case 'peers':
      return [...t.peers];
    case 'central':
      return [...t.central];
    case 'local_ttl':
      return s.localTtl;
    default:
      throw new ConfgenOptionError(`template ${path}: unknown placeholder ${text}`);
  }
}
