/**
 * An in-process proxy for tests: a real `ProxyServer` listening on a free loopback port, built
 * from a config object or text and the same options the CLI takes.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS, type ProxyOptions } from '../../proxy/options.js';
import { freePort } from './ports.js';

/** A started proxy. */
export interface TestProxy {
  readonly server: ProxyServer;
  readonly port: number;
  close(): Promise<void>;
}

/** The asynclog spool tests use unless they pass `asyncDir` (never `/var/spool/mcrouter`). */
export const TEST_ASYNC_DIR = join(tmpdir(), `mcproxy-test-spool-${process.pid}`);
process.on('exit', () => {
  rmSync(TEST_ASYNC_DIR, { recursive: true, force: true });
});

/**
 * Starts a proxy with `config` (an object is JSON-encoded) and option overrides. The asynclog
 * spool defaults to `TEST_ASYNC_DIR`.
 * @throws ConfigError for a bad config
 */
export async function startProxy(config: unknown, options: Partial<ProxyOptions> = {}): Promise<TestProxy> {
  const port = await freePort();
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  const server = new ProxyServer(
    {
      ...DEFAULT_OPTIONS,
      listenAddresses: ['127.0.0.1'],
      asyncDir: TEST_ASYNC_DIR,
      ...options,
      ports: [port],
    },
    {
      text,
      path: null,
    },
  );
  await server.listen();
  return {
    server,
    port,
    close: () => server.close(),
  };
}
