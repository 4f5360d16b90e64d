/**
 * Helpers shared by the route-handle test files: a proxy per config, one request → one reply, and
 * memcached's own counters.
 */
import type { ProxyOptions } from '../../proxy/options.js';
import type { Memcached } from './memcached.js';
import { startProxy, type TestProxy } from './proxy.js';
import { RawClient } from './raw-client.js';

/**
 * `withProxy`'s server timeout, ms: long enough that a live memcached's reply never loses the race
 * on a loaded machine (it was 300 ms: a reply the test waits for could turn into `SERVER_ERROR Reply
 * timeout` should the proxy or memcached wait that long for a core). Timers never fire early, so a
 * test that needs a timeout (a stopped server) sets a short one of its own.
 */
export const LIVE_SERVER_TIMEOUT_MS = 10_000;

/**
 * Runs `fn` with a proxy for `config` and a connected client, then closes both. A `fn` that takes
 * the proxy (a second parameter) reads its in-process objects, so it always gets the in-process
 * server, also under `MCPROXY_TEST_NUM_PROXIES` (test/helpers/proxy.ts); one that takes only the
 * client is served by the cluster there.
 * @param options proxy options; `serverTimeoutMs` defaults to `LIVE_SERVER_TIMEOUT_MS` (a test
 *   that needs a timeout to happen, a stopped server's, passes a short one)
 * @param singleProcess why the test needs one process although `fn` takes only the client
 */
export async function withProxy(
  config: unknown,
  fn: (client: RawClient, proxy: TestProxy) => Promise<void>,
  options: Partial<ProxyOptions> = {},
  singleProcess?: string,
): Promise<void> {
  // Route reply rules: show errors as the routes produce them (no miss-on-error rewriting).
  const reason = singleProcess ?? (fn.length >= 2 ? 'the test reads the proxy object' : undefined);
  const proxy = await startProxy(config, { serverTimeoutMs: LIVE_SERVER_TIMEOUT_MS, ...options }, reason);
  const client = await RawClient.connect(proxy.port);
  try {
    await fn(client, proxy);
  } finally {
    client.close();
    await proxy.close();
  }
}

/** Sends one request and reads one reply line (or up to END for a hit). */
export async function ask(client: RawClient, request: string): Promise<string> {
  client.send(request);
  const first = await client.readUntil('\r\n');
  if (first.startsWith('VALUE ')) return first + (await client.readUntil('END\r\n'));
  return first;
}

/** `get <key>` through the proxy: the value, or null for a miss; throws on an error reply. */
export async function proxyGet(client: RawClient, key: string): Promise<string | null> {
  const reply = await ask(client, `get ${key}\r\n`);
  if (reply === 'END\r\n') return null;
  const m = /^VALUE \S+ \d+ \d+\r\n([\s\S]*)\r\nEND\r\n$/.exec(reply);
  if (m === null) throw new Error(`unexpected reply to get ${key}: ${JSON.stringify(reply)}`);
  return m[1] as string;
}

/** `set <key> 0 <exptime> …` through the proxy; returns the reply line. */
export function proxySet(client: RawClient, key: string, value: string, exptime = 0): Promise<string> {
  return ask(client, `set ${key} 0 ${exptime} ${Buffer.byteLength(value)}\r\n${value}\r\n`);
}

/** One `STAT <name>` value of memcached's `stats`, as a number. */
export async function memcachedStat(m: Memcached, name: string): Promise<number> {
  const c = await RawClient.connect(m.port);
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  const match = new RegExp(`STAT ${name} (\\d+)`).exec(text);
  if (match === null) throw new Error(`no stat ${name}`);
  return Number(match[1]);
}

/** One `STAT <name>` of the proxy's `stats <group>`. */
export async function proxyStat(client: RawClient, name: string, group = 'all'): Promise<string | null> {
  client.send(group === '' ? 'stats\r\n' : `stats ${group}\r\n`);
  const text = await client.readUntil('END\r\n');
  const match = new RegExp(`STAT ${name} (\\S+)`).exec(text);
  return match === null ? null : (match[1] as string);
}

/**
 * Starts a proxy for `config` in-process (where a bad config throws its ConfigError; a
 * `MCPROXY_TEST_NUM_PROXIES` cluster only logs it) and closes it again: resolves for a good config.
 */
export function startInProcess(config: unknown): Promise<void> {
  return withProxy(
    config,
    async () => {
      /* started: nothing to do */
    },
    {},
    'a config error is thrown in-process',
  );
}
