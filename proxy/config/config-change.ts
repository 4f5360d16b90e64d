/**
 * What a reload changed: the new snapshot and the destinations that joined or left (for the
 * reload log line).
 */
import type { ProxyConfig } from './proxy-config.js';

/** The result of a successful `ProxyServer.reload`. */
export interface ConfigChange {
  readonly previous: ProxyConfig;
  readonly config: ProxyConfig;
  /** Destinations (`host:port`) the new config references and the old one did not, sorted. */
  readonly added: readonly string[];
  /** Destinations the old config referenced and the new one does not, sorted. */
  readonly removed: readonly string[];
}

/**
 * Compares the destinations of two snapshots. Destinations are shared objects (one per server and
 * timeout, `DestinationMap`), so identity tells whether a server stayed.
 */
export function describeChange(previous: ProxyConfig, config: ProxyConfig): ConfigChange {
  const added: string[] = [];
  const removed: string[] = [];
  for (const d of config.destinations) if (!previous.destinations.has(d)) added.push(d.hostPort);
  for (const d of previous.destinations) if (!config.destinations.has(d)) removed.push(d.hostPort);
  return { previous, config, added: added.sort(), removed: removed.sort() };
}
