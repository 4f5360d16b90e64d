/**
 * A discovery provider: one source of servers (EB instances, ElastiCache nodes, a static list, a
 * DNS name). Providers are small objects created once and asked again every cycle; they keep what
 * they need between cycles (SDK clients, the last Auto Discovery version).
 */

/** See the file comment. */
export interface ServerProvider {
  /** Names the source in logs and errors, e.g. `ec2-tags:my-env`. */
  readonly name: string;
  /**
   * The servers this source knows now, as mcrouter server strings (`host:port`), in any order.
   * @throws DiscoveryError when the source cannot be read (nothing is written then)
   */
  list(): Promise<string[]>;
}
