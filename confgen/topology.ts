/**
 * What discovery produces and templates consume: the local memcached, the peers (every instance's
 * co-located memcached) and the central pool (ElastiCache nodes). Server lists are deduplicated
 * and sorted so that the same inputs render the same bytes on every host.
 */
import { parseServerAddress } from '../proxy/config/server-address.js';
import { ConfgenOptionError } from './errors.js';

/**
 * See the file comment. Servers are mcrouter server strings (`host:port`, `[v6]:port`, and
 * `host:port:ascii:ssl` for a TLS server, docs/tls.md).
 */
export interface Topology {
  /** The memcached next to the proxy, e.g. `127.0.0.1:11212`. */
  readonly local: string;
  /** Every instance's co-located memcached, sorted. */
  readonly peers: readonly string[];
  /** The central pool (ElastiCache nodes), sorted. */
  readonly central: readonly string[];
}

/** `host:port` for a host and port (IPv6 addresses in brackets). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The server string of a TLS server (`host:port:ascii:ssl`, mcrouter's AccessPoint form). */
export function tlsServer(hostPortText: string): string {
  return `${hostPortText}:ascii:ssl`;
}

/**
 * Parses and normalises one server string (`host:port`, `[v6]:port`; a TLS one keeps its
 * `:ascii:ssl`).
 * @throws ConfgenOptionError naming the bad entry
 */
export function normalizeServer(text: string, defaultPort?: number): string {
  const t = text.trim();
  let full = t;
  const hasPort = /^\[[^\]]+\]:\d/.test(t) || /^[^:[\]]+:\d/.test(t) || t.startsWith('unix:');
  if (!hasPort && defaultPort !== undefined) {
    full = t.startsWith('[') ? `${t}:${defaultPort}` : hostPort(t, defaultPort);
  }
  try {
    const address = parseServerAddress(full);
    return address.securityMech === 'ssl' ? tlsServer(address.hostPort) : address.hostPort;
  } catch (err) {
    throw new ConfgenOptionError((err as Error).message);
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d+)$/;

/**
 * Server order: IPv4 addresses numerically (10.0.0.9 before 10.0.0.10), then everything else by
 * code units (hostnames such as ElastiCache's `…0001…`, `…0002…` sort in node order). A total
 * order, the same on every host.
 */
export function compareServers(a: string, b: string): number {
  const ma = IPV4.exec(a);
  const mb = IPV4.exec(b);
  if (ma !== null && mb !== null) {
    for (let i = 1; i <= 5; i++) {
      const d = Number(ma[i]) - Number(mb[i]);
      if (d !== 0) return d;
    }
    return 0;
  }
  if (ma !== null) return -1;
  if (mb !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deduplicated and sorted (`compareServers`). */
export function sortServers(servers: Iterable<string>): string[] {
  return [...new Set(servers)].sort(compareServers);
}
