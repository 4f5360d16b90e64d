/**
 * `--runtime-vars-file`: a JSON object of runtime variables (`mcrouter/RuntimeVarsData.h`), read
 * each time a config is built. Shadow entries read their key fraction range from it through
 * `key_fraction_range_rv` (`ShadowSettings::registerOnUpdateCallback` in
 * `mcrouter/routes/ShadowSettings.cpp`). mcrouter also re-reads the file when it changes; here a
 * change takes effect at the next config (re)load.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { isObject } from './schema.js';

/** The variables, by name. */
export type RuntimeVars = Readonly<Record<string, unknown>>;

/**
 * Reads the runtime variables file.
 * @throws ConfigError (path `--runtime-vars-file`) when it cannot be read or is not a JSON object
 */
export function readRuntimeVars(path: string): RuntimeVars {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError('--runtime-vars-file', `${path}: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new ConfigError('--runtime-vars-file', `${path}: not a JSON object`);
  return json;
}

/**
 * The key fraction range runtime variable `name` gives, or null when it gives none: the
 * `key_fractions` object's entry for `name` without its `key_fraction_range_` prefix (a number
 * f: [0, f]), else the root variable `name` (`[start, end]`).
 * @throws ConfigError when the variable has the wrong shape
 */
export function keyFractionRange(vars: RuntimeVars, name: string): [number, number] | null {
  const fractions = vars.key_fractions;
  if (isObject(fractions)) {
    const tier = name.startsWith('key_fraction_range_') ? name.slice(19) : name;
    const v = fractions[tier];
    if (v === undefined) return null;
    if (typeof v !== 'number') throw new ConfigError('', `runtime vars: ${tier} fraction is not a number`);
    return [0, v];
  }
  const v = vars[name];
  if (v === undefined) return null;
  if (!Array.isArray(v)) throw new ConfigError('', `runtime vars: ${name} is not an array`);
  if (v.length !== 2) throw new ConfigError('', `runtime vars: size of ${name} is not 2`);
  const [a, b] = v as unknown[];
  if (typeof a !== 'number') throw new ConfigError('', `runtime vars: ${name}#0 is not a number`);
  if (typeof b !== 'number') throw new ConfigError('', `runtime vars: ${name}#1 is not a number`);
  return [a, b];
}
