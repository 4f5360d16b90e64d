/**
 * The `local` pool's server (`--local`): the memcached next to the proxy.
 *
 * - default `127.0.0.1:<peer-port>`: the seed's choice, the same on every host, so one file on
 *   shared storage (EFS) serves every instance;
 * - `imds`: this instance's private IP from IMDSv2, for per-host files (`<ip>:<peer-port>`);
 * - `auto`: IMDSv2 when it answers, else the first non-internal IPv4 address of this host (a pod
 *   IP on EKS), else 127.0.0.1;
 * - `host:port`: as given.
 */
import { networkInterfaces } from 'node:os';
import { log } from '../proxy/logger.js';
import { hostPort, normalizeServer } from './topology.js';
import type { Imds } from './providers/imds.js';

/** A parsed `--local` value. */
export type LocalSpec =
  | { readonly kind: 'loopback' }
  | { readonly kind: 'auto' }
  | { readonly kind: 'imds' }
  | { readonly kind: 'fixed'; readonly server: string };

/**
 * Parses `--local` (undefined = the default).
 * @throws ConfgenOptionError for a malformed `host:port`
 */
export function parseLocalSpec(text: string | undefined, peerPort: number): LocalSpec {
  if (text === undefined || text === '') return { kind: 'loopback' };
  if (text === 'auto') return { kind: 'auto' };
  if (text === 'imds') return { kind: 'imds' };
  return { kind: 'fixed', server: normalizeServer(text, peerPort) };
}

/**
 * Resolves the local server.
 * @throws DiscoveryError for `imds` when IMDS cannot be read
 */
export async function resolveLocal(spec: LocalSpec, peerPort: number, imds: Imds): Promise<string> {
  switch (spec.kind) {
    case 'loopback':
      return hostPort('127.0.0.1', peerPort);
    case 'fixed':
      return spec.server;
    case 'imds':
      return hostPort(await imds.localIpv4(), peerPort);
    case 'auto':
      try {
        return hostPort(await imds.localIpv4(), peerPort);
      } catch (err) {
        const ip = firstInterfaceIpv4();
        log.info(
          { err: (err as Error).message, ip },
          '--local auto: IMDS not available; using an interface address',
        );
        return hostPort(ip, peerPort);
      }
  }
}

function firstInterfaceIpv4(): string {
  const all = Object.entries(networkInterfaces()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, addrs] of all) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
