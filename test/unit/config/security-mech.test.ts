/**
 * TLS in the config (docs/tls.md, `mcrouter/lib/network/AccessPoint.cpp`,
 * `mcrouter/routes/McRouteHandleProvider.cpp`): the server-string field and the pool's
 * `security_mech` / `use_ssl`, and the destination key that keeps TLS and plain apart.
 */
import { describe, expect, test } from 'vitest';
import { parseServerAddress } from '../../../proxy/config/server-address.js';
import { buildConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { ConfigError } from '../../../proxy/errors.js';

const OPTS = { routePrefix: '/././', sendInvalidRouteToDefault: false, serverTimeoutMs: 1000 };

/** The destination keys a config creates, in order. */
function keysOf(pools: Record<string, unknown>): string[] {
  const map = new DestinationMap();
  buildConfig({ text: JSON.stringify({ pools, route: 'PoolRoute|A' }), path: null }, map, OPTS);
  return [...map.all()].map((d) => d.key);
}

describe('server strings', () => {
  test.each<[string, 'plain' | 'ssl', 'plain' | 'ssl']>([
    ['10.0.0.1:11211', 'plain', 'plain'],
    ['10.0.0.1:11211', 'ssl', 'ssl'],
    ['10.0.0.1:11211:ascii:ssl', 'plain', 'ssl'],
    ['10.0.0.1:11211:ascii:tls', 'plain', 'ssl'],
    ['10.0.0.1:11211:ASCII:SSL:notcompressed', 'plain', 'ssl'],
    ['10.0.0.1:11211::ssl', 'plain', 'ssl'],
    ['10.0.0.1:11211:ascii:plain', 'ssl', 'plain'],
    ['10.0.0.1:11211:ascii:', 'ssl', 'ssl'],
    ['[::1]:11211:ascii:ssl', 'plain', 'ssl'],
  ])('%s with pool default %s → %s', (text, pool, mech) => {
    expect(parseServerAddress(text, pool).securityMech).toBe(mech);
  });

  test.each([
    ['10.0.0.1:11211:ascii:fizz', 'security mechanism "fizz" is not supported (plain, ssl or tls)'],
    ['10.0.0.1:11211:ascii:ktls12', 'security mechanism "ktls12" is not supported (plain, ssl or tls)'],
  ])('%s is refused', (text, why) => {
    expect(() => parseServerAddress(text)).toThrow(`invalid server ${JSON.stringify(text)}: ${why}`);
  });

  test('TLS over a unix socket is refused, as in mcrouter', () => {
    expect(() => parseServerAddress('unix:/tmp/mc.sock', 'ssl')).toThrow(
      'invalid server "unix:/tmp/mc.sock": TLS over a unix socket is not supported',
    );
  });
});

describe('pools', () => {
  test('security_mech "ssl" (or "tls") applies to every server that names none', () => {
    expect(keysOf({ A: { servers: ['h1:1', 'h2:2:ascii:plain'], security_mech: 'ssl' } })).toEqual([
      'h1:1:ascii:ssl:notcompressed-1000',
      'h2:2:ascii:plain:notcompressed-1000',
    ]);
    expect(keysOf({ A: { servers: ['h1:1'], security_mech: 'TLS' } })).toEqual([
      'h1:1:ascii:ssl:notcompressed-1000',
    ]);
  });

  test('use_ssl (deprecated in mcrouter) is security_mech "ssl"; security_mech wins over it', () => {
    expect(keysOf({ A: { servers: ['h1:1'], use_ssl: true } })).toEqual([
      'h1:1:ascii:ssl:notcompressed-1000',
    ]);
    expect(keysOf({ A: { servers: ['h1:1'], use_ssl: true, security_mech: 'plain' } })).toEqual([
      'h1:1:ascii:plain:notcompressed-1000',
    ]);
  });

  test('a TLS and a plain destination to one host:port are two destinations sharing one TKO state', () => {
    const map = new DestinationMap();
    const text = JSON.stringify({
      pools: { A: { servers: ['h1:1:ascii:ssl'] }, B: { servers: ['h1:1'] } },
      route: { type: 'AllSyncRoute', children: ['PoolRoute|A', 'PoolRoute|B'] },
    });
    buildConfig({ text, path: null }, map, OPTS);
    const [tls, plain] = [...map.all()];
    expect([tls?.key, plain?.key]).toEqual([
      'h1:1:ascii:ssl:notcompressed-1000',
      'h1:1:ascii:plain:notcompressed-1000',
    ]);
    expect(tls?.tracker).toBe(plain?.tracker);
  });

  test.each<[unknown, string]>([
    ['fizz', 'pools.A.security_mech: security mechanism "fizz" is not supported (plain, ssl or tls)'],
    [true, 'pools.A.security_mech: expected a string: plain, ssl or tls'],
  ])('security_mech %j is a config error naming the path', (mech, message) => {
    const map = new DestinationMap();
    const text = JSON.stringify({
      pools: { A: { servers: ['h1:1'], security_mech: mech } },
      route: 'PoolRoute|A',
    });
    expect(() => buildConfig({ text, path: null }, map, OPTS)).toThrow(ConfigError);
    expect(() => buildConfig({ text, path: null }, map, OPTS)).toThrow(message);
  });
});
