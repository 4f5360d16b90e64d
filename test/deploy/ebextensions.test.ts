/**
 * ebextensions/*.config (copied to .ebextensions/) and deploy/efs/config-filesystem.yaml: parsed
 * strictly, then checked for resource types and properties, Ref/Fn::GetAtt targets and option
 * settings; plus what the sidecar needs from them (ports, ingress, the env properties the
 * platform hooks and mcconfgen read).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { checkCfn, interpolations, optionSettings } from './lib/cfn-check.js';
import { resourceSpec } from './lib/cfn-spec.js';
import { read, readYaml } from './lib/files.js';

const configNames = readdirSync(join(REPO_ROOT, 'ebextensions'))
  .filter((f) => f.endsWith('.config'))
  .sort();

function load(names: readonly string[]): Map<string, unknown> {
  return new Map(
    names.map((n) => {
      const docs = readYaml(`ebextensions/${n}`);
      expect(docs, n).toHaveLength(1);
      return [n, docs[0]] as const;
    }),
  );
}

const set = load(configNames);
type Doc = Record<string, unknown> & {
  Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};
const doc = (name: string): Doc => set.get(name) as Doc;

// The specification database (a few MB, gunzipped and indexed) loads once, before the tests.
beforeAll(() => {
  expect(resourceSpec('AWS::EC2::SecurityGroup')?.attrs).toContain('GroupId');
}, 60_000);

describe('ebextensions', () => {
  test('the set', () => {
    expect(configNames).toEqual([
      '10-mcsidecar-options.config',
      '20-elasticache.config',
      '30-efs-create.config',
      '40-mcconfgen-iam.config',
      '50-mcsidecar-observability.config',
    ]);
  });

  test('the whole set is consistent: types, properties, references, option settings', () => {
    expect(checkCfn(set, 'ebextensions')).toEqual([]);
  });

  test('without the EFS file (an existing file system) the rest is still consistent', () => {
    expect(checkCfn(load(configNames.filter((n) => n !== '30-efs-create.config')), 'ebextensions')).toEqual(
      [],
    );
  });

  test('the options the issue asks for are declared', () => {
    const custom = optionSettings(doc('10-mcsidecar-options.config')).get(
      'aws:elasticbeanstalk:customoption',
    );
    expect([...(custom?.keys() ?? [])]).toEqual(
      expect.arrayContaining([
        'CacheNodeType',
        'NumCacheNodes',
        'CachePort',
        'CacheEngineVersion',
        'CacheTransitEncryption',
      ]),
    );
  });

  test('security groups: the cache from the instances on CachePort; the instances to each other on 11211-11212', () => {
    const r = doc('20-elasticache.config').Resources ?? {};
    const ingress = (r.CacheSecurityGroup?.Properties.SecurityGroupIngress as Record<string, unknown>[])[0];
    expect(ingress?.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': ['AWSEBSecurityGroup', 'GroupId'] });
    expect(ingress?.FromPort).toEqual({
      'Fn::GetOptionSetting': { OptionName: 'CachePort', DefaultValue: '11211' },
    });
    expect(r.CachePeerInbound?.Properties).toMatchObject({
      GroupId: { 'Fn::GetAtt': ['AWSEBSecurityGroup', 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': ['AWSEBSecurityGroup', 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 11211,
      ToPort: 11212,
    });
    expect(r.ElastiCache?.Properties.Engine).toBe('memcached');
  });

  test('EFS: NFS from the instances only, an access point owned by the image user (10001)', () => {
    const r = doc('30-efs-create.config').Resources ?? {};
    const ingress = (
      r.MountTargetSecurityGroup?.Properties.SecurityGroupIngress as Record<string, unknown>[]
    )[0];
    expect(ingress).toMatchObject({
      FromPort: 2049,
      ToPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': ['AWSEBSecurityGroup', 'GroupId'] },
    });
    expect(r.ConfigAccessPoint?.Properties).toMatchObject({
      PosixUser: { Uid: '10001', Gid: '10001' },
      RootDirectory: { Path: '/mcsidecar', CreationInfo: { OwnerUid: '10001', OwnerGid: '10001' } },
    });
    const env = optionSettings(doc('30-efs-create.config')).get(
      'aws:elasticbeanstalk:application:environment',
    );
    expect(interpolations(String(env?.get('MCSIDECAR_EFS_ID'))).map((s) => JSON.parse(s) as unknown)).toEqual(
      [{ Ref: 'FileSystem' }],
    );
    expect(
      interpolations(String(env?.get('MCSIDECAR_EFS_ACCESS_POINT'))).map((s) => JSON.parse(s) as unknown),
    ).toEqual([{ Ref: 'ConfigAccessPoint' }]);
  });

  test('the environment properties name real mcconfgen flags and what the hooks read', () => {
    const env = optionSettings(doc('10-mcsidecar-options.config')).get(
      'aws:elasticbeanstalk:application:environment',
    );
    // The CLI contract: --eb-environment-name, --elasticache-config-endpoint, --region, --peer-port,
    // --local, --template, --max-peer-shrink, --log-level (each also MCCONFGEN_<FLAG>).
    const flags = [
      'eb-environment-name',
      'elasticache-config-endpoint',
      'region',
      'peer-port',
      'local',
      'template',
      'max-peer-shrink',
      'log-level',
      'elasticache-tls',
    ];
    for (const f of flags)
      expect(env?.has(`MCCONFGEN_${f.toUpperCase().replaceAll('-', '_')}`), f).toBe(true);
    for (const k of env?.keys() ?? [])
      expect(k, 'an env property').toMatch(/^(MCCONFGEN|MCSIDECAR)_[A-Z0-9_]+$/);
    // --once/--interval/--output are per invocation (the hooks pass them), never environment-wide.
    for (const k of ['MCCONFGEN_ONCE', 'MCCONFGEN_INTERVAL', 'MCCONFGEN_OUTPUT'])
      expect(env?.has(k)).toBe(false);
    expect(env?.get('MCCONFGEN_LOCAL')).toBe('127.0.0.1:11212');
    expect(env?.get('MCCONFGEN_PEER_PORT')).toBe('11212');
    // TLS to the cluster follows the CacheTransitEncryption option the cluster is created with.
    expect(env?.get('MCCONFGEN_ELASTICACHE_TLS')).toBe(
      '`{"Fn::GetOptionSetting": {"Namespace": "aws:elasticbeanstalk:customoption", "OptionName": "CacheTransitEncryption", "DefaultValue": "false"}}`',
    );
  });

  test("the IAM policy: only what mcconfgen calls by default, on this environment's own role", () => {
    const p = doc('40-mcconfgen-iam.config').Resources?.McconfgenInstancePolicy?.Properties;
    const statements = (p?.PolicyDocument as { Statement: { Action: string }[] }).Statement;
    expect(statements.map((s) => s.Action)).toEqual(['ec2:DescribeInstances']);
    const custom = optionSettings(doc('10-mcsidecar-options.config')).get(
      'aws:elasticbeanstalk:customoption',
    );
    expect(custom?.get('InstanceRoleName')).not.toBe('aws-elasticbeanstalk-ec2-role');
    expect(JSON.stringify(p?.Roles)).toContain(String(custom?.get('InstanceRoleName')));
  });

  test('the cluster listens on CachePort; mount targets in explicitly chosen subnets, one per zone', () => {
    expect(doc('20-elasticache.config').Resources?.ElastiCache?.Properties.Port).toEqual({
      'Fn::GetOptionSetting': { OptionName: 'CachePort', DefaultValue: '11211' },
    });
    const efs = doc('30-efs-create.config').Resources;
    expect(efs?.MountTargetA?.Properties.SubnetId).toEqual({
      'Fn::GetOptionSetting': { OptionName: 'EfsSubnetA', DefaultValue: 'subnet-REPLACE-IN-AZ-A' },
    });
    expect(efs?.MountTargetB?.Properties.SubnetId).toEqual({
      'Fn::GetOptionSetting': { OptionName: 'EfsSubnetB', DefaultValue: 'subnet-REPLACE-IN-AZ-B' },
    });
  });

  test('alarms on config age and TKO read the metrics the CloudWatch agent ships', () => {
    const o = doc('50-mcsidecar-observability.config');
    const alarms = Object.values(o.Resources ?? {}).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map((a) => a.Properties.MetricName)).toEqual([
      'mcconfgen_config_age_seconds',
      'mcproxy_tko_servers',
    ]);
    const files = o.files as Record<string, { content: string }>;
    const agent = files['/opt/mcsidecar/cloudwatch-agent.json']?.content ?? '';
    const prometheus = files['/opt/mcsidecar/prometheus.yaml']?.content ?? '';
    for (const a of alarms) {
      expect(agent).toContain(`"^${String(a.Properties.MetricName)}$"`);
      expect(a.Properties.Namespace).toBe('mcsidecar');
    }
    expect(agent).toContain('"metric_namespace": "mcsidecar"');
    expect(agent).toContain('"file_path": "/var/log/mcsidecar/mcconfgen.log"');
    // The scrape targets: the proxy's host port (Dockerrun.aws.json) and mcconfgen's (the unit).
    expect(prometheus).toContain("targets: ['127.0.0.1:9150']");
    expect(prometheus).toContain("targets: ['127.0.0.1:9151']");
    expect(read('Dockerrun.aws.json')).toContain('--metrics-port 9150');
    expect(read('ebextensions/platform/mcsidecar/mcconfgen.service')).toContain('--metrics-port 9151');
  });
});

describe('deploy/efs/config-filesystem.yaml (the file system outside the environment)', () => {
  const template = readYaml('deploy/efs/config-filesystem.yaml')[0] as {
    Resources: Record<string, { DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
    Outputs: Record<string, unknown>;
  };

  test('is a consistent CloudFormation template', () => {
    expect(checkCfn(new Map([['config-filesystem.yaml', template]]), 'cloudformation')).toEqual([]);
  });

  test('retains the file system and outputs what the environment needs', () => {
    expect(template.Resources.FileSystem).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(Object.keys(template.Outputs).sort()).toEqual([
      'AccessPointId',
      'ClientSecurityGroupId',
      'FileSystemId',
    ]);
  });
});

describe('deploy/iam/instance-profile.yaml (one instance role per environment)', () => {
  const template = readYaml('deploy/iam/instance-profile.yaml')[0] as {
    Resources: Record<string, { Properties: Record<string, unknown> }>;
  };

  test('is a consistent CloudFormation template with the SSM, ECR, ECS and CloudWatch agent policies', () => {
    expect(checkCfn(new Map([['instance-profile.yaml', template]]), 'cloudformation')).toEqual([]);
    const arns = JSON.stringify(template.Resources.InstanceRole?.Properties.ManagedPolicyArns);
    for (const p of [
      'AmazonSSMManagedInstanceCore',
      'AWSElasticBeanstalkMulticontainerDocker',
      'AmazonEC2ContainerRegistryReadOnly',
      'CloudWatchAgentServerPolicy',
    ])
      expect(arns).toContain(`/${p}`);
  });
});

describe('the checker finds what it is for', () => {
  function problemsWith(
    edit: (d: Record<string, unknown>) => void,
    name = '20-elasticache.config',
  ): string[] {
    const copy = new Map([...set].map(([k, v]) => [k, structuredClone(v)]));
    edit(copy.get(name) as Record<string, unknown>);
    return checkCfn(copy, 'ebextensions').map((p) => `${p.file} ${p.path}: ${p.message}`);
  }
  const resources = (
    d: Record<string, unknown>,
  ): Record<string, { Type: string; Properties: Record<string, unknown> }> =>
    d.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;

  test('a Ref to a missing resource, a GetAtt of a missing attribute, an undeclared option', () => {
    const found = problemsWith((d) => {
      const r = resources(d);
      (r.ElastiCache as { Properties: Record<string, unknown> }).Properties.CacheSubnetGroupName = {
        Ref: 'CacheSubnets',
      };
      (r.ElastiCache as { Properties: Record<string, unknown> }).Properties.VpcSecurityGroupIds = [
        { 'Fn::GetAtt': ['CacheSecurityGroup', 'Arn'] },
      ];
      (r.ElastiCache as { Properties: Record<string, unknown> }).Properties.NumCacheNodes = {
        'Fn::GetOptionSetting': { OptionName: 'CacheNodes', DefaultValue: '2' },
      };
    });
    expect(found).toEqual([
      '20-elasticache.config Resources.ElastiCache.Properties.NumCacheNodes.Fn::GetOptionSetting: option aws:elasticbeanstalk:customoption:CacheNodes is not declared in option_settings',
      '20-elasticache.config Resources.ElastiCache.Properties.CacheSubnetGroupName.Ref: Ref to CacheSubnets, which is not a resource or parameter',
      '20-elasticache.config Resources.ElastiCache.Properties.VpcSecurityGroupIds[0].Fn::GetAtt: CacheSecurityGroup has no attribute Arn',
    ]);
  });

  test('an unknown type, a misspelled property, a missing required one, EB resource shadowing, a drifting default', () => {
    const found = problemsWith((d) => {
      const r = resources(d);
      (r.CacheSubnetGroup as { Type: string }).Type = 'AWS::ElastiCache::SubnetGroups';
      const sg = r.CacheSecurityGroup as { Properties: Record<string, unknown> };
      sg.Properties.VPCId = sg.Properties.VpcId;
      delete sg.Properties.GroupDescription;
      delete sg.Properties.VpcId;
      r.AWSEBSecurityGroup = { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'x' } };
      (r.ElastiCache as { Properties: Record<string, unknown> }).Properties.CacheNodeType = {
        'Fn::GetOptionSetting': { OptionName: 'CacheNodeType', DefaultValue: 'cache.t2.small' },
      };
    });
    expect(found).toEqual([
      "20-elasticache.config Resources.AWSEBSecurityGroup: AWSEBSecurityGroup is Elastic Beanstalk's own resource",
      '20-elasticache.config Resources.CacheSubnetGroup.Type: unknown resource type AWS::ElastiCache::SubnetGroups',
      '20-elasticache.config Resources.CacheSecurityGroup.Properties.VPCId: AWS::EC2::SecurityGroup has no property VPCId',
      '20-elasticache.config Resources.CacheSecurityGroup.Properties: AWS::EC2::SecurityGroup needs GroupDescription',
      '20-elasticache.config Resources.ElastiCache.Properties.CacheNodeType.Fn::GetOptionSetting: DefaultValue "cache.t2.small" differs from the declared "cache.t4g.small"',
    ]);
  });

  test('nested property types from the specification: a misspelled key in a rule, a wrong kind of value', () => {
    const found = problemsWith((d) => {
      const r = resources(d);
      const sg = r.CacheSecurityGroup as unknown as {
        Properties: { SecurityGroupIngress: Record<string, unknown>[] };
      };
      const rule = sg.Properties.SecurityGroupIngress[0] as Record<string, unknown>;
      rule.FromPrt = rule.FromPort;
      delete rule.FromPort;
      (r.ElastiCache as { Properties: Record<string, unknown> }).Properties.VpcSecurityGroupIds = 'sg-1';
    });
    expect(found).toEqual([
      '20-elasticache.config Resources.CacheSecurityGroup.Properties.SecurityGroupIngress[0].FromPrt: AWS::EC2::SecurityGroup has no property FromPrt',
      '20-elasticache.config Resources.ElastiCache.Properties.VpcSecurityGroupIds: expected a list',
    ]);
    const alarm = problemsWith((d) => {
      const a = resources(d).McsidecarConfigAgeAlarm as { Properties: Record<string, unknown> };
      a.Properties.Threshold = 'five minutes';
      a.Properties.Dimensions = [{ Name: 'Environment' }];
    }, '50-mcsidecar-observability.config');
    expect(alarm).toEqual([
      '50-mcsidecar-observability.config Resources.McsidecarConfigAgeAlarm.Properties.Dimensions[0]: needs Value',
      '50-mcsidecar-observability.config Resources.McsidecarConfigAgeAlarm.Properties.Threshold: expected a number, got "five minutes"',
    ]);
  });

  test('a bad interpolation in an option value and an unsupported function', () => {
    const found = problemsWith((d) => {
      const os = d.option_settings as Record<string, Record<string, unknown>>;
      (os['aws:elasticbeanstalk:application:environment'] as Record<string, unknown>).MCCONFGEN_REGION =
        '`{"Ref": "AWS::Regoin"}`';
      (os['aws:elasticbeanstalk:application:environment'] as Record<string, unknown>).MCCONFGEN_TEMPLATE =
        '`{"Fn::Sub": "x"}`';
    }, '10-mcsidecar-options.config');
    expect(found).toEqual([
      '10-mcsidecar-options.config option_settings.aws:elasticbeanstalk:application:environment.MCCONFGEN_REGION.Ref: Ref to AWS::Regoin, which is not a resource or parameter',
      '10-mcsidecar-options.config option_settings.aws:elasticbeanstalk:application:environment.MCCONFGEN_TEMPLATE: unsupported function Fn::Sub',
    ]);
  });

  test('YAML with a duplicate key is refused (EB would drop one of them)', () => {
    expect(() => readYaml('test/deploy/fixtures/duplicate-key.config')).toThrow(/Map keys must be unique/);
  });

  test('the walkthrough-facing comments stay true: the caution about in-environment EFS', () => {
    expect(read('ebextensions/30-efs-create.config')).toMatch(
      /CAUTION: CloudFormation deletes everything here together with the environment/,
    );
  });
});
