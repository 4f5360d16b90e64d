/**
 * Host names and addresses that discovery sources return (ElastiCache Auto Discovery, the EC2 and
 * ElastiCache APIs, IMDS) are checked before they reach a config: a name goes verbatim into an
 * mcrouter server string (`host:port`), so a hostile or broken source must not be able to add a
 * port, a `:ascii:ssl` suffix, a path or JSON text (docs/confgen.md, "Host names").
 *
 * Accepted: an IPv4 address in dotted-quad form, an IPv6 address (no zone index), or an RFC 1123
 * host name: at most 253 characters, dot-separated labels of 1–63 letters, digits and hyphens that
 * neither start nor end with a hyphen (a label may start with a digit, as ElastiCache's
 * `0001.…` TLS node names do), and a last label that is not all digits (so `10.0.0.256` is not
 * taken for a name). A trailing dot is not accepted.
 */
import net from 'node:net';
import { InvalidHostError } from './errors.js';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True for an IPv4 or IPv6 literal or an RFC 1123 host name (see the file comment). */
export function isValidHost(host: string): boolean {
  if (net.isIPv4(host)) return true;
  if (host.includes(':')) return net.isIPv6(host) && !host.includes('%');
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** True for an IPv4 or IPv6 literal (no zone index): what EC2 and IMDS return as private IPs. */
export function isValidIp(ip: string): boolean {
  return net.isIPv4(ip) || (net.isIPv6(ip) && !ip.includes('%'));
}

/**
 * Returns `host` when `valid(host)`.
 * @param source the provider's name (e.g. `elasticache-auto-discovery:cfg…:11211`)
 * @param field what the value is (e.g. `node host name`, `PrivateIpAddress`)
 * @throws InvalidHostError naming the source, the field and the value
 */
export function checkedHost(
  source: string,
  field: string,
  host: string,
  valid: (h: string) => boolean = isValidHost,
): string {
  if (!valid(host)) throw new InvalidHostError(source, field, host);
  return host;
}
