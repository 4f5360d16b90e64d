/**
 * This host's IP addresses, for the JSONM `@isLocalIp` macro and the `hostid` global param
 * (mcrouter: `for_each_localaddr` over getifaddrs, `mcrouter/lib/fbi/network.h`, and
 * `globals::hostid()` in `mcrouter/lib/fbi/cpp/globals.cpp`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fnv32, hash128To64, spookyHash128 } from './hash64.js';

/** Linux address family numbers, as folly's `IPAddress::hash` mixes them in. */
const AF_INET = 2n;
const AF_INET6 = 10n;

/**
 * An IP address as bytes: 4 for IPv4, 16 for IPv6 (IPv4-mapped IPv6 addresses become IPv4, as
 * folly compares them). Accepts `[v6]` in brackets.
 * @returns null when `text` is not an IP address
 */
export function ipBytes(text: string): Uint8Array | null {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(s)) return Uint8Array.from(s.split('.').map(Number));
  if (!isIPv6(s) || s.includes('%')) return null;
  let head = s;
  let v4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4 = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const words = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  if (v4.length === 4) bytes.set(v4, 12);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

interface LocalAddress {
  readonly bytes: Uint8Array;
  /** IPv6 zone (scope id); 0 for none. */
  readonly scopeId: number;
}

/** Every address of every interface, loopback included, IPv4 before IPv6 (getifaddrs order on Linux). */
function localAddresses(): LocalAddress[] {
  const v4: LocalAddress[] = [];
  const v6: LocalAddress[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const bytes = ipBytes(a.address);
      if (bytes === null) continue;
      (bytes.length === 4 ? v4 : v6).push({ bytes, scopeId: a.family === 'IPv6' ? a.scopeid : 0 });
    }
  }
  return [...v4, ...v6];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Is `ip` one of this host's addresses (any interface, loopback included)? Anything that is
 * not an IP address is not local. As mcrouter's `@isLocalIp`.
 */
export function isLocalIp(ip: string): boolean {
  const bytes = ipBytes(ip);
  if (bytes === null) return false;
  return localAddresses().some((a) => a.scopeId === 0 && sameBytes(a.bytes, bytes));
}

function isLoopbackOrLinkLocal(b: Uint8Array): boolean {
  if (b.length === 4) return b[0] === 127 || (b[0] === 169 && b[1] === 254);
  const loopback = b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
  const linkLocal = b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
  return loopback || linkLocal;
}

/**
 * folly's `IPAddress::hash()` truncated to 32 bits: IPv4 `hash_combine(AF_INET, fnv32(bytes))`,
 * IPv6 `hash_combine(AF_INET6, spooky128(bytes))`.
 */
export function addressHash32(bytes: Uint8Array): number {
  let h: bigint;
  if (bytes.length === 4) {
    h = hash128To64(AF_INET, fnv32(bytes));
  } else {
    const [h1, h2] = spookyHash128(bytes, 0n, 0n);
    h = hash128To64(AF_INET6, hash128To64(h1, h2));
  }
  return Number(h & 0xffffffffn);
}

let cachedHostId: number | undefined;

/**
 * mcrouter's host id: the 32-bit hash of this host's first address that is neither loopback
 * nor link-local, or 0 when there is none. Computed once per process.
 */
export function hostId(): number {
  if (cachedHostId === undefined) {
    const first = localAddresses().find((a) => !isLoopbackOrLinkLocal(a.bytes));
    cachedHostId = first === undefined ? 0 : addressHash32(first.bytes);
  }
  return cachedHostId;
}
