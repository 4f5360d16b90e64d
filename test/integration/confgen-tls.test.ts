/**
 * confgen and ElastiCache in-transit encryption (docs/tls.md): DescribeCacheClusters'
 * `TransitEncryptionEnabled` gives TLS central nodes; `--elasticache-tls` makes Auto Discovery
 * talk TLS to the configuration endpoint and emit TLS nodes; end to end, `mcconfgen` configured
 * as the ebextensions do (`MCCONFGEN_ELASTICACHE_TLS=true`) and `mcproxy` reach a TLS memcached.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AutoDiscoveryProvider } from '../../confgen/providers/auto-discovery.js';
import { ElastiCacheNodesProvider } from '../../confgen/providers/elasticache-nodes.js';
import { DiscoveryError } from '../../confgen/errors.js';
import { RecordedAws, describeCacheClusters } from '../helpers/aws.js';
import { clusterPayload, fakeEndpoint } from '../helpers/elasticache-endpoint.js';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { runTs } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTestCerts, memcachedTlsArgs, type TestCerts } from '../helpers/tls-certs.js';

let certs: TestCerts;
let dir: string;
beforeAll(() => {
  certs = makeTestCerts();
  dir = mkdtempSync(join(tmpdir(), 'mcconfgen-tls-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('DescribeCacheClusters: a cluster with TransitEncryptionEnabled gives host:port:ascii:ssl nodes', async () => {
  const node = 'mycache.abc123.0001.use1.cache.amazonaws.com';
  for (const [encrypted, server] of [
    [true, `${node}:11211:ascii:ssl`],
    [false, `${node}:11211`],
  ] as const) {
    const aws = new RecordedAws(() => ({
      body: describeCacheClusters(
        'mycache',
        [{ id: '0001', status: 'available', address: node }],
        undefined,
        'memcached',
        encrypted,
      ),
    }));
    const p = new ElastiCacheNodesProvider({
      clusterIds: ['mycache'],
      aws: { region: 'us-east-1', overrides: aws.overrides },
    });
    expect(await p.list()).toEqual([server]);
  }
});

test('Auto Discovery over TLS: the endpoint is verified and asked over TLS; nodes come back as TLS servers', async () => {
  const ep = await fakeEndpoint({
    payload: () => clusterPayload(3, ['n1:11211', 'n2:11212']),
    tls: certs.server,
  });
  try {
    const p = new AutoDiscoveryProvider({
      host: '127.0.0.1',
      port: ep.port,
      tls: true,
      ca: readFileSync(certs.ca),
    });
    expect(await p.list()).toEqual(['n1:11211:ascii:ssl', 'n2:11212:ascii:ssl']);
    expect(ep.commands).toEqual(['config get cluster']);
    // An endpoint whose certificate this host does not trust: a DiscoveryError, nothing asked.
    const untrusted = new AutoDiscoveryProvider({
      host: '127.0.0.1',
      port: ep.port,
      tls: true,
      ca: readFileSync(certs.otherCa),
    });
    const err = await untrusted.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toMatch(/connection failed: .*(unable to verify|self.signed)/i);
    expect(ep.commands).toEqual(['config get cluster']);
  } finally {
    await ep.close();
  }
});

test('end to end: mcconfgen with MCCONFGEN_ELASTICACHE_TLS=true writes a TLS central pool; mcproxy serves it', async () => {
  const [local, central] = await Promise.all([
    Memcached.start(),
    Memcached.start(memcachedTlsArgs(certs.server)),
  ]);
  const ep = await fakeEndpoint({
    payload: () => clusterPayload(1, [`localhost:${central.port}`]),
    tls: certs.server,
  });
  const output = join(dir, 'mcrouter.json');
  try {
    const confgen = runTs('confgen/cli.ts', [], {
      MCCONFGEN_ONCE: 'true',
      MCCONFGEN_OUTPUT: output,
      MCCONFGEN_TEMPLATE: 'seed',
      MCCONFGEN_LOCAL: local.address,
      MCCONFGEN_STATIC_PEERS: local.address,
      MCCONFGEN_ELASTICACHE_CONFIG_ENDPOINT: `127.0.0.1:${ep.port}`,
      MCCONFGEN_ELASTICACHE_TLS: 'true',
      MCCONFGEN_PEM_CA_PATH: certs.ca,
    });
    expect((await confgen.exited).code).toBe(0);
    const written = JSON.parse(readFileSync(output, 'utf8')) as { pools: { central: { servers: string[] } } };
    expect(written.pools.central.servers).toEqual([`localhost:${central.port}:ascii:ssl`]);

    const port = await freePort();
    const proxy = runTs('proxy/cli.ts', [
      '-p',
      String(port),
      '--listen-addresses',
      '127.0.0.1',
      '--config',
      `file:${output}`,
      '--pem-ca-path',
      certs.ca,
      '--config-dump-root',
      join(dir, 'dump'),
    ]);
    try {
      await waitForPort(port);
      const app = await RawClient.connect(port);
      // The seed sends everything but get/set/delete to central.
      expect(await app.ask('add e2e:tls 0 0 3\r\nenc\r\n')).toBe('STORED\r\n');
      app.close();
      const direct = await RawClient.connectTls(central.port, { ca: readFileSync(certs.ca) });
      expect(await direct.ask('get e2e:tls\r\n')).toBe('VALUE e2e:tls 0 3\r\nenc\r\nEND\r\n');
      direct.close();
    } finally {
      proxy.proc.kill('SIGTERM');
      expect((await proxy.exited).code).toBe(0);
    }
  } finally {
    await ep.close();
    await Promise.all([local.stop(), central.stop()]);
  }
});
