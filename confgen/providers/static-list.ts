/**
 * A fixed list of servers (`--static-peers`, `--static-central`): for tests, for environments
 * outside AWS, or to pin the central pool to a known endpoint.
 */
import { normalizeServer } from '../topology.js';
import type { ServerProvider } from './provider.js';

/** See the file comment. */
export class StaticListProvider implements ServerProvider {
  readonly name: string;
  private readonly servers: string[];

  /**
   * @param role `peers` or `central`, for the name
   * @param list comma-separated `host:port` entries (`host` alone gets `defaultPort`)
   * @throws ConfgenOptionError for a malformed entry
   */
  constructor(role: string, list: string, defaultPort?: number) {
    this.servers = list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => normalizeServer(s, defaultPort));
    this.name = `static-${role}`;
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.servers]);
  }
}
