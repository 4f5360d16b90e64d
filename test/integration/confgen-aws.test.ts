/**
 * confgen's AWS providers against the real SDK v3 clients, answered by recorded AWS responses
 * (`RecordedAws`): request serialisation, pagination (NextToken / Marker), error mapping,
 * throttling and the SDK's retries all run for real.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EbPeersProvider } from '../../confgen/providers/eb-peers.js';
import { ElastiCacheNodesProvider } from '../../confgen/providers/elasticache-nodes.js';
import { DiscoveryError } from '../../confgen/errors.js';
import { createConfgen } from '../../confgen/setup.js';
import { parseConfgenOptions } from '../../confgen/options.js';
import {
  RecordedAws,
  describeCacheClusters,
  ebDescribeEnvironmentResources,
  ec2DescribeInstances,
  ec2Error,
  queryError,
  type AwsCall,
} from '../helpers/aws.js';
import { LogCapture } from '../helpers/log-capture.js';

const REGION = 'us-east-1';

function filters(call: AwsCall): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 1; call.params.has(`Filter.${i}.Name`); i++) {
    const values: string[] = [];
    for (let j = 1; call.params.has(`Filter.${i}.Value.${j}`); j++)
      values.push(call.params.get(`Filter.${i}.Value.${j}`) ?? '');
    out[call.params.get(`Filter.${i}.Name`) ?? ''] = values;
  }
  return out;
}

function eb(
  aws: RecordedAws,
  opts: Partial<ConstructorParameters<typeof EbPeersProvider>[0]> = {},
): EbPeersProvider {
  return new EbPeersProvider({
    environmentName: 'my-env',
    useEnvironmentResources: false,
    port: 11212,
    aws: { region: REGION, overrides: aws.overrides },
    ...opts,
  });
}

describe('Elastic Beanstalk peers (EC2 DescribeInstances by tag)', () => {
  test('filters by the environment tag and running, pages through nextToken, keeps running IPs', async () => {
    const aws = new RecordedAws((call) =>
      call.params.get('NextToken') === null
        ? {
            body: ec2DescribeInstances(
              [
                { id: 'i-0aaa', ip: '10.0.1.12' },
                { id: 'i-0bbb', ip: '10.0.2.7' },
                // Recently terminated instances may still appear (eventual consistency).
                { id: 'i-0ccc', ip: '10.0.3.9', state: 'shutting-down' },
              ],
              'eyJ2IjoiMiIsImMiOiIxIn0=',
            ),
          }
        : { body: ec2DescribeInstances([{ id: 'i-0ddd', ip: '10.0.1.100' }, { id: 'i-0eee' }]) },
    );
    const peers = await eb(aws).list();
    expect(peers.sort()).toEqual(['10.0.1.100:11212', '10.0.1.12:11212', '10.0.2.7:11212']);
    expect(aws.calls.map((c) => [c.host, c.action])).toEqual([
      ['ec2.us-east-1.amazonaws.com', 'DescribeInstances'],
      ['ec2.us-east-1.amazonaws.com', 'DescribeInstances'],
    ]);
    const [first, second] = aws.calls as [AwsCall, AwsCall];
    expect(filters(first)).toEqual({
      'tag:elasticbeanstalk:environment-name': ['my-env'],
      'instance-state-name': ['running'],
    });
    expect(first.params.get('MaxResults')).toBe('1000');
    expect(first.params.get('Version')).toBe('2016-11-15');
    expect(second.params.get('NextToken')).toBe('eyJ2IjoiMiIsImMiOiIxIn0=');
  });

  test('--eb-environment-id filters on elasticbeanstalk:environment-id', async () => {
    const aws = new RecordedAws(() => ({ body: ec2DescribeInstances([{ id: 'i-0aaa', ip: '10.0.1.12' }]) }));
    const peers = await eb(aws, { environmentName: undefined, environmentId: 'e-abcd1234' }).list();
    expect(peers).toEqual(['10.0.1.12:11212']);
    expect(filters(aws.calls[0] as AwsCall)).toEqual({
      'tag:elasticbeanstalk:environment-id': ['e-abcd1234'],
      'instance-state-name': ['running'],
    });
  });

  test('the seed path: DescribeEnvironmentResources, then DescribeInstances by instance-id in chunks of 100', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const aws = new RecordedAws((call) => {
      if (call.action === 'DescribeEnvironmentResources')
        return { body: ebDescribeEnvironmentResources('my-env', ids) };
      const asked = filters(call)['instance-id'] ?? [];
      return {
        body: ec2DescribeInstances(
          asked.map((id) => ({ id, ip: `10.1.${Number(id.slice(2)) >> 8}.${Number(id.slice(2)) & 255}` })),
        ),
      };
    });
    const peers = await eb(aws, { useEnvironmentResources: true }).list();
    expect(peers).toHaveLength(150);
    expect(peers).toContain('10.1.0.149:11212');
    const [resources] = aws.callsOf('DescribeEnvironmentResources');
    expect(resources?.host).toBe('elasticbeanstalk.us-east-1.amazonaws.com');
    expect(resources?.params.get('EnvironmentName')).toBe('my-env');
    expect(resources?.params.get('Version')).toBe('2010-12-01');
    const describes = aws.callsOf('DescribeInstances');
    expect(describes.map((c) => filters(c)['instance-id']?.length)).toEqual([100, 50]);
    expect(filters(describes[0] as AwsCall)['instance-state-name']).toEqual(['running']);
  });

  test('a throttled call is retried by the SDK and then succeeds', async () => {
    const aws = new RecordedAws((_call, i) =>
      i === 0
        ? { status: 503, body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.') }
        : { body: ec2DescribeInstances([{ id: 'i-0aaa', ip: '10.0.1.12' }]) },
    );
    expect(await eb(aws).list()).toEqual(['10.0.1.12:11212']);
    expect(aws.calls).toHaveLength(2);
  });

  test('throttled on every attempt: a DiscoveryError naming the AWS error, after the SDK gave up', async () => {
    const aws = new RecordedAws(() => ({
      status: 503,
      body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.'),
    }));
    const err = await eb(aws)
      .list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toMatch(
      /^ec2-tags:my-env: DescribeInstances failed: RequestLimitExceeded \(HTTP 503\): Request limit exceeded\.$/,
    );
    expect(aws.calls).toHaveLength(3);
  });

  test('an unknown environment (DescribeEnvironmentResources error) is a DiscoveryError', async () => {
    const aws = new RecordedAws(() => ({
      status: 400,
      body: queryError('InvalidParameterValue', "No Environment found for EnvironmentName = 'nope'."),
    }));
    const err = await eb(aws, { environmentName: 'nope', useEnvironmentResources: true })
      .list()
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain(
      'DescribeEnvironmentResources failed: InvalidParameterValue (HTTP 400)',
    );
  });
});

describe('ElastiCache nodes (DescribeCacheClusters)', () => {
  const node = (n: number): string => `mycache.abc123.000${n}.use1.cache.amazonaws.com`;
  const provider = (aws: RecordedAws, ids = ['mycache']): ElastiCacheNodesProvider =>
    new ElastiCacheNodesProvider({ clusterIds: ids, aws: { region: REGION, overrides: aws.overrides } });

  test('pages through Marker and keeps only available nodes with an endpoint', async () => {
    const aws = new RecordedAws((call) =>
      call.params.get('Marker') === null
        ? {
            body: describeCacheClusters(
              'mycache',
              [
                { id: '0001', status: 'available', address: node(1) },
                { id: '0002', status: 'rebooting', address: node(2) },
              ],
              'marker-page-2',
            ),
          }
        : {
            body: describeCacheClusters('mycache', [
              { id: '0003', status: 'available', address: node(3), port: 11311 },
              { id: '0004', status: 'creating' },
            ]),
          },
    );
    expect(await provider(aws).list()).toEqual([`${node(1)}:11211`, `${node(3)}:11311`]);
    const [first, second] = aws.calls as [AwsCall, AwsCall];
    expect(first.host).toBe('elasticache.us-east-1.amazonaws.com');
    expect(Object.fromEntries(first.params)).toMatchObject({
      Action: 'DescribeCacheClusters',
      Version: '2015-02-02',
      CacheClusterId: 'mycache',
      ShowCacheNodeInfo: 'true',
      MaxRecords: '100',
    });
    expect(second.params.get('Marker')).toBe('marker-page-2');
  });

  test('CacheClusterNotFound is not retried and names the cluster', async () => {
    const aws = new RecordedAws(() => ({
      status: 404,
      body: queryError('CacheClusterNotFound', 'CacheCluster not found: nope'),
    }));
    const err = await provider(aws, ['nope'])
      .list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toBe(
      'elasticache-api:nope: DescribeCacheClusters nope failed: CacheClusterNotFound (HTTP 404): CacheCluster not found: nope',
    );
    // The SDK mapped the wire code to its modelled exception.
    expect(((err as DiscoveryError).cause as Error).name).toBe('CacheClusterNotFoundFault');
    expect(aws.calls).toHaveLength(1);
  });

  test('Throttling is retried', async () => {
    const aws = new RecordedAws((_c, i) =>
      i === 0
        ? { status: 400, body: queryError('Throttling', 'Rate exceeded') }
        : { body: describeCacheClusters('mycache', [{ id: '0001', status: 'available', address: node(1) }]) },
    );
    expect(await provider(aws).list()).toEqual([`${node(1)}:11211`]);
    expect(aws.calls).toHaveLength(2);
  });

  test('a redis cluster is refused', async () => {
    const aws = new RecordedAws(() => ({
      body: describeCacheClusters(
        'myredis',
        [{ id: '0001', status: 'available', address: 'r.example' }],
        undefined,
        'redis',
      ),
    }));
    await expect(provider(aws, ['myredis']).list()).rejects.toThrow(
      'cluster myredis runs redis, not memcached',
    );
  });
});

describe('a whole cycle with AWS providers', () => {
  let dir: string;
  let logs: LogCapture;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcconfgen-aws-'));
    logs = new LogCapture();
  });
  afterEach(() => {
    logs.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes peers and central; a later throttled cycle writes nothing and keeps the file', async () => {
    let throttle = false;
    const aws = new RecordedAws((call) => {
      if (call.action === 'DescribeInstances') {
        return throttle
          ? { status: 503, body: ec2Error('RequestLimitExceeded', 'Request limit exceeded.') }
          : {
              body: ec2DescribeInstances([
                { id: 'i-1', ip: '10.0.2.7' },
                { id: 'i-2', ip: '10.0.1.12' },
              ]),
            };
      }
      return {
        body: describeCacheClusters('mycache', [
          { id: '0002', status: 'available', address: 'mycache.abc123.0002.use1.cache.amazonaws.com' },
          { id: '0001', status: 'available', address: 'mycache.abc123.0001.use1.cache.amazonaws.com' },
        ]),
      };
    });
    const output = join(dir, 'mcrouter.json');
    const confgen = createConfgen(
      parseConfgenOptions([
        '--once',
        '--output',
        output,
        '--template',
        'seed',
        '--eb-environment-name',
        'my-env',
        '--elasticache-cluster-id',
        'mycache',
        '--region',
        REGION,
      ]),
      { awsOverrides: aws.overrides },
    );
    expect(await confgen.runOnce()).toBe('written');
    const written = readFileSync(output, 'utf8');
    const json = JSON.parse(written) as { pools: Record<string, { servers: string[] }> };
    expect(json.pools.peers?.servers).toEqual(['10.0.1.12:11212', '10.0.2.7:11212']);
    expect(json.pools.central?.servers).toEqual([
      'mycache.abc123.0001.use1.cache.amazonaws.com:11211',
      'mycache.abc123.0002.use1.cache.amazonaws.com:11211',
    ]);
    expect(json.pools.local?.servers).toEqual(['127.0.0.1:11212']);

    throttle = true;
    expect(await confgen.runOnce()).toBe('discovery-failed');
    expect(readFileSync(output, 'utf8')).toBe(written);
    expect(logs.matching('discovery failed; keeping the last good file')[0]?.err).toContain(
      'RequestLimitExceeded',
    );
  });
});
