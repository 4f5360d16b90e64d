/**
 * Hostile or broken host names from discovery sources never reach a config: Auto Discovery
 * (a fake configuration endpoint), the EC2 and ElastiCache APIs (the real SDK clients with
 * recorded responses) and IMDS each fail with `MCCONFGEN_ERR_INVALID_HOST` naming the source and
 * the value, and a confgen cycle keeps the last good file (docs/confgen.md, "Host names").
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidHostError } from '../../confgen/errors.js';
import { isValidHost } from '../../confgen/host-name.js';
import { AutoDiscoveryProvider } from '../../confgen/providers/auto-discovery.js';
import { EbPeersProvider } from '../../confgen/providers/eb-peers.js';
import { ElastiCacheNodesProvider } from '../../confgen/providers/elasticache-nodes.js';
import { Imds } from '../../confgen/providers/imds.js';
import { createConfgen } from '../../confgen/setup.js';
import { parseConfgenOptions } from '../../confgen/options.js';
import { RecordedAws, describeCacheClusters, ec2DescribeInstances } from '../helpers/aws.js';
import { fakeEndpoint } from '../helpers/elasticache-endpoint.js';
import { ImdsServer } from '../helpers/imds-server.js';
import { LogCapture } from '../helpers/log-capture.js';

const closers: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

/** Names a hostile endpoint could send: each would change a server string or a config. */
const HOSTILE = [
  '127.0.0.1:11211:ascii:ssl', // adds a port and TLS
  'a.example.com:9', // adds a port
  'unix:/tmp/evil.sock', // a unix socket path
  '[::1]:11211', // a bracketed address with a port
  'x"],"route":"AllSyncRoute|A', // JSON text
  '../../etc/passwd',
  '-oProxyCommand=x', // leading hyphen
  'bad_name.example.com', // underscore
  'a..example.com', // empty label
  'e\u0445ample.com', // Cyrillic х
  `${'a'.repeat(64)}.example.com`, // label longer than 63
  '10.0.0.256', // not an IPv4 address, not a name
  'fe80::1%eth0', // zone index
];

test('isValidHost: RFC 1123 names, IPv4 and IPv6 literals; nothing else', () => {
  for (const ok of [
    '0001.mc.abc123.use1.cache.amazonaws.com',
    'mycache.abc123.cfg.use1.cache.amazonaws.com',
    'localhost',
    'n1',
    '10.0.1.12',
    '::1',
    'fd00::a:1',
    `${'a'.repeat(63)}.example.com`,
  ])
    expect([ok, isValidHost(ok)]).toEqual([ok, true]);
  for (const bad of [...HOSTILE, '', 'example.com.', `${'a.'.repeat(126)}ab`])
    expect([bad, isValidHost(bad)]).toEqual([bad, false]);
});

describe('ElastiCache Auto Discovery', () => {
  test.each(HOSTILE.filter((h) => !/\s|\|/.test(h)))('host name %j fails the source', async (host) => {
    const ep = await fakeEndpoint({
      payload: () => `3\ngood.example.com|10.0.0.1|11211 ${host}|10.0.0.2|11211\n`,
    });
    closers.push(ep);
    const p = new AutoDiscoveryProvider({ host: '127.0.0.1', port: ep.port });
    const err = await p.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidHostError);
    expect((err as InvalidHostError).code).toBe('MCCONFGEN_ERR_INVALID_HOST');
    expect((err as InvalidHostError).value).toBe(host);
    expect((err as Error).message).toBe(
      `elasticache-auto-discovery:127.0.0.1:${ep.port}: invalid node host name ${JSON.stringify(host)} (expected an RFC 1123 host name or an IP address)`,
    );
    // The version of a rejected list is not taken: a later good list with the same version applies.
    expect(p.version).toBe(-1);
  });

  test('a node IP that is not an address fails the source', async () => {
    const ep = await fakeEndpoint({ payload: () => '3\ngood.example.com|10.0.0.1:80|11211\n' });
    closers.push(ep);
    await expect(new AutoDiscoveryProvider({ host: '127.0.0.1', port: ep.port }).list()).rejects.toThrow(
      'invalid IP address of node good.example.com "10.0.0.1:80"',
    );
  });

  test('a confgen cycle with a hostile node keeps the last good file', async () => {
    let payload = '1\nn1.example.com|10.0.0.1|11211\n';
    const ep = await fakeEndpoint({ payload: () => payload });
    closers.push(ep);
    const logs = new LogCapture();
    closers.push({
      close: () => {
        logs.restore();
      },
    });
    const output = join(mkdtempSync(join(tmpdir(), 'confgen-hosts-')), 'mcrouter.json');
    const confgen = createConfgen(
      parseConfgenOptions([
        '--once',
        '--output',
        output,
        '--static-peers',
        '10.0.0.1:11212',
        '--elasticache-config-endpoint',
        `127.0.0.1:${ep.port}`,
      ]),
      { print: () => undefined },
    );
    expect(await confgen.runOnce()).toBe('written');
    const written = readFileSync(output, 'utf8');
    expect(written).toContain('n1.example.com:11211');
    payload = '2\nn1.example.com|10.0.0.1|11211 n2.example.com:1:ascii:ssl|10.0.0.2|11211\n';
    expect(await confgen.runOnce()).toBe('discovery-failed');
    expect(readFileSync(output, 'utf8')).toBe(written);
    expect(logs.matching('discovery failed; keeping the last good file')[0]?.err).toContain(
      'invalid node host name "n2.example.com:1:ascii:ssl"',
    );
  });
});

describe('AWS APIs (recorded responses)', () => {
  const aws = (body: string): RecordedAws => new RecordedAws(() => ({ body }));

  test('EC2 DescribeInstances: a private IP that is not an address', async () => {
    const recorded = aws(
      ec2DescribeInstances([
        { id: 'i-0aaa', ip: '10.0.1.12' },
        { id: 'i-0bbb', ip: '10.0.1.13:11211:ascii:ssl' },
      ]),
    );
    const p = new EbPeersProvider({
      environmentName: 'my-env',
      useEnvironmentResources: false,
      port: 11212,
      aws: { region: 'us-east-1', overrides: recorded.overrides },
    });
    const err = await p.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidHostError);
    expect((err as Error).message).toBe(
      'ec2-tags:my-env: invalid PrivateIpAddress "10.0.1.13:11211:ascii:ssl" (expected an RFC 1123 host name or an IP address)',
    );
  });

  test('ElastiCache DescribeCacheClusters: an endpoint that is not a host name', async () => {
    const recorded = aws(
      describeCacheClusters('mycache', [
        { id: '0001', status: 'available', address: 'mycache.abc123.0001.use1.cache.amazonaws.com' },
        { id: '0002', status: 'available', address: 'evil.example.com:1/x' },
      ]),
    );
    const p = new ElastiCacheNodesProvider({
      clusterIds: ['mycache'],
      aws: { region: 'us-east-1', overrides: recorded.overrides },
    });
    const err = await p.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidHostError);
    expect((err as InvalidHostError).code).toBe('MCCONFGEN_ERR_INVALID_HOST');
    expect((err as Error).message).toContain(
      'elasticache-api:mycache: invalid node endpoint "evil.example.com:1/x"',
    );
  });

  test('IMDS local-ipv4 that is not an IPv4 address', async () => {
    const server = await ImdsServer.start({ 'local-ipv4': '10.0.3.4:1' });
    closers.push(server);
    await expect(new Imds(server.url).localIpv4()).rejects.toThrow('imds: invalid local-ipv4 "10.0.3.4:1"');
  });
});
