/**
 * Destination behaviour (`mcrouter/routes/McRouteHandleProvider.cpp`, `mcrouter/lib/network/AsciiSerialized.cpp`): server timeouts, refused connections, reconnecting, and a
 * connection staying in sync when late replies arrive after a timeout.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

let mc: Memcached;
beforeAll(async () => {
  mc = await Memcached.start();
});
afterAll(async () => {
  await mc.stop();
});

/**
 * Timeouts the timing tests set, both above the default --server-timeout (1000 ms): that a reply
 * took at least the configured time proves the configured value was used (a timer never fires
 * early, however loaded the machine), and the upper bounds (the same time again) leave a loaded
 * CI machine whole seconds of headroom.
 */
const POOL_TIMEOUT_MS = 1500;
const OPTION_TIMEOUT_MS = 1700;

test('a hung server: SERVER_ERROR Reply timeout after server_timeout; after it resumes, replies stay in sync', async () => {
  const proxy = await startProxy({
    pools: { A: { servers: [mc.address], server_timeout: POOL_TIMEOUT_MS } },
    route: 'PoolRoute|A',
  });
  const c = await RawClient.connect(proxy.port);
  expect(await c.call('set sync 0 0 3\r\none\r\n', 'STORED\r\n')).toBe('STORED\r\n');
  await mc.pause();
  try {
    const t0 = performance.now();
    c.send('get sync\r\nset sync 0 0 3\r\ntwo\r\n');
    expect(await c.readUntil('\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
    expect(await c.readUntil('\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
    // Both pipelined requests time out together, one server_timeout after they were sent.
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(POOL_TIMEOUT_MS - 10);
    expect(elapsed).toBeLessThan(2 * POOL_TIMEOUT_MS);
  } finally {
    mc.signal('SIGCONT');
  }
  // The late replies to the two timed-out requests are discarded; new requests get their own.
  expect(await c.call('get sync\r\n', 'VALUE sync 0 3\r\ntwo\r\nEND\r\n')).toBe(
    'VALUE sync 0 3\r\ntwo\r\nEND\r\n',
  );
  expect(
    await c.call('set sync2 0 0 1\r\nx\r\nget sync2\r\n', 'STORED\r\nVALUE sync2 0 1\r\nx\r\nEND\r\n'),
  ).toBe('STORED\r\nVALUE sync2 0 1\r\nx\r\nEND\r\n');
  c.close();
  await proxy.close();
});

test('--server-timeout is the default pool timeout', async () => {
  const proxy = await startProxy(
    { pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' },
    { serverTimeoutMs: OPTION_TIMEOUT_MS },
  );
  const c = await RawClient.connect(proxy.port);
  await mc.pause();
  try {
    const t0 = performance.now();
    expect(await c.call('get t\r\n', 'SERVER_ERROR Reply timeout\r\n')).toBe(
      'SERVER_ERROR Reply timeout\r\n',
    );
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(OPTION_TIMEOUT_MS - 10);
    expect(elapsed).toBeLessThan(2 * OPTION_TIMEOUT_MS);
  } finally {
    mc.signal('SIGCONT');
  }
  c.close();
  await proxy.close();
});

test('connection refused: a SERVER_ERROR naming the connect error, then fast TKO failures; other routes unaffected', async () => {
  const dead = await freePort();
  const proxy = await startProxy({
    pools: { D: { servers: [`127.0.0.1:${dead}`] }, A: { servers: [mc.address] } },
    route: {
      type: 'OperationSelectorRoute',
      default_policy: 'PoolRoute|A',
      operation_policies: { get: 'PoolRoute|D' },
    },
  });
  const c = await RawClient.connect(proxy.port);
  const line =
    'SERVER_ERROR AsyncSocketException: connect failed, type = Socket not open, errno = 111 (Connection refused)\r\n';
  expect(await c.call('get k\r\n', line)).toBe(line);
  // The refusal marked the server hard TKO: no more connection attempts, an immediate error.
  const tko = 'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n';
  expect(await c.call('get k other\r\n', tko)).toBe(tko);
  expect(await c.call('set k 0 0 1\r\nx\r\n', 'STORED\r\n')).toBe('STORED\r\n');
  c.close();
  await proxy.close();
});

test('a server restarted on the same port: the proxy reconnects; requests in flight when it died fail with REMOTE_ERROR', async () => {
  const m = await Memcached.start();
  const proxy = await startProxy(
    { pools: { A: { servers: [m.address] } }, route: 'PoolRoute|A' },
    { serverTimeoutMs: 5000 },
    'reads the in-process destination',
  );
  const c = await RawClient.connect(proxy.port);
  expect(await c.call('set r 0 0 1\r\n1\r\n', 'STORED\r\n')).toBe('STORED\r\n');
  await m.pause();
  c.send('get r\r\n');
  // Once the request is written to the (stopped) server, kill it.
  const dest = [...proxy.server.destinations.all()][0];
  await vi.waitFor(
    () => {
      expect(dest?.inflight).toBe(1);
    },
    { timeout: 5000 },
  );
  await m.kill();
  expect(await c.readUntil('\r\n')).toMatch(
    /^SERVER_ERROR AsyncSocketException: (recv\(\) failed|connection closed by server)/,
  );
  await m.restart();
  expect(await c.call('set r 0 0 1\r\n2\r\nget r\r\n', 'STORED\r\nVALUE r 0 1\r\n2\r\nEND\r\n')).toBe(
    'STORED\r\nVALUE r 0 1\r\n2\r\nEND\r\n',
  );
  c.close();
  await proxy.close();
  await m.stop();
});

test('a multi-get across a live and a dead server: the error replaces the whole reply', async () => {
  const dead = await freePort();
  const proxy = await startProxy({
    pools: { A: { servers: [mc.address, `127.0.0.1:${dead}`] } },
    route: 'PoolRoute|A',
  });
  const c = await RawClient.connect(proxy.port);
  // Find keys that hash to each server.
  const keys = Array.from({ length: 20 }, (_, i) => `mg${i}`);
  c.send(keys.map((k) => `set ${k} 0 0 1\r\nx\r\n`).join(''));
  const replies: string[] = [];
  for (const _ of keys) replies.push(await c.readUntil('\r\n'));
  const live = keys.filter((_, i) => replies[i] === 'STORED\r\n');
  const down = keys.filter((_, i) => replies[i] !== 'STORED\r\n');
  expect(live.length).toBeGreaterThan(0);
  expect(down.length).toBeGreaterThan(0);
  c.send(`get ${live[0]} ${down[0]} ${live[1] ?? live[0]}\r\n`);
  // The dead server is TKO by now (the sets found it): its fast failure is the whole reply.
  expect(await c.readUntil('\r\n')).toBe('SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n');
  expect(await c.call(`get ${live[0]}\r\n`, `VALUE ${live[0]} 0 1\r\nx\r\nEND\r\n`)).toBe(
    `VALUE ${live[0]} 0 1\r\nx\r\nEND\r\n`,
  );
  c.close();
  await proxy.close();
});

test('a server on port 0 is accepted, as mcrouter: its requests fail with a connect error', async () => {
  const proxy = await startProxy({ pools: { A: { servers: ['127.0.0.1:0'] } }, route: 'PoolRoute|A' });
  const c = await RawClient.connect(proxy.port);
  expect(await c.ask('get k\r\n')).toMatch(/^SERVER_ERROR .*(connect failed|mc_res_connect_error)/);
  expect(await c.ask('set k 0 0 1\r\nx\r\n')).toMatch(
    /^SERVER_ERROR .*(connect failed|mc_res_connect_error)/,
  );
  expect(await c.ask('incr n 1\r\n')).toMatch(/^SERVER_ERROR .*(connect failed|mc_res_connect_error)/);
  c.close();
  await proxy.close();
});
