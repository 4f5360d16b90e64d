/**
 * Typed access to `test/fixtures/hash-vectors.json`: mcrouter's hash test vectors, copied
 * verbatim from facebook/mcrouter's own tests (see the file's `_about` and each `source`).
 */
import { readFileSync } from 'node:fs';

export interface KeyedCase {
  n: number;
  key?: string;
  key_bytes?: number[];
  expected: number;
}

export interface HashVectors {
  conventions: Record<string, string>;
  furc_hash: {
    golden_values: { key: string; len: number; m: number; expected: number }[];
    power_of_two_boundaries_key0: { key: string; values: { m: number; expected: number }[] };
    null_or_degenerate: { case: string; expected: number | boolean }[];
    maximum_pool_size: number;
    bulk_checksum: { keys: string; pool_sizes: number[]; expected_checksums: number[] };
    consistency_property: string;
  };
  Ch3HashFunc: {
    cases: KeyedCase[];
    distribution: { n: number; keys: string; counts_per_index: number[] }[];
    constructor_errors: string;
  };
  Crc32HashFunc: { cases: KeyedCase[] };
  WeightedCh3HashFunc: {
    unit_weights_equal_ch3: string;
    zero_weight: { weights: string; key: string; expected: number }[];
    distribution: { weights: number[]; keys: string; counts_per_index: number[] }[];
    bulk_checksums: {
      weight?: number;
      weights?: number[];
      keys: string;
      pool_sizes?: number[];
      expected: number[] | number;
    }[];
    single_server: string;
  };
  ConstShardHashFunc: {
    n: number;
    cases: { key: string; expected: number; note?: string }[];
    integration: { n: number; cases: { key: string; server_index: number }[] };
  };
  SaltedHash: { semantics: string };
  ShadowKeyFraction_SpookyHash32_seed0: Record<string, unknown> & {
    'range_0.0_0.1': { keys: string; shadowed_indices: number[] }[];
    'range_0.4_0.5': { keys: string; shadowed_indices: number[] }[];
  };
}

/** The parsed fixture. */
export const VECTORS = JSON.parse(
  readFileSync(new URL('../../fixtures/hash-vectors.json', import.meta.url), 'utf8'),
) as HashVectors;

/** The bytes of a keyed case: `key` as latin1 (ASCII in practice) or `key_bytes`. */
export function caseKey(c: { key?: string; key_bytes?: number[] }): Buffer {
  if (c.key_bytes !== undefined) return Buffer.from(c.key_bytes);
  return Buffer.from(c.key ?? '', 'latin1');
}

/** A short label for a keyed case, for test names. */
export function caseLabel(c: { key?: string; key_bytes?: number[] }): string {
  if (c.key_bytes !== undefined)
    return `<${c.key_bytes.length} bytes from 0x${c.key_bytes[0]?.toString(16) ?? ''}>`;
  return JSON.stringify(c.key ?? '');
}

/**
 * mcrouter's test checksum (see `conventions.polynomial_checksum`): acc starts at 0 (uint32),
 * acc = (acc * 31 + hash) mod 2^32 for each key in order.
 */
export function polyChecksum(
  count: number,
  keyOf: (i: number) => Buffer,
  hash: (key: Buffer) => number,
): number {
  let acc = 0;
  for (let i = 0; i < count; i++) {
    const k = keyOf(i);
    acc = (Math.imul(acc, 31) + hash(k)) >>> 0;
  }
  return acc;
}

/** Copies `key` into a larger buffer at a random-looking offset, filled with junk around it. */
export function embed(key: Uint8Array, before: number, after: number, fill = 0xa5): Buffer {
  const b = Buffer.alloc(before + key.length + after, fill);
  b.set(key, before);
  return b;
}
