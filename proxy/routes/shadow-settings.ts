/**
 * One `shadows` entry of a PoolRoute or ShadowRoute (`mcrouter/routes/ShadowSettings.cpp`,
 * `mcrouter/routes/ShadowRoute.h`): `{target, index_range: [start, end], key_fraction_range: [a, b], keys_to_shadow:
 * [...], requests_fraction: f}`.
 *
 * - The entry applies to child (server) i when `start <= i < end` (end exclusive; default [0, 0]
 *   = none), or to every child when `keys_to_shadow` is non-empty.
 * - A request is copied to the shadow when its routing key is in `keys_to_shadow`, or else when
 *   SpookyHash32(routing key, seed 0) lies in [floor(a·(2³²−1)), floor(b·(2³²−1))] (default
 *   [0, 0]); and then only for a `requests_fraction` share of requests (default 1.0, random).
 *
 * mcrouter logs and skips an invalid entry instead of refusing the config; so does this.
 * `key_fraction_range_rv` names a `--runtime-vars-file` variable whose range replaces
 * `key_fraction_range` (`config/runtime-vars.ts`); `index_range_rv` is accepted and ignored, as mcrouter.
 */
import { ConfigError } from '../errors.js';
import type { McRequest } from '../protocol/request.js';
import { spooky32 } from '../hash/hash-selector.js';
import { isObject } from '../config/schema.js';
import { keyFractionRange, type RuntimeVars } from '../config/runtime-vars.js';

const U32_MAX = 0xffffffff;

/** Parsed settings. */
export interface ShadowSettings {
  readonly startIndex: number;
  readonly endIndex: number;
  /** Inclusive routing-key hash range. */
  readonly keyStart: number;
  readonly keyEnd: number;
  /** Routing keys to shadow (latin1), or null. */
  readonly keysToShadow: ReadonlySet<string> | null;
  readonly requestsFraction: number;
}

function pair(v: unknown, what: string): [number, number] {
  if (!Array.isArray(v)) throw new ConfigError('', `${what} is not an array`);
  if (v.length !== 2) throw new ConfigError('', `${what} size is not 2`);
  const [a, b] = v as unknown[];
  if (typeof a !== 'number' || typeof b !== 'number')
    throw new ConfigError('', `${what} is not an array of numbers`);
  return [a, b];
}

/**
 * Parses one entry (without its `target`).
 * @param vars the `--runtime-vars-file` variables, or null
 * @throws ConfigError with mcrouter's reason for an invalid entry (the caller logs and skips it)
 */
export function parseShadowSettings(json: unknown, vars: RuntimeVars | null = null): ShadowSettings {
  if (!isObject(json)) throw new ConfigError('', 'json is not an object');
  let keyStart = 0;
  let keyEnd = 0;
  let startIndex = 0;
  let endIndex = 0;
  const rv = json.key_fraction_range_rv;
  if (rv !== undefined && typeof rv !== 'string')
    throw new ConfigError('', 'key_fraction_range_rv is not a string');
  const fromVars = rv !== undefined && vars !== null ? keyFractionRange(vars, rv) : null;
  if (json.key_fraction_range !== undefined || fromVars !== null) {
    const [a, b] = fromVars ?? pair(json.key_fraction_range, 'key_fraction_range');
    if (!(a >= 0 && a <= b && b <= 1)) throw new ConfigError('', `invalid key_fraction_range [${a}, ${b}]`);
    keyStart = Math.floor(a * U32_MAX);
    keyEnd = Math.floor(b * U32_MAX);
  }
  if (json.index_range !== undefined) {
    const [a, b] = pair(json.index_range, 'index_range');
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0)
      throw new ConfigError('', 'index_range is not an array of indices');
    if (a > b) throw new ConfigError('', 'index_range start > end');
    startIndex = a;
    endIndex = b;
  }
  let keysToShadow: Set<string> | null = null;
  if (json.keys_to_shadow !== undefined) {
    const keys = json.keys_to_shadow;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
      throw new ConfigError('', 'keys_to_shadow is not an array');
    }
    if (
      keys.length > 0 &&
      (json.index_range !== undefined ||
        json.key_fraction_range !== undefined ||
        json.key_fraction_range_rv !== undefined)
    ) {
      throw new ConfigError(
        '',
        'Cannot mix nonempty keys_to_shadow array with index_range, key_fraction_range, or key_fraction_range_rv',
      );
    }
    if (keys.length > 0) keysToShadow = new Set(keys);
  }
  let requestsFraction = 1;
  if (json.requests_fraction !== undefined) {
    if (typeof json.requests_fraction !== 'number')
      throw new ConfigError('', 'requests_fraction is not a double');
    requestsFraction = json.requests_fraction;
  }
  return { startIndex, endIndex, keyStart, keyEnd, keysToShadow, requestsFraction };
}

/** True when the entry applies to child `index`. */
export function appliesToIndex(s: ShadowSettings, index: number): boolean {
  return (s.startIndex <= index && index < s.endIndex) || s.keysToShadow !== null;
}

/** True when `req` should be copied to this shadow (see the file comment). */
export function shouldShadow(s: ShadowSettings, req: McRequest): boolean {
  if (s.keysToShadow !== null) {
    if (!s.keysToShadow.has(req.key.toString('latin1', req.routingKeyStart, req.routingKeyEnd))) return false;
  } else {
    const h = spooky32(req.key, req.routingKeyStart, req.routingKeyEnd, 0) >>> 0;
    if (h < s.keyStart || h > s.keyEnd) return false;
  }
  return s.requestsFraction >= 1 || Math.random() < s.requestsFraction;
}
