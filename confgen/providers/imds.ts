/**
 * The instance's own identity from the EC2 instance metadata service, IMDSv2 only: a session token
 * from `PUT /latest/api/token`, then `GET /latest/meta-data/<path>` with that token. Used for
 * `--local imds|auto` (the private IP) and for the region when none is configured.
 *
 * Endpoint: `--imds-endpoint`, else `AWS_EC2_METADATA_SERVICE_ENDPOINT` (the SDK's variable), else
 * `http://169.254.169.254`. In bridge-networked containers the PUT needs a hop limit of 2 on the
 * instance (docs/confgen.md).
 */
import net from 'node:net';
import { DiscoveryError } from '../errors.js';
import { checkedHost } from '../host-name.js';

/** Token lifetime asked for, seconds. */
const TOKEN_TTL_SECONDS = 21600;

/** Attempts per IMDS call (a first try and two retries). */
const IMDS_ATTEMPTS = 3;

/** See the file comment. */
export class Imds {
  readonly endpoint: string;
  private token: { value: string; expires: number } | null = null;

  /**
   * @param endpoint base URL, e.g. `http://169.254.169.254`
   * @param timeoutMs per HTTP call, ms
   */
  constructor(
    endpoint?: string,
    private readonly timeoutMs = 1000,
  ) {
    this.endpoint = (
      endpoint ??
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ??
      'http://169.254.169.254'
    ).replace(/\/+$/, '');
  }

  /**
   * The instance's private IPv4 address (`local-ipv4`).
   * @throws InvalidHostError when the answer is not an IPv4 address
   */
  async localIpv4(): Promise<string> {
    return checkedHost('imds', 'local-ipv4', await this.get('local-ipv4'), (ip) => net.isIPv4(ip));
  }

  /** The instance's region (`placement/region`). */
  region(): Promise<string> {
    return this.get('placement/region');
  }

  /**
   * One metadata value.
   * @throws DiscoveryError when IMDS cannot be reached or answers with an error
   */
  async get(path: string): Promise<string> {
    const token = await this.sessionToken();
    const res = await this.call(`/latest/meta-data/${path}`, {
      method: 'GET',
      headers: { 'x-aws-ec2-metadata-token': token },
    });
    const text = (await res.text()).trim();
    if (!res.ok) throw new DiscoveryError('imds', `GET ${path}: HTTP ${res.status}`);
    if (text === '') throw new DiscoveryError('imds', `GET ${path}: empty answer`);
    return text;
  }

  private async sessionToken(): Promise<string> {
    const now = Date.now();
    if (this.token !== null && this.token.expires > now) return this.token.value;
    const res = await this.call('/latest/api/token', {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
    });
    const value = (await res.text()).trim();
    if (!res.ok || value === '')
      throw new DiscoveryError('imds', `PUT /latest/api/token: HTTP ${res.status}`);
    this.token = { value, expires: now + (TOKEN_TTL_SECONDS - 60) * 1000 };
    return value;
  }

  /**
   * One HTTP call, tried up to `IMDS_ATTEMPTS` times when it times out or cannot connect (the AWS
   * SDK's IMDS client retries the same way: `@smithy/credential-provider-imds` `maxRetries`).
   * @throws DiscoveryError after the last attempt
   */
  private async call(path: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(`${this.endpoint}${path}`, {
          ...init,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        if (attempt < IMDS_ATTEMPTS) continue;
        throw new DiscoveryError('imds', `${init.method ?? 'GET'} ${path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }
}
