/** Talking to one memcached directly, to check what the proxy did to it. */
import { expect } from 'vitest';
import type { Memcached } from './memcached.js';
import { RawClient } from './raw-client.js';

/** `get key` on `m` directly; returns the raw reply. */
export async function directGet(m: Memcached, key: string): Promise<string> {
  const c = await RawClient.connect(m.port);
  c.send(`get ${key}\r\n`);
  const r = await c.readUntil('END\r\n');
  c.close();
  return r;
}

/** `set key` on `m` directly. */
export async function directSet(
  m: Memcached,
  key: string,
  value: string,
  flags = 0,
  exptime = 0,
): Promise<void> {
  const c = await RawClient.connect(m.port);
  expect(await c.call(`set ${key} ${flags} ${exptime} ${value.length}\r\n${value}\r\n`, 'STORED\r\n')).toBe(
    'STORED\r\n',
  );
  c.close();
}

/**
 * A lower bound for the remaining TTL (seconds, as `directTtl` reads it) of an item whose TTL of
 * `ttl` s was set at `t0` (`performance.now()`) or later: `ttl` less the whole seconds since then
 * and one more for memcached's clock tick. A fixed margin (`ttl − 5`) runs out when what lies
 * between (a proxy start, a wait for a fill) takes seconds on a loaded machine.
 */
export function ttlLeft(ttl: number, t0: number): number {
  return ttl - Math.ceil((performance.now() - t0) / 1000) - 1;
}

/** Remaining TTL of `key` on `m`, seconds (memcached meta `mg <key> t`): -1 = never expires, null = miss. */
export async function directTtl(m: Memcached, key: string): Promise<number | null> {
  const c = await RawClient.connect(m.port);
  c.send(`mg ${key} t\r\n`);
  const line = await c.readUntil('\r\n');
  c.close();
  const match = /^HD t(-?\d+)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** `flush_all` on each of `servers` directly (a test starting from empty servers). */
export async function directFlushAll(servers: readonly Memcached[]): Promise<void> {
  for (const m of servers) {
    const c = await RawClient.connect(m.port);
    expect(await c.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    c.close();
  }
}
