/**
 * A backend answering garbage to every request makes the proxy reset the connection each time;
 * the "protocol error from server" line must stay bounded (5 per destination per window) and the
 * rest be reported as one "suppressed N" line (proxy/util/log-limiter.ts).
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { DEFAULT_LOG_LIMITS, setLogLimits } from '../../proxy/util/log-limiter.js';
import { LogCapture, type LogLine } from '../helpers/log-capture.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

const WINDOW_MS = 1500;
let garbage: net.Server;
let port = 0;
beforeAll(async () => {
  garbage = net.createServer((s) => {
    s.on('data', () => s.write('THIS IS NOT MEMCACHED\r\n'));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  port = (garbage.address() as net.AddressInfo).port;
  setLogLimits({ burst: 5, windowMs: WINDOW_MS });
});
afterAll(async () => {
  setLogLimits(DEFAULT_LOG_LIMITS);
  await new Promise((resolve) => garbage.close(resolve));
});

test('200 protocol errors: at most 5 lines a window, the rest counted in suppressed lines', async () => {
  const logs = new LogCapture('warn');
  const proxy = await startProxy(
    { pools: { A: { servers: [`127.0.0.1:${port}`] } }, route: 'PoolRoute|A' },
    { disableTkoTracking: true },
  );
  const c = await RawClient.connect(proxy.port);
  try {
    const errors = 200;
    const t0 = performance.now();
    for (let i = 0; i < errors; i++) {
      // Each get fails on its own connection reset: REMOTE_ERROR naming the protocol error.
      expect(await c.ask(`get k${i}\r\n`)).toMatch(/^SERVER_ERROR /);
    }
    const elapsed = performance.now() - t0;
    const resets = (): number => logs.matching('protocol error from server').length;
    const summaries = (): LogLine[] => logs.lines.filter((l) => l.event === 'log_suppressed');
    const suppressed = (): number => summaries().reduce((n, l) => n + Number(l.suppressed), 0);
    // Every error is either logged or counted once its window has closed.
    await vi.waitFor(
      () => {
        // (A reply split over two segments can make one get cost two resets.)
        expect(resets() + suppressed()).toBeGreaterThanOrEqual(errors);
      },
      { timeout: 5 * WINDOW_MS },
    );
    // At most 5 lines per window, however fast this machine ran the loop.
    expect(resets()).toBeLessThanOrEqual(5 * (Math.ceil(elapsed / WINDOW_MS) + 1));
    // And lines were held back (was: fewer than errors / 4 logged, which only holds while the loop
    // takes under 10 windows; a loaded machine may take longer, and the bound above covers it).
    expect(suppressed()).toBeGreaterThan(0);
    const summary = summaries()[0];
    expect(summary?.key).toBe(`protocol_error:127.0.0.1:${port}`);
    expect(summary?.msg).toMatch(
      /^suppressed \d+ more log lines like "protocol error from server; resetting connection" in the last 1500 ms$/,
    );
    // A new window logs again.
    const before = resets();
    expect(await c.ask('get again\r\n')).toMatch(/^SERVER_ERROR /);
    expect(resets()).toBe(before + 1);
  } finally {
    c.close();
    await proxy.close();
    logs.restore();
  }
});
