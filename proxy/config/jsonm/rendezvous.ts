/**
 * mcrouter's weighted rendezvous hash (`mcrouter/lib/config/RendezvousHash.{h,cpp}`), behind
 * the JSONM `weightedHash` macro: each node's name is hashed with FNV-64, weights are
 * normalised to sum 1, and a key goes to the node with the largest
 * `(twang_mix64(nodeHash + key) / 2^64) ^ (1 / weight)` (nodes of weight ~0 never win; on a
 * tie the first node wins).
 */
import { ConfigError } from '../../errors.js';
import { fnv64, twangMix64 } from './hash64.js';

const MASK64 = (1n << 64n) - 1n;
/** `std::numeric_limits<uint64_t>::max()` as a double (2^64). */
const UINT64_MAX_AS_DOUBLE = 2 ** 64;

/** See the file comment. */
export class RendezvousHash {
  private readonly hashes: bigint[] = [];
  private readonly weights: number[] = [];

  /**
   * @param nodes node names and weights (>= 0), in a fixed order
   * @throws ConfigError `Weight should be greater than 0` for a negative weight, `Sum of weights is 0`
   *         when the weights add up to (almost) nothing
   */
  constructor(nodes: readonly (readonly [string, number])[]) {
    let sum = 0;
    for (const [name, weight] of nodes) {
      if (weight < 0) throw new ConfigError('', 'Weight should be greater than 0');
      this.hashes.push(fnv64(Buffer.from(name, 'utf8')));
      this.weights.push(weight);
      sum += weight;
    }
    if (sum < Number.EPSILON) throw new ConfigError('', 'Sum of weights is 0');
    for (let i = 0; i < this.weights.length; i++) this.weights[i] = (this.weights[i] as number) / sum;
  }

  /** The index of the node for `key` (a uint64 bigint). */
  get(key: bigint): number {
    let best = -1.0;
    let bestIndex = 0;
    for (let i = 0; i < this.hashes.length; i++) {
      const w = this.weights[i] as number;
      const combined = twangMix64(((this.hashes[i] as bigint) + key) & MASK64);
      const scaled = Number(combined) / UINT64_MAX_AS_DOUBLE;
      const score = w > Number.EPSILON ? Math.pow(scaled, 1.0 / w) : 0.0;
      if (score > best) {
        best = score;
        bestIndex = i;
      }
    }
    return bestIndex;
  }
}
