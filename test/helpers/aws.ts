/**
 * Offline AWS for tests: a `requestHandler` for the real SDK v3 clients that answers with
 * recorded AWS responses (XML bodies written from the AWS API reference), so the SDK's own request
 * serialisation, response parsing, pagination, error mapping and retries all run. Every request
 * is recorded (host, action, form parameters).
 */

/** One request the SDK sent. */
export interface AwsCall {
  readonly host: string;
  readonly action: string;
  readonly params: URLSearchParams;
}

/** A recorded response. */
export interface AwsReply {
  readonly status?: number;
  readonly body: string;
}

/** Answers one call (by action, parameters, or call count). */
export type AwsResponder = (call: AwsCall, index: number) => AwsReply;

interface SdkHttpRequest {
  readonly hostname: string;
  readonly body?: unknown;
}

/** See the file comment. */
export class RecordedAws {
  readonly calls: AwsCall[] = [];

  constructor(private readonly respond: AwsResponder) {}

  /** Client configuration for `createConfgen(..., { awsOverrides })` or a client constructor. */
  get overrides(): Record<string, unknown> {
    return {
      requestHandler: {
        handle: (request: SdkHttpRequest) => this.handle(request),
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
        destroy: () => undefined,
      },
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    };
  }

  /** Calls of one action. */
  callsOf(action: string): AwsCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  private handle(request: SdkHttpRequest): Promise<{ response: unknown }> {
    const params = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    const call: AwsCall = { host: request.hostname, action: params.get('Action') ?? '', params };
    this.calls.push(call);
    const reply = this.respond(call, this.calls.length - 1);
    return Promise.resolve({
      response: {
        statusCode: reply.status ?? 200,
        headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': 'req-1' },
        body: Buffer.from(reply.body, 'utf8'),
      },
    });
  }
}

// ---- EC2 (ec2 protocol: lowercase names, <item> lists) ----

/** One instance of a DescribeInstances reservation. */
export interface Ec2Instance {
  readonly id: string;
  readonly ip?: string;
  readonly state?: string;
  readonly env?: string;
}

/** A `DescribeInstancesResponse` page: one reservation per instance. */
export function ec2DescribeInstances(instances: readonly Ec2Instance[], nextToken?: string): string {
  const codes: Record<string, number> = {
    pending: 0,
    running: 16,
    'shutting-down': 32,
    terminated: 48,
    stopped: 80,
  };
  const items = instances
    .map(
      (i, n) => `
    <item>
      <reservationId>r-0${n}1234567890abcd</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>${i.id}</instanceId>
          <imageId>ami-0abcdef1234567890</imageId>
          <instanceState><code>${codes[i.state ?? 'running'] ?? 16}</code><name>${i.state ?? 'running'}</name></instanceState>
          <privateDnsName>${i.ip !== undefined ? `ip-${i.ip.replaceAll('.', '-')}.ec2.internal` : ''}</privateDnsName>
          <instanceType>t3.small</instanceType>
          <launchTime>2026-11-20T10:00:00.000Z</launchTime>
          <placement><availabilityZone>us-east-1a</availabilityZone><groupName/><tenancy>default</tenancy></placement>
          <subnetId>subnet-0123456789abcdef0</subnetId>
          <vpcId>vpc-0123456789abcdef0</vpcId>
          ${i.ip !== undefined ? `<privateIpAddress>${i.ip}</privateIpAddress>` : ''}
          <tagSet>
            <item><key>elasticbeanstalk:environment-name</key><value>${i.env ?? 'my-env'}</value></item>
            <item><key>elasticbeanstalk:environment-id</key><value>e-abcd1234</value></item>
            <item><key>Name</key><value>${i.env ?? 'my-env'}</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-ef5a4a2a8f2b</requestId>
  <reservationSet>${items}
  </reservationSet>${nextToken !== undefined ? `\n  <nextToken>${nextToken}</nextToken>` : ''}
</DescribeInstancesResponse>`;
}

/** An EC2 error (`<Response><Errors><Error>…`), e.g. `RequestLimitExceeded` with HTTP 503. */
export function ec2Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-cb5432daacc0</RequestID></Response>`;
}

// ---- Elastic Beanstalk (awsQuery: <member> lists) ----

/** A `DescribeEnvironmentResourcesResponse` listing these instance IDs. */
export function ebDescribeEnvironmentResources(env: string, instanceIds: readonly string[]): string {
  const members = instanceIds.map((id) => `<member><Id>${id}</Id></member>`).join('');
  return `<DescribeEnvironmentResourcesResponse xmlns="http://elasticbeanstalk.amazonaws.com/docs/2010-12-01/">
  <DescribeEnvironmentResourcesResult>
    <EnvironmentResources>
      <EnvironmentName>${env}</EnvironmentName>
      <AutoScalingGroups><member><Name>awseb-e-abcd1234-stack-AWSEBAutoScalingGroup-1ABCDEF</Name></member></AutoScalingGroups>
      <Instances>${members}</Instances>
      <LaunchConfigurations/>
      <LaunchTemplates><member><Id>lt-0123456789abcdef0</Id></member></LaunchTemplates>
      <LoadBalancers><member><Name>awseb-e-a-AWSEBLoa-1ABCDEF</Name></member></LoadBalancers>
      <Triggers/>
      <Queues/>
    </EnvironmentResources>
  </DescribeEnvironmentResourcesResult>
  <ResponseMetadata><RequestId>e8d2e6d7-0b3a-4a9e-9b63-5e4d2c8a1f00</RequestId></ResponseMetadata>
</DescribeEnvironmentResourcesResponse>`;
}

/** An awsQuery error (`<ErrorResponse><Error>…`), used by Elastic Beanstalk and ElastiCache. */
export function queryError(code: string, message: string, type = 'Sender'): string {
  return `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>
  <RequestId>9a2e8f3c-1d4b-4c6e-8f7a-0b1c2d3e4f5a</RequestId>
</ErrorResponse>`;
}

// ---- ElastiCache (awsQuery: named list items) ----

/** One cache node. `address` undefined = no endpoint yet (being added). */
export interface CacheNode {
  readonly id: string;
  readonly status: string;
  readonly address?: string;
  readonly port?: number;
}

/** A `DescribeCacheClustersResponse` page with one memcached cluster (`transitEncryption`: TLS). */
export function describeCacheClusters(
  clusterId: string,
  nodes: readonly CacheNode[],
  marker?: string,
  engine = 'memcached',
  transitEncryption = false,
): string {
  const nodeXml = nodes
    .map(
      (n) => `
          <CacheNode>
            <CacheNodeId>${n.id}</CacheNodeId>
            <CacheNodeStatus>${n.status}</CacheNodeStatus>
            ${n.address !== undefined ? '<CacheNodeCreateTime>2026-01-05T12:00:00.000Z</CacheNodeCreateTime>' : ''}
            ${n.address !== undefined ? `<Endpoint><Address>${n.address}</Address><Port>${n.port ?? 11211}</Port></Endpoint>` : ''}
            <ParameterGroupStatus>in-sync</ParameterGroupStatus>
            <CustomerAvailabilityZone>us-east-1a</CustomerAvailabilityZone>
          </CacheNode>`,
    )
    .join('');
  return `<DescribeCacheClustersResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">
  <DescribeCacheClustersResult>${marker !== undefined ? `\n    <Marker>${marker}</Marker>` : ''}
    <CacheClusters>
      <CacheCluster>
        <CacheClusterId>${clusterId}</CacheClusterId>
        <ConfigurationEndpoint><Address>${clusterId}.abc123.cfg.use1.cache.amazonaws.com</Address><Port>11211</Port></ConfigurationEndpoint>
        <ClientDownloadLandingPage>https://console.aws.amazon.com/elasticache/home#client-download:</ClientDownloadLandingPage>
        <CacheNodeType>cache.t3.small</CacheNodeType>
        <Engine>${engine}</Engine>
        <EngineVersion>1.6.22</EngineVersion>
        <CacheClusterStatus>available</CacheClusterStatus>
        <NumCacheNodes>${nodes.length}</NumCacheNodes>
        <PreferredAvailabilityZone>Multiple</PreferredAvailabilityZone>
        <CacheClusterCreateTime>2026-01-05T12:00:00.000Z</CacheClusterCreateTime>
        <PreferredMaintenanceWindow>sun:05:00-sun:06:00</PreferredMaintenanceWindow>
        <CacheNodes>${nodeXml}
        </CacheNodes>
        <AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade>
        <TransitEncryptionEnabled>${transitEncryption}</TransitEncryptionEnabled>
        <AtRestEncryptionEnabled>false</AtRestEncryptionEnabled>
      </CacheCluster>
    </CacheClusters>
  </DescribeCacheClustersResult>
  <ResponseMetadata><RequestId>2d7a4f3e-5b6c-4d8e-9f0a-1b2c3d4e5f60</RequestId></ResponseMetadata>
</DescribeCacheClustersResponse>`;
}
