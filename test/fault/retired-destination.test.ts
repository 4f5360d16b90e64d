/**
 * A reload moves traffic away from a hung server whose last requests timed out: the retired
 * destination must still close its connection after the grace period (ConfigRetirement), even
 * though the late replies to those requests never come.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { DestinationState } from '../../proxy/destination/destination.js';
import { TcpState, tcpSockets } from '../../proxy/util/proc-net-tcp.js';
import { Memcached } from '../helpers/memcached.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

let hung: Memcached;
let healthy: Memcached;
beforeAll(async () => {
  [hung, healthy] = await Promise.all([Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all([hung.stop(), healthy.stop()]);
});

/**
 * The hung server's pool times out in 200 ms (its grace period is 4 × that); the healthy one's
 * requests must complete, so its timeout is generous (timers never fire early, but a live
 * memcached on a loaded machine can wait 200 ms for a core).
 */
const pool = (server: string, timeoutMs = 200): string =>
  JSON.stringify({
    pools: { A: { servers: [server], server_timeout: timeoutMs, connect_timeout: timeoutMs } },
    route: 'PoolRoute|A',
  });

/** Established connections this host has open to `port` (the proxy's side). */
async function connectionsTo(port: number): Promise<number> {
  return (await tcpSockets()).filter((s) => s.remotePort === port && s.state === TcpState.Established).length;
}

test('a destination retired while its requests are zombies closes after the grace period', async () => {
  const proxy = await startProxy(pool(hung.address));
  const c = await RawClient.connect(proxy.port);
  try {
    // Connected, nothing in flight. A set memcached answers after the 200 ms timeout (starved of
    // CPU on a loaded machine) is sent again; its late reply clears its zombie.
    await vi.waitFor(
      async () => {
        expect(await c.ask('set z 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
      },
      { timeout: 10_000 },
    );
    const dest = [...proxy.server.destinations.all()].find((d) => d.hostPort === hung.address);
    expect(dest?.state).toBe(DestinationState.Up);
    await vi.waitFor(
      () => {
        expect(dest?.inflight).toBe(0);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(await connectionsTo(hung.port)).toBe(1);

    await hung.pause();
    // Written, timed out, answered: the connection now holds zombies whose replies never come.
    expect(await c.call('get z\r\nget z\r\n', 'SERVER_ERROR Reply timeout\r\n'.repeat(2))).toBe(
      'SERVER_ERROR Reply timeout\r\n'.repeat(2),
    );
    expect(dest?.inflight).toBe(2);

    proxy.server.reload({ text: pool(healthy.address, 10_000), path: null });
    expect(await c.call('set z 0 0 1\r\ny\r\n', 'STORED\r\n')).toBe('STORED\r\n');

    // Grace period: 4 × 200 ms; then the retired destination closes at once.
    await vi.waitFor(
      () => {
        expect(dest?.state).toBe(DestinationState.Closed);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(dest?.inflight).toBe(0);
    await vi.waitFor(
      async () => {
        expect(await connectionsTo(hung.port)).toBe(0);
      },
      { timeout: 5000, interval: 50 },
    );
  } finally {
    c.close();
    hung.signal('SIGCONT');
    await proxy.close();
  }
});
