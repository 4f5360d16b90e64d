/**
 * A real, independent memcached client library (electrode's memcache-client: ASCII, pipelined)
 * talking to the proxy.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MemcacheClient } from 'memcache-client';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';

let servers: Memcached[];
let proxy: TestProxy;
let client: MemcacheClient;

beforeAll(async () => {
  servers = await Promise.all([Memcached.start(), Memcached.start()]);
  proxy = await startProxy({
    pools: { A: { servers: servers.map((s) => s.address) } },
    route: 'PoolRoute|A',
  });
  client = new MemcacheClient({ server: `127.0.0.1:${proxy.port}` });
});
afterAll(async () => {
  client.shutdown();
  await proxy.close();
  await Promise.all(servers.map((s) => s.stop()));
});

test('set/get of a binary value through memcache-client', async () => {
  const value = Buffer.from([0, 13, 10, 255, 13, 10, 0]);
  await client.set('bin-key', value);
  const got = await client.get<Buffer>('bin-key');
  expect(Buffer.isBuffer(got.value) ? got.value : Buffer.from(got.value as unknown as string)).toEqual(value);
});

test('10,000 concurrent gets through one pipelined client connection', async () => {
  await client.set('hot', 'v');
  const results = await Promise.all(Array.from({ length: 10_000 }, () => client.get<string>('hot')));
  expect(results.every((r) => r.value === 'v')).toBe(true);
});

test('multi-get through memcache-client returns the hits', async () => {
  await client.set('m1', 'one');
  await client.set('m2', 'two');
  const got = (await client.get(['m1', 'm2', 'm3'])) as unknown as Record<string, { value: string }>;
  expect(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.value]))).toEqual({
    m1: 'one',
    m2: 'two',
  });
});
