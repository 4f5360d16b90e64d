/**
 * Elastic Beanstalk peers: the private IPs of the environment's running instances, each with the
 * peer port (the co-located memcached, 11212 by default; docs/confgen.md).
 *
 * - Default: one paginated `ec2:DescribeInstances` filtered by the tag Elastic Beanstalk puts on
 *   every instance (`elasticbeanstalk:environment-name` or `elasticbeanstalk:environment-id`) and
 *   `instance-state-name=running`. Stable across immutable and traffic-splitting deployments
 *   (which add a temporary Auto Scaling group, so the ASG name is not used).
 * - `--eb-use-environment-resources` (the seed's path): `elasticbeanstalk:DescribeEnvironmentResources`
 *   for the instance IDs, then `DescribeInstances` filtered by `instance-id` (a filter, not
 *   `InstanceIds`, so an ID that was just terminated does not fail the whole call) and `running`.
 *
 * Every private IP must be an IP literal (`confgen/host-name.ts`), else `InvalidHostError`.
 */
import type { EC2Client, Filter, Reservation } from '@aws-sdk/client-ec2';
import type { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { DiscoveryError } from '../errors.js';
import { checkedHost, isValidIp } from '../host-name.js';
import { hostPort } from '../topology.js';
import {
  createEc2Client,
  createElasticBeanstalkClient,
  describeAwsError,
  type AwsSettings,
} from './aws-clients.js';
import type { ServerProvider } from './provider.js';

/** Options of `EbPeersProvider`: exactly one of `environmentName` / `environmentId`. */
export interface EbPeersOptions {
  readonly environmentName?: string | undefined;
  readonly environmentId?: string | undefined;
  /** Use DescribeEnvironmentResources for the instance IDs (the seed's path). */
  readonly useEnvironmentResources: boolean;
  /** Port of each peer's memcached. */
  readonly port: number;
  readonly aws: AwsSettings;
}

/** DescribeInstances page size (the API allows 5–1000). */
const PAGE_SIZE = 1000;
/** Instance IDs per `instance-id` filter. */
const IDS_PER_CALL = 100;

/** See the file comment. */
export class EbPeersProvider implements ServerProvider {
  readonly name: string;
  private ec2: EC2Client | null = null;
  private eb: ElasticBeanstalkClient | null = null;

  constructor(private readonly opts: EbPeersOptions) {
    const env = opts.environmentName ?? opts.environmentId ?? '';
    this.name = `${opts.useEnvironmentResources ? 'eb-resources' : 'ec2-tags'}:${env}`;
  }

  async list(): Promise<string[]> {
    this.ec2 ??= await createEc2Client(this.opts.aws);
    const running: Filter = { Name: 'instance-state-name', Values: ['running'] };
    const ips: string[] = [];
    if (this.opts.useEnvironmentResources) {
      const ids = await this.instanceIds();
      for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
        const chunk = ids.slice(i, i + IDS_PER_CALL);
        ips.push(...(await this.privateIps([{ Name: 'instance-id', Values: chunk }, running])));
      }
    } else {
      const tag =
        this.opts.environmentName !== undefined
          ? { Name: 'tag:elasticbeanstalk:environment-name', Values: [this.opts.environmentName] }
          : { Name: 'tag:elasticbeanstalk:environment-id', Values: [this.opts.environmentId ?? ''] };
      ips.push(...(await this.privateIps([tag, running])));
    }
    return ips.map((ip) =>
      hostPort(checkedHost(this.name, 'PrivateIpAddress', ip, isValidIp), this.opts.port),
    );
  }

  /** Instance IDs of the environment (DescribeEnvironmentResources; live, not paginated). */
  private async instanceIds(): Promise<string[]> {
    const sdk = await import('@aws-sdk/client-elastic-beanstalk');
    this.eb ??= await createElasticBeanstalkClient(this.opts.aws);
    try {
      const out = await this.eb.send(
        new sdk.DescribeEnvironmentResourcesCommand(
          this.opts.environmentName !== undefined
            ? { EnvironmentName: this.opts.environmentName }
            : { EnvironmentId: this.opts.environmentId },
        ),
      );
      return (out.EnvironmentResources?.Instances ?? []).flatMap((i) => (i.Id !== undefined ? [i.Id] : []));
    } catch (err) {
      throw new DiscoveryError(this.name, `DescribeEnvironmentResources failed: ${describeAwsError(err)}`, {
        cause: err,
      });
    }
  }

  /** Private IPs of running instances matching `filters`, every page. */
  private async privateIps(filters: Filter[]): Promise<string[]> {
    const sdk = await import('@aws-sdk/client-ec2');
    const client = this.ec2 as EC2Client;
    const out: string[] = [];
    try {
      for await (const page of sdk.paginateDescribeInstances(
        { client, pageSize: PAGE_SIZE },
        { Filters: filters },
      )) {
        out.push(...runningIps(page.Reservations ?? []));
      }
    } catch (err) {
      throw new DiscoveryError(this.name, `DescribeInstances failed: ${describeAwsError(err)}`, {
        cause: err,
      });
    }
    return out;
  }
}

function runningIps(reservations: readonly Reservation[]): string[] {
  const out: string[] = [];
  for (const r of reservations) {
    for (const i of r.Instances ?? []) {
      if (i.State?.Name === 'running' && i.PrivateIpAddress !== undefined && i.PrivateIpAddress !== '') {
        out.push(i.PrivateIpAddress);
      }
    }
  }
  return out;
}
