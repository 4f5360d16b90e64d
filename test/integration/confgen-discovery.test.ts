/**
 * confgen's network providers against loopback servers: Auto Discovery (`config get cluster`, the
 * legacy key on a real memcached, versions), DNS (a loopback DNS server), IMDSv2 (a loopback HTTP
 * server), and `--local`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { AutoDiscoveryProvider } from '../../confgen/providers/auto-discovery.js';
import { DnsProvider } from '../../confgen/providers/dns.js';
import { Imds } from '../../confgen/providers/imds.js';
import { DiscoveryError } from '../../confgen/errors.js';
import { parseLocalSpec, resolveLocal } from '../../confgen/local.js';
import { createConfgen } from '../../confgen/setup.js';
import { parseConfgenOptions } from '../../confgen/options.js';
import { Memcached } from '../helpers/memcached.js';
import { DnsServer } from '../helpers/dns-server.js';
import { ImdsServer } from '../helpers/imds-server.js';
import { RawClient } from '../helpers/raw-client.js';
import { RecordedAws, ec2DescribeInstances, describeCacheClusters } from '../helpers/aws.js';
import { LogCapture } from '../helpers/log-capture.js';
import { clusterPayload, fakeEndpoint } from '../helpers/elasticache-endpoint.js';

const closers: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

const payload = clusterPayload;

describe('ElastiCache Auto Discovery', () => {
  test('config get cluster: node host names with their ports', async () => {
    const ep = await fakeEndpoint({
      payload: () =>
        payload(4, ['0002.mc.abc.use1.cache.amazonaws.com', '0001.mc.abc.use1.cache.amazonaws.com']),
    });
    closers.push(ep);
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: ep.port });
    expect(await p.list()).toEqual([
      '0002.mc.abc.use1.cache.amazonaws.com:11211',
      '0001.mc.abc.use1.cache.amazonaws.com:11211',
    ]);
    expect(p.version).toBe(4);
    expect(ep.commands).toEqual(['config get cluster']);
  });

  test('a lower version than already seen is ignored; the last list stays', async () => {
    let current = payload(12, ['a', 'b', 'c']);
    const ep = await fakeEndpoint({ payload: () => current });
    closers.push(ep);
    const logs = new LogCapture();
    closers.push({
      close: () => {
        logs.restore();
      },
    });
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: ep.port });
    expect(await p.list()).toEqual(['a:11211', 'b:11211', 'c:11211']);
    current = payload(11, ['a']);
    expect(await p.list()).toEqual(['a:11211', 'b:11211', 'c:11211']);
    expect(logs.matching('stale cluster config')).toHaveLength(1);
    current = payload(13, ['a', 'b']);
    expect(await p.list()).toEqual(['a:11211', 'b:11211']);
    expect(p.version).toBe(13);
  });

  test('ERROR to config get cluster falls back to get AmazonElastiCache:cluster, and stays there', async () => {
    const ep = await fakeEndpoint({ payload: () => payload(2, ['n1']), legacyOnly: true });
    closers.push(ep);
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: ep.port });
    expect(await p.list()).toEqual(['n1:11211']);
    expect(await p.list()).toEqual(['n1:11211']);
    expect(ep.commands).toEqual([
      'config get cluster',
      'get AmazonElastiCache:cluster',
      'get AmazonElastiCache:cluster',
    ]);
  });

  test('the legacy path against a real memcached holding the key', async () => {
    const mc = await Memcached.start();
    closers.push({ close: () => mc.stop() });
    const body = payload(9, ['mc.abc.0001.use1.cache.amazonaws.com', 'mc.abc.0002.use1.cache.amazonaws.com']);
    const c = await RawClient.connect(mc.port);
    expect(
      await c.call(
        `set AmazonElastiCache:cluster 0 0 ${Buffer.byteLength(body)}\r\n${body}\r\n`,
        'STORED\r\n',
      ),
    ).toBe('STORED\r\n');
    c.close();
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: mc.port });
    expect(await p.list()).toEqual([
      'mc.abc.0001.use1.cache.amazonaws.com:11211',
      'mc.abc.0002.use1.cache.amazonaws.com:11211',
    ]);
  });

  test('a plain memcached without the key is not a configuration endpoint', async () => {
    const mc = await Memcached.start();
    closers.push({ close: () => mc.stop() });
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: mc.port });
    await expect(p.list()).rejects.toThrow(
      `elasticache-auto-discovery:127.0.0.1:${mc.port}: AmazonElastiCache:cluster is not set`,
    );
  });

  test('a silent endpoint times out; a refused one fails', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of held) s.destroy();
          silent.close(() => {
            resolve();
          });
        }),
    });
    const port = (silent.address() as net.AddressInfo).port;
    const timedOut = new AutoDiscoveryProvider({ host: '127.0.0.1', port, timeoutMs: 200 });
    await expect(timedOut.list()).rejects.toThrow('no complete reply within 200 ms');
    const refused = new AutoDiscoveryProvider({ host: '127.0.0.1', port: 1 });
    const err = await refused.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toContain('connection failed: connect ECONNREFUSED');
  });
});

describe('DNS peers', () => {
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await DnsServer.start({
      a: { 'mcsidecar.default.svc.cluster.local': ['10.244.1.7', '10.244.0.12'], 'v6only.test': [] },
      aaaa: { 'mcsidecar.default.svc.cluster.local': ['fd00::a:1'], 'v6only.test': ['fd00::5'] },
      fail: ['broken.test'],
    });
  });
  afterAll(async () => {
    await dns.close();
  });

  test('A and AAAA records of a headless Service, with the peer port', async () => {
    const p = new DnsProvider({
      name: 'mcsidecar.default.svc.cluster.local',
      port: 11212,
      servers: [dns.address],
    });
    expect((await p.list()).sort()).toEqual(['10.244.0.12:11212', '10.244.1.7:11212', '[fd00::a:1]:11212']);
  });

  test('a name with no records is an empty list; SERVFAIL is a discovery error', async () => {
    const none = new DnsProvider({ name: 'nothing.test', port: 11212, servers: [dns.address] });
    expect(await none.list()).toEqual([]);
    const v6 = new DnsProvider({ name: 'v6only.test', port: 11212, servers: [dns.address] });
    expect(await v6.list()).toEqual(['[fd00::5]:11212']);
    const broken = new DnsProvider({
      name: 'broken.test',
      port: 11212,
      servers: [dns.address],
      timeoutMs: 500,
    });
    await expect(broken.list()).rejects.toThrow('dns:broken.test:11212: A query failed: ESERVFAIL');
  });

  test('--dns-peers name:port and --dns-server through the options', async () => {
    const confgen = createConfgen(
      parseConfgenOptions([
        '--dry-run',
        '--dns-peers',
        'mcsidecar.default.svc.cluster.local:11300',
        '--dns-server',
        dns.address,
        '--static-central',
        'central:11211',
      ]),
      { print: () => undefined },
    );
    expect((await confgen.discover()).peers).toEqual([
      '10.244.0.12:11300',
      '10.244.1.7:11300',
      '[fd00::a:1]:11300',
    ]);
  });
});

describe('IMDSv2 and --local', () => {
  test('a session token, then the local IPv4 address; the token is reused', async () => {
    const server = await ImdsServer.start({ 'local-ipv4': '10.0.3.4', 'placement/region': 'eu-west-1' });
    closers.push(server);
    const imds = new Imds(server.url);
    expect(await imds.localIpv4()).toBe('10.0.3.4');
    expect(await imds.region()).toBe('eu-west-1');
    expect(server.tokenRequests).toBe(1);
    expect(server.gets).toEqual(['local-ipv4', 'placement/region']);
  });

  test('an IMDSv1-only endpoint is refused (no token)', async () => {
    const server = await ImdsServer.start({ 'local-ipv4': '10.0.3.4' }, { v1Only: true });
    closers.push(server);
    await expect(new Imds(server.url).localIpv4()).rejects.toThrow('imds: PUT /latest/api/token: HTTP 403');
  });

  test('--local imds, auto (with and without IMDS), host:port, and the default', async () => {
    const server = await ImdsServer.start({ 'local-ipv4': '10.0.3.4' });
    closers.push(server);
    const imds = new Imds(server.url);
    expect(await resolveLocal(parseLocalSpec('imds', 11212), 11212, imds)).toBe('10.0.3.4:11212');
    expect(await resolveLocal(parseLocalSpec('auto', 11212), 11212, imds)).toBe('10.0.3.4:11212');
    expect(await resolveLocal(parseLocalSpec(undefined, 11300), 11300, imds)).toBe('127.0.0.1:11300');
    expect(await resolveLocal(parseLocalSpec('10.9.9.9', 11212), 11212, imds)).toBe('10.9.9.9:11212');
    expect(await resolveLocal(parseLocalSpec('memcached:1', 11212), 11212, imds)).toBe('memcached:1');

    const unreachable = new Imds('http://127.0.0.1:1', 300);
    await expect(resolveLocal(parseLocalSpec('imds', 11212), 11212, unreachable)).rejects.toThrow(
      DiscoveryError,
    );
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    const auto = await resolveLocal(parseLocalSpec('auto', 11212), 11212, unreachable);
    expect(auto).toBe(`${external ?? '127.0.0.1'}:11212`);
  });

  test('with no --region and no AWS_REGION, the region comes from IMDS', async () => {
    const server = await ImdsServer.start({ 'placement/region': 'eu-west-1' });
    closers.push(server);
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    closers.push({
      close: () => {
        for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
      },
    });
    const aws = new RecordedAws((call) =>
      call.action === 'DescribeInstances'
        ? { body: ec2DescribeInstances([{ id: 'i-1', ip: '10.0.0.1' }]) }
        : { body: describeCacheClusters('mycache', [{ id: '0001', status: 'available', address: 'n1' }]) },
    );
    const confgen = createConfgen(
      parseConfgenOptions([
        '--dry-run',
        '--eb-environment-name',
        'my-env',
        '--elasticache-cluster-id',
        'mycache',
        '--imds-endpoint',
        server.url,
      ]),
      { awsOverrides: aws.overrides },
    );
    expect(await confgen.discover()).toEqual({
      local: '127.0.0.1:11212',
      peers: ['10.0.0.1:11212'],
      central: ['n1:11211'],
    });
    expect(aws.calls.map((c) => c.host).sort()).toEqual([
      'ec2.eu-west-1.amazonaws.com',
      'elasticache.eu-west-1.amazonaws.com',
    ]);
  });
});
