/**
 * The seed's routing end to end (seed 003 `mcrouter.jq`, examples/colocated.json) with real
 * memcached for local, the peers and central:
 * gets served from local and warmed from central on a miss (WarmUpRoute); sets and deletes to the
 * hashed peer and to central at once (AllFastestRoute); everything else to central.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { colocatedConfig } from '../helpers/config.js';
import { directGet, directSet } from '../helpers/direct.js';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';

let local: Memcached;
let otherPeer: Memcached;
let central: Memcached;
let proxy: TestProxy;
let app: RawClient;

beforeAll(async () => {
  [local, otherPeer, central] = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  // As on Beanstalk: this instance's own memcached is one of the peers.
  proxy = await startProxy(
    colocatedConfig(local.address, [local.address, otherPeer.address], [central.address]),
    { serverTimeoutMs: 500, probeTimeoutInitialMs: 50 },
  );
  app = await RawClient.connect(proxy.port);
});
afterAll(async () => {
  app.close();
  await proxy.close();
  await Promise.all([local.stop(), otherPeer.stop(), central.stop()]);
});

describe('get: WarmUpRoute(cold = local, warm = central)', () => {
  test('a key missing locally is served from central and then appears in local', async () => {
    await directSet(central, 'warm:1', 'from-central', 42);
    expect(await directGet(local, 'warm:1')).toBe('END\r\n');
    expect(await app.call('get warm:1\r\n', 'VALUE warm:1 42 12\r\nfrom-central\r\nEND\r\n')).toBe(
      'VALUE warm:1 42 12\r\nfrom-central\r\nEND\r\n',
    );
    // The fill is a background add; wait for it to land.
    await vi.waitFor(
      async () => {
        expect(await directGet(local, 'warm:1')).toBe('VALUE warm:1 42 12\r\nfrom-central\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
  });

  test('a local hit is served locally even when central has another value', async () => {
    await directSet(local, 'warm:2', 'local-copy');
    await directSet(central, 'warm:2', 'central-copy');
    expect(await app.call('get warm:2\r\n', 'VALUE warm:2 0 10\r\nlocal-copy\r\nEND\r\n')).toBe(
      'VALUE warm:2 0 10\r\nlocal-copy\r\nEND\r\n',
    );
  });

  test('a miss everywhere is a miss', async () => {
    expect(await app.call('get nowhere\r\n', 'END\r\n')).toBe('END\r\n');
  });
});

describe('set and delete: AllFastestRoute(PoolRoute|peers, PoolRoute|central)', () => {
  const peers = (): Memcached[] => [local, otherPeer];
  const select = createHashSelector({ hashFunc: 'Ch3', n: 2 });
  const peerFor = (key: string): number => select(Buffer.from(key), 0, key.length);

  test('a set reaches central and exactly the Ch3-hashed peer', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `setkey:${i}`);
    expect(new Set(keys.map(peerFor)).size).toBe(2); // both peers are exercised
    for (const key of keys) {
      expect(await app.call(`set ${key} 7 0 2\r\nv1\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
    }
    for (const key of keys) {
      const hit = `VALUE ${key} 7 2\r\nv1\r\nEND\r\n`;
      await vi.waitFor(
        async () => {
          expect(await directGet(central, key)).toBe(hit);
          expect(await directGet(peers()[peerFor(key)] as Memcached, key)).toBe(hit);
        },
        { timeout: 5000 },
      );
      expect(await directGet(peers()[1 - peerFor(key)] as Memcached, key)).toBe('END\r\n');
    }
  });

  test('a delete reaches central and the hashed peer', async () => {
    const key = 'delkey';
    const peer = peers()[peerFor(key)] as Memcached;
    await directSet(central, key, 'x');
    await directSet(peer, key, 'x');
    expect(await app.call(`delete ${key}\r\n`, 'DELETED\r\n')).toBe('DELETED\r\n');
    await vi.waitFor(
      async () => {
        expect(await directGet(central, key)).toBe('END\r\n');
        expect(await directGet(peer, key)).toBe('END\r\n');
      },
      { timeout: 5000 },
    );
  });

  test('other operations go to central only', async () => {
    await directSet(central, 'counter', '10');
    await directSet(local, 'counter', '500');
    expect(await app.call('incr counter 5\r\n', '15\r\n')).toBe('15\r\n');
    expect(await directGet(local, 'counter')).toBe('VALUE counter 0 3\r\n500\r\nEND\r\n');
  });
});

describe('central down', () => {
  test('locally cached gets still hit; sets still succeed through the peers; misses report the error', async () => {
    await directSet(local, 'cached', 'here');
    await central.stop();
    try {
      expect(await app.call('get cached\r\n', 'VALUE cached 0 4\r\nhere\r\nEND\r\n')).toBe(
        'VALUE cached 0 4\r\nhere\r\nEND\r\n',
      );
      expect(await app.call('set during 0 0 1\r\nx\r\n', 'STORED\r\n')).toBe('STORED\r\n');
      // The set found central dead (hard TKO): a local miss gets central's fast failure, as
      // today's mcrouter returns it (no miss_on_get_errors since April 2025).
      expect(await app.ask('get notcached\r\n')).toMatch(/^SERVER_ERROR /);
    } finally {
      await central.restart();
    }
    // Central is back: a probe clears the TKO and gets are warmed from central again.
    await directSet(central, 'after', 'ok');
    await vi.waitFor(
      async () => {
        expect(await app.ask('get after\r\n')).toBe('VALUE after 0 2\r\nok\r\nEND\r\n');
      },
      { timeout: 5000, interval: 50 },
    );
  });
});
