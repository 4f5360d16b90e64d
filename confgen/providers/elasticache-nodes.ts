/**
 * ElastiCache (memcached) nodes through the API: paginated `elasticache:DescribeCacheClusters`
 * with `ShowCacheNodeInfo`, keeping only nodes in the `available` state that have an endpoint
 * (nodes being added or removed have none; docs/confgen.md). The node's DNS name is used, not its
 * IP: it survives node replacement and is what TLS verification needs. A cluster created with
 * `TransitEncryptionEnabled` gives TLS server strings (`host:port:ascii:ssl`, docs/tls.md). An
 * endpoint that is not an RFC 1123 name or an IP literal fails the source (`InvalidHostError`,
 * `confgen/host-name.ts`).
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DiscoveryError } from '../errors.js';
import { checkedHost } from '../host-name.js';
import { hostPort, tlsServer } from '../topology.js';
import { createElastiCacheClient, describeAwsError, type AwsSettings } from './aws-clients.js';
import type { ServerProvider } from './provider.js';

/** Options of `ElastiCacheNodesProvider`. */
export interface ElastiCacheNodesOptions {
  /** Cache cluster IDs (always passed, so the IAM policy can be scoped to the cluster ARN). */
  readonly clusterIds: readonly string[];
  readonly aws: AwsSettings;
}

/** DescribeCacheClusters page size (`MaxRecords`, 20–100). */
const PAGE_SIZE = 100;

/** See the file comment. */
export class ElastiCacheNodesProvider implements ServerProvider {
  readonly name: string;
  private client: ElastiCacheClient | null = null;

  constructor(private readonly opts: ElastiCacheNodesOptions) {
    this.name = `elasticache-api:${opts.clusterIds.join(',')}`;
  }

  async list(): Promise<string[]> {
    const sdk = await import('@aws-sdk/client-elasticache');
    this.client ??= await createElastiCacheClient(this.opts.aws);
    const out: string[] = [];
    for (const id of this.opts.clusterIds) {
      try {
        const pages = sdk.paginateDescribeCacheClusters(
          { client: this.client, pageSize: PAGE_SIZE },
          { CacheClusterId: id, ShowCacheNodeInfo: true },
        );
        for await (const page of pages) {
          for (const cluster of page.CacheClusters ?? []) {
            if (cluster.Engine !== undefined && cluster.Engine !== 'memcached') {
              throw new DiscoveryError(
                this.name,
                `cluster ${cluster.CacheClusterId ?? id} runs ${cluster.Engine}, not memcached`,
              );
            }
            for (const node of cluster.CacheNodes ?? []) {
              const ep = node.Endpoint;
              if (node.CacheNodeStatus !== 'available' || ep?.Address === undefined || ep.Port === undefined)
                continue;
              const server = hostPort(checkedHost(this.name, 'node endpoint', ep.Address), ep.Port);
              out.push(cluster.TransitEncryptionEnabled === true ? tlsServer(server) : server);
            }
          }
        }
      } catch (err) {
        if (err instanceof DiscoveryError) throw err;
        throw new DiscoveryError(this.name, `DescribeCacheClusters ${id} failed: ${describeAwsError(err)}`, {
          cause: err,
        });
      }
    }
    return out;
  }
}
