/**
 * Graceful shutdown: SIGTERM stops accepting, lets in-flight requests finish (up to
 * --drain-timeout-ms), closes the backends and exits 0; a second signal exits at once.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { isPortClosed } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { spawnProxy, type Spawned } from '../helpers/process.js';

let mc: Memcached;
beforeAll(async () => {
  mc = await Memcached.start();
});
afterAll(async () => {
  mc.signal('SIGCONT');
  await mc.stop();
});

/** The proxy CLI in front of the test memcached, once it logged that it serves. */
async function start(args: string[]): Promise<{ p: Spawned; port: number }> {
  const r = await spawnProxy({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }, args);
  await r.p.waitForOutput('serving');
  return r;
}

/** Waits until the proxy has received `n` gets (its cmd_get_count stat), through another connection. */
async function routedGets(port: number, n: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const c = await RawClient.connect(port);
      c.send('stats\r\n');
      const text = await c.readUntil('END\r\n');
      c.close();
      expect(Number(/STAT cmd_get_count (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(n);
    },
    { timeout: 5000 },
  );
}

test('SIGTERM: in-flight requests get their replies, new connections are refused, exit 0', async () => {
  const { p, port } = await start(['--server-timeout', '5000', '--drain-timeout-ms', '5000']);
  const c = await RawClient.connect(port);
  expect(await c.ask('set d 0 0 2\r\nok\r\n')).toBe('STORED\r\n');
  await mc.pause();
  c.send('get d\r\nget d\r\n');
  await routedGets(port, 2);
  p.proc.kill('SIGTERM');
  await p.waitForOutput('draining client connections');
  expect(await isPortClosed(port)).toBe(true);
  mc.signal('SIGCONT');
  // Both replies arrive, then the proxy closes the connection and exits 0.
  expect(await c.readUntil('END\r\n')).toBe('VALUE d 0 2\r\nok\r\nEND\r\n');
  expect(await c.readUntil('END\r\n')).toBe('VALUE d 0 2\r\nok\r\nEND\r\n');
  expect(await c.waitClosed()).toBe(true);
  expect(await p.exited).toEqual({ code: 0, signal: null });
});

test('the drain timeout bounds the wait; a second SIGTERM exits at once', async () => {
  const { p, port } = await start(['--server-timeout', '30000', '--drain-timeout-ms', '300']);
  const c = await RawClient.connect(port);
  await mc.pause();
  try {
    c.send('get stuck\r\n');
    await routedGets(port, 1);
    const t0 = performance.now();
    p.proc.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(5000);
    expect(await c.waitClosed()).toBe(true);
    expect(p.stderr).toContain('drain timeout: closing sessions with requests still in flight');

    const second = await start(['--server-timeout', '30000', '--drain-timeout-ms', '60000']);
    const c2 = await RawClient.connect(second.port);
    c2.send('get stuck\r\n');
    await routedGets(second.port, 1);
    second.p.proc.kill('SIGTERM');
    await second.p.waitForOutput('draining client connections');
    const t1 = performance.now();
    second.p.proc.kill('SIGTERM');
    expect((await second.p.exited).code).toBe(0);
    expect(performance.now() - t1).toBeLessThan(3000);
    expect(second.p.stderr).toContain('second stop request; exiting now');
  } finally {
    mc.signal('SIGCONT');
  }
});
