/**
 * Pipelined sessions: replies strictly in request order, whatever the delivery pattern.
 * The proxy's bytes are compared with memcached answering the same stream directly.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import net from 'node:net';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

let direct: Memcached;
let behind: Memcached[];
let proxy: TestProxy;

beforeAll(async () => {
  direct = await Memcached.start();
  // Three servers behind the proxy: keys hash to different destinations, so replies complete
  // out of order and the session must put them back in order.
  behind = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  // Compared with memcached's own replies (incr on a non-number: memcached's CLIENT_ERROR).
  proxy = await startProxy({ pools: { A: { servers: behind.map((m) => m.address) } }, route: 'PoolRoute|A' });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([direct, ...behind].map((m) => m.stop()));
});

/** A deterministic stream of mixed requests (no cas: uniques differ across several servers). */
function mixedStream(n: number, seed: number): { bytes: Buffer; replies: number } {
  let x = seed;
  const rnd = (m: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % m;
  };
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const key = `key:${rnd(50)}`;
    switch (rnd(9)) {
      case 0:
      case 1: {
        const v = Buffer.alloc(rnd(40), 97 + rnd(26));
        if (v.length > 4) v.write('\r\n', rnd(v.length - 2), 'latin1');
        parts.push(Buffer.from(`set ${key} ${rnd(1000)} 0 ${v.length}\r\n`), v, Buffer.from('\r\n'));
        break;
      }
      case 2:
        parts.push(Buffer.from(`get ${key} key:${rnd(50)} ${key}\r\n`));
        break;
      case 3:
        parts.push(Buffer.from(`delete ${key}\r\n`));
        break;
      case 4:
        parts.push(Buffer.from(`add ${key} 0 0 1\r\n${rnd(10)}\r\n`));
        break;
      case 5:
        parts.push(Buffer.from(`incr ${key} ${rnd(100)}\r\n`));
        break;
      case 6:
        parts.push(Buffer.from(`append ${key} 0 0 2\r\nxy\r\n`));
        break;
      case 7:
        parts.push(Buffer.from(`touch ${key} 0\r\n`));
        break;
      default:
        parts.push(Buffer.from(`get ${key}\r\n`));
    }
  }
  return { bytes: Buffer.concat(parts), replies: n };
}

/** Sends `bytes` (whole, or in pieces) and collects everything until `version` answers. */
async function converse(port: number, bytes: Buffer, pieces = 1): Promise<string> {
  const sentinel = 'version\r\n';
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    s.setNoDelay(true);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks).toString('latin1');
      if (/VERSION [^\r]*\r\n$/.test(all)) {
        s.destroy();
        resolve(all.replace(/VERSION [^\r]*\r\n$/, ''));
      }
    });
    s.on('error', reject);
    s.on('connect', () => {
      void (async () => {
        const step = Math.ceil(bytes.length / pieces);
        for (let i = 0; i < bytes.length; i += step) {
          s.write(bytes.subarray(i, i + step));
          if (pieces > 1) await new Promise((r) => setImmediate(r));
        }
        s.write(sentinel);
      })();
    });
  });
}

test('1,000 mixed pipelined requests in one write: every reply, in order, as memcached gives them', async () => {
  const { bytes } = mixedStream(1000, 1);
  const want = await converse(direct.port, bytes);
  const got = await converse(proxy.port, bytes);
  expect(got.length).toBeGreaterThan(1000);
  expect(got).toBe(want);
});

test('a request stream delivered one byte per read gives the same replies', async () => {
  const { bytes } = mixedStream(40, 2);
  await converse(direct.port, Buffer.from('flush_all\r\n'));
  // Same fresh state on both sides: reset the proxy's servers through memcached directly.
  await Promise.all(behind.map((m) => converse(m.port, Buffer.from('flush_all\r\n'))));
  const want = await converse(direct.port, bytes);
  const got = await converse(proxy.port, bytes, bytes.length);
  expect(got).toBe(want);
});

test('values containing CRLF round-trip intact through a pipelined burst', async () => {
  const c = await RawClient.connect(proxy.port);
  const value = Buffer.from('\r\nEND\r\nVALUE x 0 1\r\n\u0000\u00ff\r\n', 'latin1');
  const burst: Buffer[] = [];
  for (let i = 0; i < 100; i++)
    burst.push(Buffer.from(`set crlf${i} ${i} 0 ${value.length}\r\n`), value, Buffer.from('\r\n'));
  for (let i = 0; i < 100; i++) burst.push(Buffer.from(`get crlf${i}\r\n`));
  c.send(Buffer.concat(burst));
  expect(await c.read(100 * 'STORED\r\n'.length)).toEqual(Buffer.from('STORED\r\n'.repeat(100)));
  for (let i = 0; i < 100; i++) {
    const expected = Buffer.concat([
      Buffer.from(`VALUE crlf${i} ${i} ${value.length}\r\n`),
      value,
      Buffer.from('\r\nEND\r\n'),
    ]);
    expect(await c.read(expected.length)).toEqual(expected);
  }
  c.close();
});

test('200 concurrent clients pipelining at once each get their own replies, in order', async () => {
  const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(proxy.port)));
  await Promise.all(
    clients.map(async (c, n) => {
      const reqs: string[] = [];
      let expected = '';
      for (let i = 0; i < 20; i++) {
        const v = `c${n}-${i}`;
        reqs.push(`set conc:${n}:${i} ${n} 0 ${v.length}\r\n${v}\r\nget conc:${n}:${i}\r\n`);
        expected += `STORED\r\nVALUE conc:${n}:${i} ${n} ${v.length}\r\n${v}\r\nEND\r\n`;
      }
      c.send(reqs.join(''));
      expect((await c.read(Buffer.byteLength(expected))).toString()).toBe(expected);
    }),
  );
  for (const c of clients) c.close();
});

test('values from 1 byte to 700 KiB, pipelined: every get returns the exact bytes (replies cross socket chunks)', async () => {
  const c = await RawClient.connect(proxy.port);
  // Sizes around the copy/view boundary (16 KiB), Node's old read size (64 KiB) and the slab (512 KiB).
  const sizes = [
    1, 100, 2047, 2048, 16383, 16384, 16385, 65535, 65536, 65537, 300_000, 524_287, 524_288, 700_000,
  ];
  const values = sizes.map((n, i) => {
    const v = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) v[j] = (j * 7 + i * 13) & 0xff;
    return v;
  });
  const sets = values.map((v, i) =>
    Buffer.concat([Buffer.from(`set big${i} ${i} 0 ${v.length}\r\n`), v, Buffer.from('\r\n')]),
  );
  c.send(Buffer.concat(sets));
  expect(await c.read(sizes.length * 'STORED\r\n'.length, 15_000)).toEqual(
    Buffer.from('STORED\r\n'.repeat(sizes.length)),
  );
  // Twice in one burst, so later replies land in slabs earlier ones have partly filled.
  const gets = [...values, ...values].map((_, k) => `get big${k % sizes.length}\r\n`).join('');
  c.send(gets);
  for (let k = 0; k < 2 * sizes.length; k++) {
    const i = k % sizes.length;
    const v = values[i] as Buffer;
    const expected = Buffer.concat([
      Buffer.from(`VALUE big${i} ${i} ${v.length}\r\n`),
      v,
      Buffer.from('\r\nEND\r\n'),
    ]);
    expect((await c.read(expected.length, 15_000)).equals(expected)).toBe(true);
  }
  c.close();
});
