/** `--template seed|coherent|file:<path>` → a template. */
import { ConfgenOptionError } from '../errors.js';
import { COHERENT_TEMPLATE } from './coherent.js';
import { loadFileTemplate } from './file-template.js';
import { SEED_TEMPLATE } from './seed.js';
import type { Template } from './template.js';

/**
 * Resolves a `--template` value.
 * @throws ConfgenOptionError for an unknown name or a bad template file
 */
export function resolveTemplate(spec: string): Template {
  if (spec === 'seed') return SEED_TEMPLATE;
  if (spec === 'coherent') return COHERENT_TEMPLATE;
  if (spec.startsWith('file:') && spec.length > 5) return loadFileTemplate(spec.slice(5));
  throw new ConfgenOptionError(
    `--template: expected seed, coherent or file:<path>, got ${JSON.stringify(spec)}`,
  );
}
