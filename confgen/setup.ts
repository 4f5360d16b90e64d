/**
 * Options → a ready `Confgen`: the providers the flags ask for (AWS SDK clients are only loaded by
 * the providers that need them), the template, the safety guard.
 */
import { readFileSync } from 'node:fs';
import { Confgen } from './confgen.js';
import { ConfgenOptionError } from './errors.js';
import { parseLocalSpec, resolveLocal } from './local.js';
import type { ConfgenOptions } from './options.js';
import { AutoDiscoveryProvider } from './providers/auto-discovery.js';
import type { AwsSettings } from './providers/aws-clients.js';
import { DnsProvider } from './providers/dns.js';
import { EbPeersProvider } from './providers/eb-peers.js';
import { ElastiCacheNodesProvider } from './providers/elasticache-nodes.js';
import { Imds } from './providers/imds.js';
import type { ServerProvider } from './providers/provider.js';
import { StaticListProvider } from './providers/static-list.js';
import { SafetyGuard } from './safety.js';
import { resolveTemplate } from './templates/index.js';
import { normalizeServer } from './topology.js';

/** What tests (and embedders) may plug in. */
export interface ConfgenHooks {
  /** Extra AWS client configuration (`requestHandler`, `credentials`, `maxAttempts`). */
  readonly awsOverrides?: Readonly<Record<string, unknown>>;
  /** Where `--dry-run` prints. Default: stdout. */
  readonly print?: (text: string) => void;
}

/**
 * Builds a `Confgen` from options.
 * @throws ConfgenOptionError for a bad template, server string or endpoint
 */
export function createConfgen(o: ConfgenOptions, hooks: ConfgenHooks = {}): Confgen {
  const imds = new Imds(o.imdsEndpoint);
  const aws: AwsSettings = {
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (() => imdsRegion(imds)),
    ...(hooks.awsOverrides !== undefined ? { overrides: hooks.awsOverrides } : {}),
  };
  const peers: ServerProvider[] = [];
  const central: ServerProvider[] = [];
  if (o.ebEnvironmentName !== undefined || o.ebEnvironmentId !== undefined) {
    peers.push(
      new EbPeersProvider({
        environmentName: o.ebEnvironmentName,
        environmentId: o.ebEnvironmentId,
        useEnvironmentResources: o.ebUseEnvironmentResources,
        port: o.peerPort,
        aws,
      }),
    );
  }
  if (o.staticPeers !== undefined) peers.push(new StaticListProvider('peers', o.staticPeers, o.peerPort));
  if (o.dnsPeers !== undefined) {
    const { name, port } = splitNamePort(o.dnsPeers, o.peerPort);
    peers.push(new DnsProvider({ name, port, servers: o.dnsServer }));
  }
  if (o.elasticacheClusterId.length > 0) {
    central.push(new ElastiCacheNodesProvider({ clusterIds: o.elasticacheClusterId, aws }));
  }
  if (o.elasticacheConfigEndpoint !== undefined) {
    const endpoint = normalizeServer(o.elasticacheConfigEndpoint, 11211);
    const i = endpoint.lastIndexOf(':');
    central.push(
      new AutoDiscoveryProvider({
        host: endpoint.slice(0, i).replace(/^\[|\]$/g, ''),
        port: Number(endpoint.slice(i + 1)),
        tls: o.elasticacheTls,
        ...(o.pemCaPath !== undefined ? { ca: readCa(o.pemCaPath) } : {}),
      }),
    );
  }
  if (o.staticCentral !== undefined) central.push(new StaticListProvider('central', o.staticCentral, 11211));
  const localSpec = parseLocalSpec(o.local, o.peerPort);
  return new Confgen({
    peers,
    central,
    local: () => resolveLocal(localSpec, o.peerPort, imds),
    template: resolveTemplate(o.template),
    templateSettings: { localTtl: o.localTtl },
    output: o.output,
    dryRun: o.dryRun,
    guard: new SafetyGuard({ maxPeerShrink: o.maxPeerShrink, confirmations: o.shrinkConfirmations }),
    print:
      hooks.print ??
      ((text) => {
        process.stdout.write(text);
      }),
  });
}

/** `--pem-ca-path`'s contents. @throws ConfgenOptionError naming the file */
function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfgenOptionError(
      `--pem-ca-path ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

/** `name[:port]` → name and port. */
export function splitNamePort(text: string, defaultPort: number): { name: string; port: number } {
  const i = text.lastIndexOf(':');
  if (i < 0) return { name: text, port: defaultPort };
  const port = Number(text.slice(i + 1));
  if (!/^\d{1,5}$/.test(text.slice(i + 1)) || port < 1 || port > 65535 || i === 0) {
    throw new ConfgenOptionError(`--dns-peers: expected name[:port], got ${JSON.stringify(text)}`);
  }
  return { name: text.slice(0, i), port };
}

async function imdsRegion(imds: Imds): Promise<string | undefined> {
  try {
    return await imds.region();
  } catch {
    return undefined;
  }
}
