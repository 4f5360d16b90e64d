/**
 * The sides of a warm or migration as mcrouter pools: a server list (`host:port,host:port`, in
 * pool order) or `pool:<name>` from an mcrouter config file (after JSONM expansion, as the proxy
 * reads it), and the key → server choice the proxy's `PoolRoute` makes for that pool: Ch3 over the
 * routing key (the part after a `/region/cluster/` prefix, up to `|#|`), or WeightedCh3 when the
 * pool has `weights` (`mcrouter/routes/McRouteHandleProvider-inl.h`, `HashRouteFactory.h`).
 */
import { ConfigError, OptionError } from '../errors.js';
import { readConfigSource, type ConfigSpec } from '../config/config-source.js';
import { expandConfig } from '../config/jsonm/expand-config.js';
import { parsePoolOptions } from '../config/pool.js';
import { parseServerAddress, type ServerAddress } from '../config/server-address.js';
import { createHashSelector } from '../hash/hash-selector.js';
import { routingPrefixLength } from '../protocol/request.js';
import type { DestinationSelector } from './copier.js';

/** A pool's servers and its hashing. */
export interface ServerSet {
  /** `servers` or `pool:<name>`, as given. */
  readonly spec: string;
  readonly servers: readonly ServerAddress[];
  /** Pool `weights`, or null. */
  readonly weights: readonly number[] | null;
}

/**
 * Reads `spec`.
 * @param config the `--config` to look `pool:<name>` up in (`file:<path>` or inline JSON)
 * @throws OptionError for a bad server string, an unknown pool or `pool:` without `--config`;
 *   ConfigError when the config cannot be read or the pool is invalid
 */
export function readServerSet(spec: string, config: ConfigSpec): ServerSet {
  if (spec.startsWith('pool:')) {
    const name = spec.slice(5);
    if (config.config === '' && config.configFile === '' && config.configStr === '')
      throw new OptionError(`${spec}: give --config file:<mcrouter config> to look the pool up in`);
    const source = readConfigSource(config);
    const { json } = expandConfig(source.text, { path: source.path, options: {} });
    const pools = json.pools as Record<string, unknown> | undefined;
    const raw = pools?.[name];
    if (raw === undefined) throw new OptionError(`${spec}: no pool "${name}" in the config`);
    const pool = parsePoolOptions(raw, `pools.${name}`);
    const servers = pool.servers.map((s, i) => {
      if (typeof s !== 'string')
        throw new ConfigError(`pools.${name}.servers[${i}]`, 'expected a server string');
      return parseServerAddress(s);
    });
    if (servers.length === 0) throw new OptionError(`${spec}: the pool has no servers`);
    return { spec, servers, weights: pool.weights ?? null };
  }
  const servers = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return parseServerAddress(s);
      } catch (err) {
        throw new OptionError((err as Error).message);
      }
    });
  if (servers.length === 0)
    throw new OptionError(`"${spec}": expected host:port[,host:port…] or pool:<name>`);
  return { spec, servers, weights: null };
}

const HASH_STOP = Buffer.from('|#|');

/**
 * The destination choice for a pool: the server `PoolRoute` would send the key to.
 * @param hashFunc `Ch3` unless given (`WeightedCh3` when the pool has weights)
 * @param salt the route's `salt`, '' for none
 */
export function poolSelector(set: ServerSet, hashFunc?: string, salt = ''): DestinationSelector {
  const n = set.servers.length;
  const select = createHashSelector({
    hashFunc: hashFunc ?? (set.weights !== null ? 'WeightedCh3' : 'Ch3'),
    n,
    salt,
    weights: set.weights ?? undefined,
  });
  return (key, start, end) => {
    const k = key.subarray(start, end);
    const from = routingPrefixLength(k);
    const stop = k.indexOf(HASH_STOP, from);
    return select(k, from, stop < 0 ? k.length : stop);
  };
}
