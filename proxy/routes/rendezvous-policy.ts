/**
 * FailoverRoute's `{"type": "RendezvousPolicy", "tags": [...]}` (`FailoverRendezvousPolicy` in
 * `mcrouter/routes/FailoverPolicy.h`, hashing from `mcrouter/lib/RendezvousHashFunc.cpp` and
 * `mcrouter/lib/RendezvousHashHelper.h`).
 *
 * The children are `[normal route, failover 1 … failover n]` with one tag per failover child
 * (the policy's `tags`, or the route's). Each tag is hashed once with MurmurHash64A (seed
 * 4193360111); a request's routing key with seed 2718281828; a child's score is cityhash's
 * `Hash128to64(tagHash, keyHash)`, compared as a double (ties: higher index first). After the
 * normal route, failover children are tried from the highest score down, skipping the one at the
 * normal route's index (the server it already tried). No limit on error tries.
 * `"hash": "WeightedRendezvous"` on the route is not supported (a config error).
 */
import { z } from 'zod';
import type { McRequest } from '../protocol/request.js';
import { ConfigError } from '../errors.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { murmurHash64A } from '../hash/murmur64a.js';
import type { FailoverIterator, FailoverPolicy } from './failover-policy.js';
import { ListIterator, normalRouteIndex } from './failover-policy.js';
import type { RouteHandle } from './route-handle.js';

const RENDEZVOUS_HASH_SEED = 4193360111;
const RENDEZVOUS_EXTRA_HASH_SEED = 2718281828;
const MASK64 = (1n << 64n) - 1n;
const K_MUL = 0x9ddfea08eb382d69n;

const out = new Uint32Array(2);

/** MurmurHash64A of `buf[start, end)` with `seed`, as a uint64 bigint. */
function murmur64(buf: Uint8Array, start: number, end: number, seed: number): bigint {
  murmurHash64A(buf, start, end, seed, out, 0);
  return (BigInt(out[1] as number) << 32n) | BigInt(out[0] as number);
}

/** cityhash's `Hash128to64` (`mcrouter/lib/RendezvousHashHelper.h`). */
export function hash128to64(upper: bigint, lower: bigint): bigint {
  let a = ((lower ^ upper) * K_MUL) & MASK64;
  a ^= a >> 47n;
  let b = ((upper ^ a) * K_MUL) & MASK64;
  b ^= b >> 47n;
  return (b * K_MUL) & MASK64;
}

/** See the file comment. */
class RendezvousPolicy implements FailoverPolicy {
  readonly maxErrorTries = Number.POSITIVE_INFINITY;
  readonly failureDomains = false;

  constructor(
    private readonly children: readonly RouteHandle[],
    private readonly tagHashes: readonly bigint[],
  ) {}

  excludeError(): boolean {
    return false;
  }

  /** Failover child indices (1-based: child k + 1 has tag k) for `req`, best first. */
  ranking(req: McRequest): number[] {
    const keyHash = murmur64(req.key, req.routingKeyStart, req.routingKeyEnd, RENDEZVOUS_EXTRA_HASH_SEED);
    const scores = this.tagHashes.map((h, index) => ({ score: Number(hash128to64(h, keyHash)), index }));
    scores.sort((x, y) => y.score - x.score || y.index - x.index);
    return scores.map((s) => s.index);
  }

  begin(req: McRequest): FailoverIterator {
    const primary = normalRouteIndex(this.children, req);
    const order = [0];
    for (const k of this.ranking(req)) if (k !== primary) order.push(k + 1);
    return new ListIterator(order);
  }

  record(): void {
    /* stateless */
  }
}

const schema = z.looseObject({ tags: z.unknown().optional() });

/**
 * Builds the RendezvousPolicy of a FailoverRoute.
 * @param o the `failover_policy` object (its `tags` already merged with the route's)
 * @throws ConfigError at `path` when the tags are missing, not strings, or not one per failover child
 */
export function makeRendezvousPolicy(
  o: Record<string, unknown>,
  children: readonly RouteHandle[],
  path: string,
): FailoverPolicy {
  const tags = parseWith(schema, o, path).tags;
  const name = 'FailoverRendezvousPolicy';
  if (tags === undefined) throw new ConfigError(path, `${name}: tags needed for Rendezvous hash route`);
  if (!Array.isArray(tags)) throw new ConfigError(childPath(path, 'tags'), `${name}: tags is not an array`);
  if (tags.length !== children.length - 1) {
    throw new ConfigError(
      childPath(path, 'tags'),
      `${name}: number of tags ${tags.length} doesn't match number of route handles ${children.length - 1}`,
    );
  }
  const hashes = tags.map((t, i) => {
    if (typeof t !== 'string')
      throw new ConfigError(childPath(childPath(path, 'tags'), i), `${name}: tag is not a string`);
    const b = Buffer.from(t, 'utf8');
    return murmur64(b, 0, b.length, RENDEZVOUS_HASH_SEED);
  });
  return new RendezvousPolicy(children, hashes);
}
