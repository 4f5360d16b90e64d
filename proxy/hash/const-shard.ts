/**
 * mcrouter's ConstShard hash function: keys of the form `<anything>:<digits>:<rest>` go to the
 * destination numbered by the digits; every other key falls back to Ch3.
 *
 * As `ConstShardHashFunc` and `getShardId` (`mcrouter/routes/ShardHashFunc.cpp`).
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot-path indexed reads are in bounds by construction; `?? 0` would add a branch per byte. */
import { furcHash } from './furc.js';

const COLON = 0x3a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * The shard id embedded in the key bytes `buf[start, end)`, if it names a destination below `n`.
 *
 * The shard id is the text after the first `:` up to the next `:`. It must be non-empty and all
 * ASCII digits (leading zeros allowed: `a:007:b` is shard 7), and its value must be < `n`.
 *
 * @returns the shard index in [0, n), or -1 when the key has no usable shard id.
 */
export function constShardLookup(buf: Uint8Array, start: number, end: number, n: number): number {
  let p = start;
  while (p < end && buf[p] !== COLON) p++;
  if (p >= end) return -1;
  const shardStart = p + 1;
  let shardEnd = shardStart;
  while (shardEnd < end && buf[shardEnd] !== COLON) shardEnd++;
  if (shardEnd >= end || shardEnd === shardStart) return -1;
  let value = 0;
  for (let i = shardStart; i < shardEnd; i++) {
    const c = buf[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    value = value * 10 + (c - DIGIT_0);
    // More digits can only keep or grow the value, so an id >= n can stop here.
    if (value >= n) return -1;
  }
  return value;
}

/**
 * ConstShard index of the key bytes `buf[start, end)` among `n` destinations: the embedded
 * shard id when valid and < n, else `furc_hash(key, n)` (Ch3).
 *
 * `n` should be an integer in [1, 8388608] (validated by `createHashSelector`, which throws
 * mcrouter's "Pool size out of range for Ch3"). Allocation-free.
 */
export function constShardHash(buf: Uint8Array, start: number, end: number, n: number): number {
  const shard = constShardLookup(buf, start, end, n);
  return shard >= 0 ? shard : furcHash(buf, start, end, n);
}
