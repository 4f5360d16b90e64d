/**
 * The binary protocol through mcproxy (PoolRoute over a real memcached), compared packet by packet
 * with the same bytes sent straight to another real memcached: hand-built packets for every opcode
 * memcached 1.6 answers, quiet variants, errors that keep or close the connection.
 * CAS values are compared as "set"/"0" (two servers count differently).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import {
  arithExtras,
  describePacket,
  packet,
  parseResponses,
  storeExtras,
  u32,
  type BinRequest,
  type BinResponse,
} from '../helpers/binary-packets.js';

const NOOP: BinRequest = { opcode: 0x0a, opaque: 999 };

let direct: Memcached;
let backend: Memcached;
let proxy: TestProxy;

beforeAll(async () => {
  direct = await Memcached.start();
  backend = await Memcached.start();
  proxy = await startProxy(
    { pools: { A: { servers: [backend.address] } }, route: 'PoolRoute|A' },
    { enableFlushCmd: true },
  );
});
afterAll(async () => {
  await proxy.close();
  await direct.stop();
  await backend.stop();
});

/** Sends `reqs` (then a NoOp) to `port`, in pieces of `chunk` bytes; returns the replies up to the NoOp's. */
async function converse(port: number, reqs: readonly BinRequest[], chunk = 0): Promise<BinResponse[]> {
  const c = await RawClient.connect(port);
  const bytes = Buffer.concat([...reqs, NOOP].map(packet));
  if (chunk <= 0) c.send(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) c.send(bytes.subarray(i, i + chunk));
  const out: BinResponse[] = [];
  let buf: Buffer = Buffer.alloc(0);
  for (;;) {
    const got = await c.read(1);
    if (got.length === 0) throw new Error(`no NoOp reply; got ${out.map(describePacket).join(' | ')}`);
    buf = Buffer.concat([buf, got]);
    const { packets, rest } = parseResponses(buf);
    buf = rest;
    out.push(...packets);
    if (packets.some((p) => p.opcode === 0x0a && p.opaque === 999)) break;
  }
  c.close();
  return out;
}

/** Both answers, described. */
async function both(reqs: readonly BinRequest[], chunk = 0): Promise<[string[], string[]]> {
  const a = await converse(direct.port, reqs);
  const b = await converse(proxy.port, reqs, chunk);
  return [a.map(describePacket), b.map(describePacket)];
}

const set = (key: string, value: string, opaque = 1, opcode = 0x01, cas?: bigint): BinRequest => ({
  opcode,
  key,
  value,
  extras: storeExtras(0, 0),
  opaque,
  ...(cas !== undefined ? { cas } : {}),
});

describe('binary protocol, same answers as memcached', () => {
  test('gets: misses (quiet ones silent), hits with flags, key and cas', async () => {
    const reqs: BinRequest[] = [
      { opcode: 0x00, key: 'g1', opaque: 1 },
      { opcode: 0x0c, key: 'g1', opaque: 2 },
      { opcode: 0x09, key: 'g1', opaque: 3 },
      { opcode: 0x0d, key: 'g1', opaque: 4 },
      { opcode: 0x01, key: 'g1', value: 'v\r\n1', extras: storeExtras(7, 0), opaque: 5 },
      { opcode: 0x00, key: 'g1', opaque: 6 },
      { opcode: 0x0c, key: 'g1', opaque: 7 },
      { opcode: 0x09, key: 'g1', opaque: 8 },
      { opcode: 0x0d, key: 'g1', opaque: 9 },
    ];
    const [a, b] = await both(reqs);
    expect(b).toEqual(a);
    expect(b).toHaveLength(8);
  });

  test('updates: set/add/replace/append/prepend/delete, loud and quiet, hits and failures', async () => {
    const reqs: BinRequest[] = [
      set('u1', 'a', 1),
      { ...set('u1', 'b', 2), opcode: 0x02 },
      { ...set('u2', 'b', 3), opcode: 0x03 },
      { ...set('u1', 'c', 4), opcode: 0x03 },
      { opcode: 0x0e, key: 'u1', value: '>', opaque: 5 },
      { opcode: 0x0f, key: 'u1', value: '<', opaque: 6 },
      { opcode: 0x0e, key: 'u3', value: 'x', opaque: 7 },
      { opcode: 0x00, key: 'u1', opaque: 8 },
      { ...set('u4', 'q', 9), opcode: 0x11 },
      { ...set('u4', 'q', 10), opcode: 0x12 },
      { ...set('u5', 'q', 11), opcode: 0x13 },
      { opcode: 0x19, key: 'u4', value: '!', opaque: 12 },
      { opcode: 0x1a, key: 'nope', value: '!', opaque: 13 },
      { opcode: 0x04, key: 'u1', opaque: 14 },
      { opcode: 0x04, key: 'u1', opaque: 15 },
      { opcode: 0x14, key: 'u4', opaque: 16 },
      { opcode: 0x14, key: 'u4', opaque: 17 },
      { opcode: 0x00, key: 'u4', opaque: 18 },
    ];
    const [a, b] = await both(reqs);
    expect(b).toEqual(a);
  });

  test('cas: the cas of a set works, a stale one is KEY_EEXISTS, on a missing key KEY_ENOENT', async () => {
    for (const port of [direct.port, proxy.port]) {
      const [stored] = await converse(port, [set('c1', 'one')]);
      expect(stored?.cas).not.toBe(0n);
      const cas = stored?.cas ?? 0n;
      const replies = await converse(port, [
        set('c1', 'two', 2, 0x01, cas),
        set('c1', 'three', 3, 0x01, cas),
        set('c-missing', 'x', 4, 0x01, 5n),
        { opcode: 0x00, key: 'c1', opaque: 5 },
      ]);
      expect(replies.map((p) => p.status)).toEqual([0, 2, 1, 0, 0]);
      expect(replies[3]?.value.toString()).toBe('two');
      expect(replies[3]?.cas).toBe(replies[0]?.cas);
    }
  });

  test('incr/decr: create from the initial value, count, floor at 0, no create with 0xffffffff, quiet', async () => {
    const reqs: BinRequest[] = [
      { opcode: 0x05, key: 'n1', extras: arithExtras(1n, 10n, 0), opaque: 1 },
      { opcode: 0x05, key: 'n1', extras: arithExtras(5n, 0n, 0), opaque: 2 },
      { opcode: 0x06, key: 'n1', extras: arithExtras(100n, 0n, 0), opaque: 3 },
      { opcode: 0x05, key: 'n2', extras: arithExtras(1n, 0n, 0xffffffff), opaque: 4 },
      { opcode: 0x15, key: 'n3', extras: arithExtras(2n, 7n, 0), opaque: 5 },
      { opcode: 0x15, key: 'n3', extras: arithExtras(2n, 7n, 0), opaque: 6 },
      { opcode: 0x16, key: 'n4', extras: arithExtras(1n, 0n, 0xffffffff), opaque: 7 },
      { opcode: 0x05, key: 'n1', extras: arithExtras(18446744073709551615n, 0n, 0), opaque: 8 },
      set('n5', 'abc', 9),
      { opcode: 0x05, key: 'n5', extras: arithExtras(1n, 0n, 0), opaque: 10 },
    ];
    const [a, b] = await both(reqs);
    expect(b).toEqual(a);
    // Read after the NoOp: the create-on-miss of a quiet incr takes two backend requests, which a
    // request pipelined right behind it could overtake (docs/binary-protocol.md).
    const [a2, b2] = await both([{ opcode: 0x00, key: 'n3', opaque: 11 }]);
    expect(b2).toEqual(a2);
  });

  test('touch and gat family', async () => {
    const reqs: BinRequest[] = [
      set('t1', 'tv', 1),
      { opcode: 0x1c, key: 't1', extras: u32(100), opaque: 2 },
      { opcode: 0x1c, key: 't2', extras: u32(100), opaque: 3 },
      { opcode: 0x1d, key: 't1', extras: u32(100), opaque: 4 },
      { opcode: 0x23, key: 't1', extras: u32(100), opaque: 5 },
      { opcode: 0x1e, key: 't2', extras: u32(100), opaque: 6 },
      { opcode: 0x24, key: 't1', extras: u32(100), opaque: 7 },
      { opcode: 0x23, key: 't2', extras: u32(100), opaque: 8 },
    ];
    const [a, b] = await both(reqs);
    // Touch is asked as gats: its reply carries the flags and the cas, as memcached's.
    expect(b).toEqual(a);
  });

  test('unknown opcodes, verbosity and SASL: answered as memcached without SASL, connection kept', async () => {
    const reqs: BinRequest[] = [
      { opcode: 0x50, opaque: 1 },
      { opcode: 0x1b, opaque: 2 },
      { opcode: 0x20, opaque: 3 },
      { opcode: 0x21, key: 'PLAIN', opaque: 4 },
      { opcode: 0x00, key: 'still-here', opaque: 5 },
    ];
    const [a, b] = await both(reqs);
    expect(b).toEqual(a);
    // With a body, memcached skips header + key + body length and loses the stream; the proxy
    // skips exactly the packet and stays in sync.
    const c = await converse(proxy.port, [
      { opcode: 0x50, key: 'x', value: 'body', extras: u32(1), opaque: 6 },
      { opcode: 0x00, key: 'still-here', opaque: 7 },
    ]);
    expect(c.map((p) => [p.opcode, p.status, p.opaque])).toEqual([
      [0x50, 0x81, 6],
      [0x00, 0x01, 7],
      [0x0a, 0x00, 999],
    ]);
  });

  test('a value over the item size limit: Too large, body skipped, connection kept', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const [a, b] = await both([set('big', big, 1), { opcode: 0x00, key: 'big', opaque: 2 }]);
    expect(b).toEqual(a);
    expect(b[0]).toContain('status=0x3');
  });

  test('flush and flushq empty the cache; version and stat answer', async () => {
    const [a, b] = await both([
      set('f1', 'v', 1),
      { opcode: 0x08, opaque: 2 },
      { opcode: 0x00, key: 'f1', opaque: 3 },
      set('f1', 'v', 4),
      { opcode: 0x18, extras: u32(0), opaque: 5 },
      { opcode: 0x00, key: 'f1', opaque: 6 },
    ]);
    expect(b).toEqual(a);
    const v = await converse(proxy.port, [{ opcode: 0x0b, opaque: 7 }]);
    expect(v[0]?.status).toBe(0);
    expect(v[0]?.value.toString()).toMatch(/^[1-9]\d*\.\d+\.\d+ mcrouter$/);
    const stats = await converse(proxy.port, [{ opcode: 0x10, opaque: 8 }]);
    const last = stats[stats.length - 2];
    expect(stats.length).toBeGreaterThan(3);
    expect(last?.key).toBe('');
    expect(stats.slice(0, -2).every((p) => p.key.length > 0 && p.status === 0 && p.opaque === 8)).toBe(true);
    const bad = await converse(proxy.port, [{ opcode: 0x10, key: 'bogus', opaque: 9 }]);
    expect(bad[0]?.status).toBe(1);
  });

  test('pipelined and delivered a byte at a time: the same answers, in order', async () => {
    const reqs: BinRequest[] = [];
    for (let i = 0; i < 20; i++)
      reqs.push(set(`p${i}`, `v${i}`, i), { opcode: 0x0d, key: `p${i}`, opaque: 100 + i });
    const [a, b] = await both(reqs, 1);
    expect(b).toEqual(a);
  });

  test('malformed packets: error, then the connection closes', async () => {
    for (const bad of [
      { opcode: 0x00, key: 'k', extras: u32(1), opaque: 1 },
      { opcode: 0x00, key: 'k'.repeat(251), opaque: 2 },
      { opcode: 0x01, key: 'k', value: 'v', opaque: 3 },
    ]) {
      const replies: string[] = [];
      for (const port of [direct.port, proxy.port]) {
        const c = await RawClient.connect(port);
        c.send(Buffer.concat([packet(bad), packet(NOOP)]));
        expect(await c.waitClosed()).toBe(true);
        replies.push(parseResponses(Buffer.from(c.unread, 'latin1')).packets.map(describePacket).join('|'));
        c.close();
      }
      expect(replies[1]).toEqual(replies[0]);
    }
  });
});
