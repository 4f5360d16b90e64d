/**
 * The host id: a 32-bit number that differs between hosts and stays the same across restarts,
 * used by HostIdRoute, LatestRoute and KeySplitRoute to spread hosts over children.
 *
 * mcrouter takes folly's hash of the first non-loopback, non-link-local address
 * (`mcrouter/lib/fbi/cpp/globals.cpp`); that hash is not portable (spec open question 7). Here the
 * host id is the CRC-32 (`proxy/hash/crc32.ts`) of the text of the first non-internal,
 * non-link-local IPv4 address in `os.networkInterfaces()` order (else the first such IPv6
 * address), e.g. `crc32("10.0.3.17")`; 0 when the host has none. `--hostid <n>` overrides it.
 * Deterministic, documented, not bit-identical to mcrouter.
 */
import { networkInterfaces } from 'node:os';
import { crc32 } from '../hash/crc32.js';

let cached: number | null = null;

/**
 * The address the default host id is derived from, or null when the host has none.
 * @param interfaces `os.networkInterfaces()` (a parameter for tests)
 */
export function hostIdAddress(
  interfaces: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]> = networkInterfaces(),
): string | null {
  let v6: string | null = null;
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') {
        if (info.address.startsWith('169.254.')) continue;
        return info.address;
      }
      if (v6 === null && !/^fe[89ab]/i.test(info.address)) v6 = info.address;
    }
  }
  return v6;
}

/** Host id for an address text: CRC-32 of its bytes (unsigned 32-bit). */
export function hostIdFor(address: string): number {
  const b = Buffer.from(address, 'latin1');
  return crc32(b, 0, b.length) >>> 0;
}

/** This host's default host id (computed once per process); 0 when there is no address. */
export function defaultHostId(): number {
  if (cached === null) {
    const addr = hostIdAddress();
    cached = addr === null ? 0 : hostIdFor(addr);
  }
  return cached;
}
