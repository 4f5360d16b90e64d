/**
 * mcrouter's Ch3 hash function: furc_hash over the key with a validated pool size.
 *
 * As `Ch3HashFunc` (`mcrouter/lib/Ch3HashFunc.h`, `mcrouter/lib/fbi/hash.c`).
 */
import { ConfigError } from '../errors.js';
import { FURC_MAXIMUM_POOL_SIZE, furcHash } from './furc.js';

/** Largest pool Ch3 accepts: 2^23 = 8388608 (`furc_maximum_pool_size()`). */
export const CH3_MAX_POOL_SIZE = FURC_MAXIMUM_POOL_SIZE;

/**
 * Throws unless `n` is an integer in [1, 8388608].
 *
 * @throws ConfigError `Pool size out of range for Ch3` (mcrouter's `std::logic_error` text).
 */
export function checkCh3PoolSize(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > CH3_MAX_POOL_SIZE) {
    throw new ConfigError('', 'Pool size out of range for Ch3');
  }
}

/**
 * Ch3 index of the key bytes `buf[start, end)` in a pool of `n` destinations:
 * `furc_hash(key, len, n)`, an integer in [0, n).
 *
 * `n` is not validated here (use `checkCh3PoolSize` once, at configuration time); any uint32
 * works, and `n <= 1` gives 0. Allocation-free.
 */
export function ch3Hash(buf: Uint8Array, start: number, end: number, n: number): number {
  return furcHash(buf, start, end, n);
}
