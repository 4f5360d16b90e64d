/**
 * A reload that replaces the destination of a TKO server (mcrouter `test_tko_reconfigure.py`):
 * the server's TKO state goes with the old destination at once (`was TKO, removed from config`,
 * `mcrouter/ProxyDestinationBase.cpp`), so the new config's destination for it starts fresh.
 */
import { afterEach, expect, test } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { ask, withProxy } from '../helpers/route-test.js';
import { LogCapture } from '../helpers/log-capture.js';

let logs: LogCapture | null = null;
afterEach(() => {
  logs?.restore();
  logs = null;
});

test('a TKO server whose destination a reload replaced is no longer suspect', async () => {
  const port = await freePort(); // nothing listens: connections are refused
  const config = (timeout: number): string =>
    JSON.stringify({
      pools: { A: { servers: [`127.0.0.1:${port}`], server_timeout: timeout } },
      route: 'PoolRoute|A',
    });
  logs = new LogCapture();
  await withProxy(
    config(12345),
    async (cl, proxy) => {
      expect(await ask(cl, 'get hit\r\n')).toMatch(/^SERVER_ERROR /);
      expect(await ask(cl, 'stats suspect_servers\r\n')).toMatch(/^STAT 127\.0\.0\.1:\d+ status:tko/);
      proxy.server.reload({ text: config(12346), path: null });
      expect(await ask(cl, 'stats suspect_servers\r\n')).toBe('END\r\n');
      expect(logs?.matching('was TKO, removed from config')).toHaveLength(1);
    },
    { timeoutsUntilTko: 1 },
  );
});
