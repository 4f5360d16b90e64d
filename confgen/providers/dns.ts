/**
 * Peers from DNS: the A and AAAA records of a name, each with a port, e.g. a Kubernetes headless
 * Service (`mcsidecar.default.svc.cluster.local`) whose records are the ready pods' IPs. Uses
 * `dns.promises.Resolver` (real DNS queries, not the system's `getaddrinfo`), optionally pointed at
 * given servers (`--dns-server`).
 *
 * A name with no records of either family (NXDOMAIN / NODATA) is an empty list; any other failure
 * (timeout, SERVFAIL, refused) is a discovery error, so a DNS outage never empties the peer list.
 */
import { promises as dnsPromises } from 'node:dns';
import { DiscoveryError } from '../errors.js';
import { hostPort } from '../topology.js';
import type { ServerProvider } from './provider.js';

/** Options of `DnsProvider`. */
export interface DnsProviderOptions {
  /** The name to resolve. */
  readonly name: string;
  readonly port: number;
  /** DNS servers (`ip` or `ip:port`); default: the system's resolvers. */
  readonly servers?: readonly string[] | undefined;
  /** Per-query timeout, ms. Default 2000. */
  readonly timeoutMs?: number;
}

/** Codes that mean "no such records", not "could not ask". */
const EMPTY_CODES = new Set(['ENODATA', 'ENOTFOUND']);

/** See the file comment. */
export class DnsProvider implements ServerProvider {
  readonly name: string;
  private readonly resolver: dnsPromises.Resolver;

  constructor(private readonly opts: DnsProviderOptions) {
    this.name = `dns:${hostPort(opts.name, opts.port)}`;
    this.resolver = new dnsPromises.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: 2 });
    if (opts.servers !== undefined && opts.servers.length > 0) this.resolver.setServers([...opts.servers]);
  }

  async list(): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.query('A'), this.query('AAAA')]);
    return [...v4, ...v6].map((ip) => hostPort(ip, this.opts.port));
  }

  private async query(type: 'A' | 'AAAA'): Promise<string[]> {
    try {
      return type === 'A'
        ? await this.resolver.resolve4(this.opts.name)
        : await this.resolver.resolve6(this.opts.name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (EMPTY_CODES.has(code)) return [];
      throw new DiscoveryError(this.name, `${type} query failed: ${code || (err as Error).message}`, {
        cause: err,
      });
    }
  }
}
