/**
 * The host id: a 32-bit number that differs between hosts and stays the same across restarts.
 * HostIdRoute, LatestRoute, KeySplitRoute, the JSONM `%hostid%` param and `__mcrouter__.hostid`
 * all use this one value, so they agree.
 *
 * As mcrouter's `globals::hostid()` (`mcrouter/lib/fbi/cpp/globals.cpp`): folly's hash of this
 * host's first address that is neither loopback nor link-local (see `jsonm/host-address.ts`);
 * 0 when there is none. `--hostid <n>` overrides it. mcrouter's repository has no test vector for
 * it (mcrouter does not document its host id hash), so bit-equality with mcrouter is believed, not proven.
 */
import { hostId } from './jsonm/host-address.js';

/**
 * The host id to use: `override` when it is a non-negative number (`--hostid`), else this host's.
 * @returns an unsigned 32-bit integer
 */
export function effectiveHostId(override?: number): number {
  return override !== undefined && override >= 0 ? override >>> 0 : hostId() >>> 0;
}
