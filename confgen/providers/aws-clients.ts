/**
 * AWS SDK v3 clients, loaded only when a provider that needs them is configured (`await import()`:
 * the EC2 client alone takes ~350 ms to import and ~47 MB on disk with its dependencies). They use
 * the default credential chain (environment, profile, container or instance role) and the default
 * region unless `--region` is given; `overrides` lets tests plug in a `requestHandler` that
 * answers with recorded AWS responses, so the SDK's own serialisation, paging, error mapping and
 * retries run.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DiscoveryError } from '../errors.js';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';

/** How AWS clients are made. */
export interface AwsSettings {
  /**
   * `--region`, or a function asked when a client is created (e.g. IMDS); undefined = the SDK's
   * default chain (`AWS_REGION`, profile).
   */
  readonly region?: string | (() => Promise<string | undefined>) | undefined;
  /** Extra client configuration (tests: `requestHandler`, `credentials`, `maxAttempts`). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

async function clientConfig(settings: AwsSettings): Promise<Record<string, unknown>> {
  const region = typeof settings.region === 'function' ? await settings.region() : settings.region;
  if (typeof settings.region === 'function' && region === undefined) {
    throw new DiscoveryError('aws', 'no AWS region: give --region or set AWS_REGION (IMDS did not answer)');
  }
  return {
    ...(region !== undefined ? { region } : {}),
    ...settings.overrides,
  };
}

/** A new EC2 client (loads `@aws-sdk/client-ec2`). */
export async function createEc2Client(settings: AwsSettings): Promise<EC2Client> {
  const sdk = await import('@aws-sdk/client-ec2');
  return new sdk.EC2Client(await clientConfig(settings));
}

/** A new Elastic Beanstalk client (loads `@aws-sdk/client-elastic-beanstalk`). */
export async function createElasticBeanstalkClient(settings: AwsSettings): Promise<ElasticBeanstalkClient> {
  const sdk = await import('@aws-sdk/client-elastic-beanstalk');
  return new sdk.ElasticBeanstalkClient(await clientConfig(settings));
}

/** A new ElastiCache client (loads `@aws-sdk/client-elasticache`). */
export async function createElastiCacheClient(settings: AwsSettings): Promise<ElastiCacheClient> {
  const sdk = await import('@aws-sdk/client-elasticache');
  return new sdk.ElastiCacheClient(await clientConfig(settings));
}

/** The error's AWS code (`RequestLimitExceeded`, `CacheClusterNotFound`, ...) and message, for logs. */
export function describeAwsError(err: unknown): string {
  const e = err as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  return `${e.Code ?? e.name ?? 'Error'}${status !== undefined ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
}
