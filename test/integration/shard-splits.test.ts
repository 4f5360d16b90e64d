/**
 * PoolRoute `shard_splits` (ShardSplitRoute, mcrouter `test_shard_splits.py`) against three real
 * memcached servers: a split shard's requests go to this host's copy `<shard>aa`/`ba`/…, deletes
 * reach every copy, other keys are untouched, and unsupported PoolRoute keys are config errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directGet, directSet } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';

let servers: Memcached[];
beforeAll(async () => {
  servers = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});
beforeEach(async () => {
  for (const s of servers) {
    const cl = await RawClient.connect(s.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

const cfg = (splits: unknown, extra: Record<string, unknown> = {}): unknown => ({
  pools: { A: { servers: servers.map((s) => s.address) } },
  route: { type: 'PoolRoute', pool: 'A', shard_splits: splits, ...extra },
});

/** How many of the three servers hold `key`. */
async function copies(key: string): Promise<number> {
  const found = await Promise.all(servers.map((s) => directGet(s, key)));
  return found.filter((r) => r !== 'END\r\n').length;
}

describe('PoolRoute shard_splits (mcrouter ShardSplitRoute)', () => {
  test('with hostid 1 of 3 splits, a set and a get use copy "aa"; unsplit shards use the key', async () => {
    await withProxy(
      cfg({ '1': 3, '2': 1 }),
      async (cl) => {
        expect(await proxySet(cl, 'a:1:k', 'v')).toBe('STORED\r\n');
        expect(await copies('a:1aa:k')).toBe(1);
        expect(await copies('a:1:k')).toBe(0);
        expect(await proxyGet(cl, 'a:1:k')).toBe('v');
        expect(await proxySet(cl, 'a:2:k', 'w')).toBe('STORED\r\n');
        expect(await copies('a:2:k')).toBe(1);
        // "1aa" does not end in a digit: not a shard id, the key is used as it is.
        expect(await proxySet(cl, 'a:1aa:x', 'x')).toBe('STORED\r\n');
        expect(await copies('a:1aa:x')).toBe(1);
      },
      { hostId: 1 },
    );
  });

  test('hostid 3 of 3 splits uses the key itself; incr goes to the same copy as the set', async () => {
    await withProxy(
      cfg({ '1': 3 }),
      async (cl) => {
        expect(await proxySet(cl, 'a:1:n', '5')).toBe('STORED\r\n');
        expect(await copies('a:1:n')).toBe(1);
        expect(await ask(cl, 'incr a:1:n 1\r\n')).toBe('6\r\n');
      },
      { hostId: 3 },
    );
  });

  test('a delete reaches the key and every copy; the reply is the key’s own', async () => {
    const keys = ['a:1:d', 'a:1aa:d', 'a:1ba:d'];
    for (const s of servers) for (const k of keys) await directSet(s, k, 'x');
    await withProxy(cfg({ '1': 3 }), async (cl) => {
      expect(await ask(cl, 'delete a:1:d\r\n')).toBe('DELETED\r\n');
      // Each key is deleted on the one server it hashes to (the copies in the background).
      for (const k of keys) await expect.poll(() => copies(k)).toBe(2);
    });
  });

  test('fanout_deletes: false in the object form sends a delete only to this host’s copy', async () => {
    for (const s of servers) await directSet(s, 'a:7ba:d', 'x');
    for (const s of servers) await directSet(s, 'a:7:d', 'x');
    await withProxy(
      cfg({ '7': { new_split_size: 3, fanout_deletes: false } }),
      async (cl) => {
        expect(await ask(cl, 'delete a:7:d\r\n')).toBe('DELETED\r\n');
        expect(await copies('a:7ba:d')).toBe(2);
        expect(await copies('a:7:d')).toBe(3);
      },
      { hostId: 2 },
    );
  });

  test('bad splits and unimplemented PoolRoute keys are config errors naming the path', async () => {
    const none = async (): Promise<void> => {
      /* not reached */
    };
    await expect(withProxy(cfg({ '1': 0 }), none)).rejects.toThrow(
      'route.shard_splits["1"]: ShardSplitter: value is <= 0',
    );
    await expect(withProxy(cfg({ '1': 'x' }), none)).rejects.toThrow(
      'route.shard_splits["1"]: ShardSplitter: split config is not an int or object',
    );
    await expect(
      withProxy(cfg({}, { slow_warmup: { failoverTarget: 'NullRoute', settings: [] } }), none),
    ).rejects.toThrow("route.slow_warmup.settings: 'settings' in slow_warmup must be a json object.");
    await expect(withProxy(cfg({}, { max_outstanding: 5 }), none)).rejects.toThrow(
      'route.max_outstanding: not supported by mcproxy',
    );
  });
});
