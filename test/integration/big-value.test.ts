/**
 * BigValueRoute (`mcrouter/routes/BigValueRoute.h`, mcrouter's `test_bigvalue.py`) with a real
 * memcached: values over the threshold are stored as chunks `<key>:<i>:<suffix>` plus an index
 * `1-<n>-<suffix>` with flags | 0x8000, exactly as mcrouter writes them, and read back whole;
 * items laid out by mcrouter are read; reassembly counts in the memory budget.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directGet, directSet } from '../helpers/direct.js';
import { ask, proxyGet, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';
import type { ProxyOptions } from '../../proxy/options.js';

/** Big replies may take a while on a loaded machine. */
const BIG_WAIT_MS = 20_000;

let m: Memcached;
beforeAll(async () => {
  m = await Memcached.start();
});
afterAll(async () => {
  await m.stop();
});
beforeEach(async () => {
  const cl = await RawClient.connect(m.port);
  expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
  cl.close();
});

const pool = (): unknown => ({ pools: { A: { servers: [m.address] } }, route: 'PoolRoute|A' });
const split = (threshold: number, more: Partial<ProxyOptions> = {}): Partial<ProxyOptions> => ({
  bigValueSplitThreshold: threshold,
  bigValueBatchSize: 2,
  ...more,
});

/** The index item of `key` in memcached: flags and `[version, chunks, suffix]`, or null. */
async function indexOf(key: string): Promise<{ flags: number; info: string[] } | null> {
  const r = await directGet(m, key);
  const hit = /^VALUE \S+ (\d+) \d+\r\n(\S+)\r\nEND\r\n$/.exec(r);
  return hit === null ? null : { flags: Number(hit[1]), info: (hit[2] as string).split('-') };
}

/** `get key` through the proxy, read up to END with a generous wait. */
async function bigGet(cl: RawClient, key: string): Promise<string> {
  cl.send(`get ${key}\r\n`);
  const first = await cl.readUntil('\r\n', BIG_WAIT_MS);
  if (!first.startsWith('VALUE ')) return first;
  return first + (await cl.readUntil('END\r\n', BIG_WAIT_MS));
}

describe('BigValueRoute (--big-value-split-threshold)', () => {
  test('a value over the threshold: chunks with the flags, an index with flags | 0x8000; read back whole', async () => {
    const value = 'abcdefghij'.repeat(25); // 250 bytes: chunks of 100, 100, 50
    await withProxy(
      pool(),
      async (cl) => {
        expect(await ask(cl, `set k 7 0 250\r\n${value}\r\n`)).toBe('STORED\r\n');
        const index = await indexOf('k');
        expect(index?.flags).toBe(7 | 0x8000);
        const [version, chunks, suffix] = index?.info ?? [];
        expect([version, chunks]).toEqual(['1', '3']);
        expect(suffix).toMatch(/^\d+$/);
        expect(await directGet(m, `k:0:${suffix}`)).toBe(
          `VALUE k:0:${suffix} 7 100\r\n${value.slice(0, 100)}\r\nEND\r\n`,
        );
        expect(await directGet(m, `k:1:${suffix}`)).toBe(
          `VALUE k:1:${suffix} 7 100\r\n${value.slice(100, 200)}\r\nEND\r\n`,
        );
        expect(await directGet(m, `k:2:${suffix}`)).toBe(
          `VALUE k:2:${suffix} 7 50\r\n${value.slice(200)}\r\nEND\r\n`,
        );
        // mcrouter leaves the flag in the reply unless --big-value-hide-reply-flag.
        expect(await ask(cl, 'get k\r\n')).toBe(`VALUE k ${7 | 0x8000} 250\r\n${value}\r\nEND\r\n`);
        // At the threshold: stored as it is.
        expect(await ask(cl, `set s 0 0 100\r\n${value.slice(0, 100)}\r\n`)).toBe('STORED\r\n');
        expect(await directGet(m, 's')).toBe(`VALUE s 0 100\r\n${value.slice(0, 100)}\r\nEND\r\n`);
        expect(await proxyGet(cl, 's')).toBe(value.slice(0, 100));
      },
      split(100),
    );
  });

  test('items laid out by mcrouter are read; a missing chunk or a bad index is a miss', async () => {
    // What test_bigvalue.py writes by hand: index "1-2-1234" and two chunks.
    await directSet(m, 'key', '1-2-1234', 0x8000);
    await directSet(m, 'key:0:1234', 'a'.repeat(100));
    await directSet(m, 'key:1:1234', 'b');
    await directSet(m, 'bad', '2-2-1234', 0x8000);
    await withProxy(
      pool(),
      async (cl) => {
        expect(await ask(cl, 'get key\r\n')).toBe(`VALUE key 32768 101\r\n${'a'.repeat(100)}b\r\nEND\r\n`);
        expect(await ask(cl, 'delete key:1:1234\r\n')).toBe('DELETED\r\n');
        expect(await ask(cl, 'get key\r\n')).toBe('END\r\n');
        expect(await ask(cl, 'get bad\r\n')).toBe('END\r\n');
      },
      split(100),
    );
  });

  test("gets answers the index's cas unique: a cas with it replaces the big value, a stale one is EXISTS", async () => {
    const v1 = 'x'.repeat(300);
    const v2 = 'y'.repeat(300);
    await withProxy(
      pool(),
      async (cl) => {
        expect(await ask(cl, `set c 0 0 300\r\n${v1}\r\n`)).toBe('STORED\r\n');
        const gets = await ask(cl, 'gets c\r\n');
        const unique = /^VALUE c 32768 300 (\d+)\r\n/.exec(gets)?.[1];
        expect(unique).toBeDefined();
        expect(gets.endsWith(`\r\n${v1}\r\nEND\r\n`)).toBe(true);
        expect(await ask(cl, `cas c 0 0 300 ${unique}\r\n${v2}\r\n`)).toBe('STORED\r\n');
        expect(await ask(cl, `cas c 0 0 300 ${unique}\r\n${v1}\r\n`)).toBe('EXISTS\r\n');
        expect(await proxyGet(cl, 'c')).toBe(v2);
        // add of an existing key: the chunks are written, the index add is NOT_STORED.
        expect(await ask(cl, `add c 0 0 300\r\n${v1}\r\n`)).toBe('NOT_STORED\r\n');
        expect(await proxyGet(cl, 'c')).toBe(v2);
      },
      split(100),
    );
  });

  test('values over 1 MiB are accepted and split under memcached -I 1m; route_handles names the route', async () => {
    const value = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < value.length; i++) value[i] = 97 + (i % 26);
    await withProxy(
      pool(),
      async (cl) => {
        cl.send(Buffer.concat([Buffer.from(`set big 0 0 ${value.length}\r\n`), value, Buffer.from('\r\n')]));
        expect(await cl.readUntil('\r\n', BIG_WAIT_MS)).toBe('STORED\r\n');
        expect(await bigGet(cl, 'big')).toBe(
          `VALUE big 32768 ${value.length}\r\n${value.toString('latin1')}\r\nEND\r\n`,
        );
        const tree = await ask(cl, 'get __mcrouter__.route_handles(get,big)\r\n');
        expect(tree).toContain('big-value|split_threshold=524288|batch_size=2|hide_reply_flag=false');
      },
      split(512 * 1024),
    );
  });

  test('without big values a value over 1 MiB is refused (memcached)', async () => {
    await withProxy(pool(), async (cl) => {
      const n = 1024 * 1024 + 1;
      cl.send(`set big 0 0 ${n}\r\n${'z'.repeat(n)}\r\n`);
      expect(await cl.readUntil('\r\n', BIG_WAIT_MS)).toBe('SERVER_ERROR object too large for cache\r\n');
    });
  });

  test('reassembly counts in the memory budget: past it the get is refused and the budget is released', async () => {
    const value = 'q'.repeat(3 * 1024 * 1024);
    await withProxy(
      pool(),
      async (cl, proxy) => {
        cl.send(`set mem 0 0 ${value.length}\r\n${value}\r\n`);
        expect(await cl.readUntil('\r\n', BIG_WAIT_MS)).toBe('STORED\r\n');
        // The session admits the get (its reservation, 1 MiB, fits); BigValueRoute refuses it
        // once the chunks it holds pass the budget.
        expect(await bigGet(cl, 'mem')).toBe('SERVER_ERROR out of memory storing object\r\n');
        expect(proxy.server.memory.refused).toBe(0);
        expect(proxy.server.memory.used).toBeLessThan(64 * 1024);
      },
      split(256 * 1024, { maxMemoryBytes: 1536 * 1024, maxItemSize: 4 * 1024 * 1024 }),
    );
  });
});

describe('BigValueRoute in a config', () => {
  test('{"type": "BigValueRoute"} with hide_reply_flag: the flag is cleared in replies, kept in memcached', async () => {
    const config = {
      pools: { A: { servers: [m.address] } },
      route: {
        type: 'BigValueRoute',
        target: 'PoolRoute|A',
        split_threshold: 10,
        batch_size: 0,
        hide_reply_flag: true,
      },
    };
    await withProxy(config, async (cl) => {
      expect(await ask(cl, 'set h 5 0 25\r\n0123456789012345678901234\r\n')).toBe('STORED\r\n');
      expect((await indexOf('h'))?.flags).toBe(5 | 0x8000);
      expect(await ask(cl, 'get h\r\n')).toBe('VALUE h 5 25\r\n0123456789012345678901234\r\nEND\r\n');
    });
  });
});
