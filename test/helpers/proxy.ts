/**
 * A proxy for tests, built from a config object or text and the same options the CLI takes: a
 * real `ProxyServer` in this process, listening on a free loopback port; or, when
 * `MCPROXY_TEST_NUM_PROXIES` is N > 1 (the CI's second run of test/integration), the built CLI
 * (`dist/proxy/cli.js --num-proxies N`) with the same config and options, so every test that
 * talks to the proxy over the wire runs against N workers. A test that reads the in-process
 * server (`proxy.server`) passes `singleProcess` with the reason; it then always gets one.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS, OPTION_SPECS, type ProxyOptions } from '../../proxy/options.js';
import { runTs, type Spawned } from './process.js';
import { freePort } from './ports.js';

/** A started proxy. */
export interface TestProxy {
  /** The in-process server (throws for a cluster: pass `singleProcess` to `startProxy`). */
  readonly server: ProxyServer;
  readonly port: number;
  close(): Promise<void>;
}

/** Workers of the proxies `startProxy` starts (`MCPROXY_TEST_NUM_PROXIES`, default 1). */
export const TEST_NUM_PROXIES = Math.max(1, Number(process.env.MCPROXY_TEST_NUM_PROXIES ?? 1) || 1);

/** The asynclog spool tests use unless they pass `asyncDir` (never `/var/spool/mcrouter`). */
export const TEST_ASYNC_DIR = join(tmpdir(), `mcproxy-test-spool-${process.pid}`);
process.on('exit', () => {
  rmSync(TEST_ASYNC_DIR, { recursive: true, force: true });
});

/**
 * Starts a proxy with `config` (an object is JSON-encoded) and option overrides. The asynclog
 * spool defaults to `TEST_ASYNC_DIR`.
 * @param singleProcess why the test needs the in-process server (it reads `proxy.server`); given,
 *   the proxy is one process whatever `MCPROXY_TEST_NUM_PROXIES` says
 * @throws ConfigError for a bad config (in-process), Error when the CLI does not start
 */
export async function startProxy(
  config: unknown,
  options: Partial<ProxyOptions> = {},
  singleProcess?: string,
): Promise<TestProxy> {
  const port = await freePort();
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  const all: ProxyOptions = {
    ...DEFAULT_OPTIONS,
    listenAddresses: ['127.0.0.1'],
    asyncDir: TEST_ASYNC_DIR,
    ...options,
    ports: [port],
  };
  if (TEST_NUM_PROXIES > 1 && singleProcess === undefined) return startCluster(text, all, port);
  const server = new ProxyServer(all, { text, path: null });
  await server.listen();
  return {
    server,
    port,
    close: () => server.close(),
  };
}

/** The command line that gives `options` (those that differ from the defaults). */
export function optionsArgv(options: ProxyOptions): string[] {
  const argv: string[] = [];
  for (const spec of OPTION_SPECS) {
    const v = options[spec.key];
    if (JSON.stringify(v) === JSON.stringify(DEFAULT_OPTIONS[spec.key]) || spec.key === 'validateConfig')
      continue;
    const flag = spec.flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? '';
    const value = Array.isArray(v)
      ? v.join(',')
      : typeof v === 'object'
        ? Object.entries(v)
            .map(([k, x]) => `${k}:${x}`)
            .join(',')
        : String(v);
    argv.push(flag, value);
  }
  return argv;
}

/** The log line of a cluster's primary once every worker serves. */
export const CLUSTER_SERVING = /serving with \d+ workers/;

/** Runs the built CLI (`node dist/proxy/cli.js …args`, log level info) from the repo root. */
export function runBuiltCli(args: readonly string[]): Spawned {
  return runTs('proxy/cli.ts', args);
}

async function startCluster(text: string, options: ProxyOptions, port: number): Promise<TestProxy> {
  const p = runBuiltCli([...optionsArgv({ ...options, numProxies: TEST_NUM_PROXIES }), '--config', text]);
  await p.waitForOutput(CLUSTER_SERVING);
  return {
    get server(): ProxyServer {
      throw new Error('proxy.server is in-process only: pass startProxy a singleProcess reason');
    },
    port,
    close: async () => {
      p.proc.kill('SIGTERM');
      await p.exited;
    },
  };
}
