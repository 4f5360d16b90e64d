/**
 * The hash-function factory used by HashRoute / PoolRoute: turns a route's `hash_func`,
 * `salt` and `weights` options into a function from routing-key bytes to a child index.
 *
 * Mirrors mcrouter's `HashRouteFactory.h` / `HashSelector.h` (`mcrouter/routes/HashRouteFactory.h`) for the hash
 * functions mcsidecar supports: Ch3 (default), Crc32, WeightedCh3 and ConstShard.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */
import { ConfigError } from '../errors.js';
import { checkCh3PoolSize } from './ch3.js';
import { constShardHash } from './const-shard.js';
import { crc32Hash } from './crc32.js';
import { furcHash } from './furc.js';
import { weightedCh3Hash, weightedCh3Thresholds } from './weighted-ch3.js';

export { spooky32 } from './spooky-v2.js';

/** Picks a child index in [0, n) for the routing key bytes key[start, end). */
export type HashSelector = (key: Buffer, start: number, end: number) => number;

/** Options of `createHashSelector`, named after mcrouter's HashRoute JSON keys. */
export interface HashSelectorOptions {
  /** `hash_func`: 'Ch3' (default), 'Crc32', 'WeightedCh3' or 'ConstShard'. Case-sensitive. */
  hashFunc?: string | undefined;
  /** Number of children. Must be >= 1 (the caller turns empty pools into an ErrorRoute). */
  n: number;
  /** `salt`: bytes (UTF-8) appended after the routing key before hashing. '' means none. */
  salt?: string | undefined;
  /** `weights` for WeightedCh3 (required there, ignored by the other functions). */
  weights?: readonly number[] | undefined;
}

/** The `hash_func` names `createHashSelector` accepts. */
export const SUPPORTED_HASH_FUNCS: readonly string[] = Object.freeze([
  'Ch3',
  'Crc32',
  'WeightedCh3',
  'ConstShard',
]);

/** Hash functions mcrouter knows but mcsidecar does not implement (for a clearer error). */
const MCROUTER_ONLY_HASH_FUNCS: readonly string[] = [
  'WeightedCh3Rv',
  'WeightedCh4',
  'Rendezvous',
  'WeightedRendezvous',
  'Latest',
];

/** Scratch for `routing key + salt`; grown when needed, shared by all salted selectors. */
let saltScratch = Buffer.allocUnsafeSlow(512);

/**
 * Builds a `HashSelector` for a pool of `n` children.
 *
 * The selector hashes the routing key bytes `key[start, end)` (the caller has already removed
 * the `/region/cluster/` prefix and cut at `|#|`), followed by `salt` if one is set, and returns
 * an integer in [0, n). It allocates nothing per call (a salted selector copies key + salt into
 * one module-level scratch buffer, grown once for an unusually long key).
 *
 * @throws ConfigError `Unknown hash function: <name>` for a `hashFunc` outside `SUPPORTED_HASH_FUNCS`
 *         (mcrouter-only functions such as Rendezvous get the same prefix plus a note).
 * @throws ConfigError `Pool size out of range for Ch3` (mcrouter's text) for Ch3 or ConstShard unless
 *         `n` is an integer in [1, 8388608].
 * @throws ConfigError `Invalid pool size for WeightedCh3: <n>` likewise for WeightedCh3, and
 *         `WeightedCh3: weights are required` when `weights` is missing, or
 *         `WeightedCh3: weight at index <i> must be a number in [0, 1], got <w>`.
 * @throws ConfigError `Pool size out of range for Crc32` unless `n` is an integer >= 1.
 *
 * n === 0 therefore always throws: an empty pool never gets a selector.
 */
export function createHashSelector(opts: HashSelectorOptions): HashSelector {
  const hashFunc = opts.hashFunc ?? 'Ch3';
  const n = opts.n;
  let select: HashSelector;
  switch (hashFunc) {
    case 'Ch3':
      checkCh3PoolSize(n);
      select = n === 1 ? () => 0 : (key, start, end) => furcHash(key, start, end, n);
      break;
    case 'ConstShard':
      checkCh3PoolSize(n);
      select = (key, start, end) => constShardHash(key, start, end, n);
      break;
    case 'Crc32':
      if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError('', 'Pool size out of range for Crc32');
      select = (key, start, end) => crc32Hash(key, start, end, n);
      break;
    case 'WeightedCh3': {
      if (opts.weights === undefined) throw new ConfigError('', 'WeightedCh3: weights are required');
      const thresholds = weightedCh3Thresholds(opts.weights, n);
      select = (key, start, end) => weightedCh3Hash(key, start, end, thresholds);
      break;
    }
    default:
      if (MCROUTER_ONLY_HASH_FUNCS.includes(hashFunc)) {
        throw new ConfigError(
          '',
          `Unknown hash function: ${hashFunc} (an mcrouter hash function mcsidecar does not support; ` +
            `supported: ${SUPPORTED_HASH_FUNCS.join(', ')})`,
        );
      }
      throw new ConfigError('', `Unknown hash function: ${hashFunc}`);
  }

  const salt = opts.salt === undefined ? undefined : Buffer.from(opts.salt, 'utf8');
  if (salt === undefined || salt.length === 0) return select;
  return salted(select, salt);
}

/** Wraps `select` so it sees `key[start, end) + salt`, built in the shared scratch buffer. */
function salted(select: HashSelector, salt: Buffer): HashSelector {
  const saltLen = salt.length;
  return (key, start, end) => {
    const len = end - start;
    const total = len + saltLen;
    if (saltScratch.length < total)
      saltScratch = Buffer.allocUnsafeSlow(Math.max(total, 2 * saltScratch.length));
    const buf = saltScratch;
    // A byte loop, not Buffer#copy: on Node 20 copy() of a sub-range allocates a Uint8Array view.
    for (let i = 0; i < len; i++) buf[i] = key[start + i]!;
    for (let i = 0; i < saltLen; i++) buf[len + i] = salt[i]!;
    return select(buf, 0, total);
  };
}
