/**
 * Both ways of reading client connections (proxy/server/client-reader.ts): through `onread` into
 * the shared read buffer (the default where the feature test passes) and through the socket's
 * stream (`MCPROXY_CLIENT_READ=stream`, and the fallback). Each runs the same exchanges; the
 * point of the onread path is that nothing refers to the shared buffer after a read, so requests
 * split over reads, held pipelines and values that outlive their read must come back intact while
 * other connections' reads reuse the buffer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { once } from 'node:events';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { clientReadMode, copyRead, probeClientOnread } from '../../proxy/server/client-reader.js';

let backend: Memcached;

beforeAll(async () => {
  backend = await Memcached.start();
});
afterAll(async () => {
  await backend.stop();
});

test('the feature test passes on this Node, and copyRead copies', async () => {
  expect(await probeClientOnread()).toBe(true);
  const src = Buffer.from('abcdefgh');
  const small = copyRead(src, 5);
  const large = copyRead(Buffer.alloc(10_000, 7), 10_000);
  src.fill(0);
  expect(small.toString('latin1')).toBe('abcde');
  expect(large.length).toBe(10_000);
  expect(large.every((b) => b === 7)).toBe(true);
});

/** Sends `request` on `c` and checks that exactly `expected` comes back. */
async function exchange(c: RawClient, request: string | Buffer, expected: string): Promise<void> {
  expect(await c.call(request, expected)).toBe(expected);
}

/** A value of `n` bytes whose bytes depend on `seed` (so a mix-up with another value shows). */
function value(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 97 + ((i * 7 + seed) % 26);
  return b;
}

describe.each(['onread', 'stream'] as const)('clients read through %s', (mode) => {
  let proxy: TestProxy;
  let closed = false;

  beforeAll(async () => {
    if (mode === 'stream') process.env.MCPROXY_CLIENT_READ = 'stream';
    else delete process.env.MCPROXY_CLIENT_READ;
    try {
      proxy = await startProxy(
        { pools: { A: { servers: [backend.address] } }, route: 'PoolRoute|A' },
        {},
        'reads proxy.server.clientRead',
      );
    } finally {
      delete process.env.MCPROXY_CLIENT_READ;
    }
  });
  afterAll(async () => {
    if (!closed) await proxy.close();
  });

  test('the server reads clients the way asked', async () => {
    expect(proxy.server.clientRead).toBe(mode);
    expect(await clientReadMode()).toBe('onread');
  });

  test('a request split over reads survives other connections reusing the read buffer', async () => {
    const a = await RawClient.connect(proxy.port);
    const b = await RawClient.connect(proxy.port);
    const v = value(5000, 1);
    const key = `split:${mode}`;
    // The line and part of the value, then other traffic on another connection, then the rest.
    a.send(Buffer.concat([Buffer.from(`set ${key} 3 0 ${v.length}\r\n`), v.subarray(0, 2500)]));
    for (let i = 0; i < 20; i++) {
      const other = value(3000, 100 + i);
      await exchange(
        b,
        Buffer.concat([Buffer.from(`set other:${i} 0 0 3000\r\n`), other, Buffer.from('\r\n')]),
        'STORED\r\n',
      );
    }
    a.send(v.subarray(2500, 4000));
    await exchange(
      b,
      `get other:3\r\n`,
      `VALUE other:3 0 3000\r\n${value(3000, 103).toString('latin1')}\r\nEND\r\n`,
    );
    a.send(Buffer.concat([v.subarray(4000), Buffer.from('\r\n')]));
    await exchange(a, '', 'STORED\r\n');
    await exchange(a, `get ${key}\r\n`, `VALUE ${key} 3 ${v.length}\r\n${v.toString('latin1')}\r\nEND\r\n`);
    a.close();
    b.close();
  });

  test('a deep pipeline in one write (held over several slices) is answered in order, intact', async () => {
    const c = await RawClient.connect(proxy.port);
    const parts: Buffer[] = [];
    let expected = '';
    for (let i = 0; i < 600; i++) {
      const v = value(100, i);
      parts.push(Buffer.from(`set p:${mode}:${i} 0 0 100\r\n`), v, Buffer.from('\r\n'));
      parts.push(Buffer.from(`get p:${mode}:${i}\r\n`));
      expected += `STORED\r\nVALUE p:${mode}:${i} 0 100\r\n${v.toString('latin1')}\r\nEND\r\n`;
    }
    c.send(Buffer.concat(parts));
    expect((await c.read(expected.length)).toString('latin1')).toBe(expected);
    c.close();
  });

  test('a 300 KiB value (many reads) is stored intact', async () => {
    const c = await RawClient.connect(proxy.port);
    const v = value(300 * 1024, 5);
    const key = `big:${mode}`;
    await exchange(
      c,
      Buffer.concat([Buffer.from(`set ${key} 0 0 ${v.length}\r\n`), v, Buffer.from('\r\n')]),
      'STORED\r\n',
    );
    const head = `VALUE ${key} 0 ${v.length}\r\n`;
    c.send(`get ${key}\r\n`);
    const got = await c.read(head.length + v.length + 7);
    expect(got.subarray(0, head.length).toString('latin1')).toBe(head);
    expect(got.subarray(head.length, head.length + v.length).equals(v)).toBe(true);
    c.close();
  });

  test('a half-closed client gets its replies, then the connection closes', async () => {
    const c = await RawClient.connect(proxy.port);
    await exchange(c, `set hc:${mode} 0 0 2\r\nhi\r\n`, 'STORED\r\n');
    c.socket.end(`get hc:${mode}\r\n`);
    const reply = `VALUE hc:${mode} 0 2\r\nhi\r\nEND\r\n`;
    expect((await c.read(reply.length)).toString('latin1')).toBe(reply);
    expect(await c.waitClosed()).toBe(true);
  });

  test('closing the server closes its clients and completes (connections are counted right)', async () => {
    const c = await RawClient.connect(proxy.port);
    expect(await c.ask('version\r\n')).toMatch(/^VERSION /);
    const gone = once(c.socket, 'close');
    closed = true;
    await proxy.close();
    await gone;
  });
});
