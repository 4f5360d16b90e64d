/**
 * The floor benchmark's null proxy (bench/null-proxy.ts): bytes go to memcached and back 1:1 in
 * both client read modes, and the runner offers it only when named.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../../helpers/memcached.js';
import { runTs, type Spawned } from '../../helpers/process.js';
import { freePort, waitForPort } from '../../helpers/ports.js';
import { RawClient } from '../../helpers/raw-client.js';
import { parseRunArgs } from '../../../bench/run.js';

let backend: Memcached;

beforeAll(async () => {
  backend = await Memcached.start();
});
afterAll(async () => {
  await backend.stop();
});

describe.each(['data', 'onread'] as const)('null proxy, client reads through %s', (mode) => {
  let proxy: Spawned;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    proxy = runTs('bench/null-proxy.ts', [
      '-p',
      String(port),
      '--backend',
      backend.address,
      '--client-read',
      mode,
    ]);
    await waitForPort(port);
  });
  afterAll(async () => {
    proxy.proc.kill('SIGTERM');
    await proxy.exited;
  });

  test('a pipelined set and get (and a 200 KiB value) come back exactly as memcached sends them', async () => {
    const c = await RawClient.connect(port);
    const big = Buffer.alloc(200 * 1024, mode === 'data' ? 'd' : 'o');
    const request = Buffer.concat([
      Buffer.from(`set np:${mode} 5 0 3\r\nabc\r\nget np:${mode}\r\nset big:${mode} 0 0 ${big.length}\r\n`),
      big,
      Buffer.from(`\r\nget big:${mode}\r\n`),
    ]);
    const expected = Buffer.concat([
      Buffer.from(
        `STORED\r\nVALUE np:${mode} 5 3\r\nabc\r\nEND\r\nSTORED\r\nVALUE big:${mode} 0 ${big.length}\r\n`,
      ),
      big,
      Buffer.from('\r\nEND\r\n'),
    ]);
    c.send(request);
    expect((await c.read(expected.length)).equals(expected)).toBe(true);
    c.close();
  });
});

test('the runner runs the null proxies only when they are named', () => {
  const all = parseRunArgs(['--peer-memcached-proxy', '/bin/false']);
  const full = parseRunArgs(['--full']);
  const named = parseRunArgs(['--targets', 'null-proxy-onread,mcproxy,null-proxy']);
  if (all === 'help' || full === 'help' || named === 'help') throw new Error('help');
  expect(all.targets).not.toContain('null-proxy');
  expect(full.targets).not.toContain('null-proxy-onread');
  expect(full.targets).toContain('mcproxy-tls');
  expect(named.targets).toEqual(['mcproxy', 'null-proxy', 'null-proxy-onread']);
});
