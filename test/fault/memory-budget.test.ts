/**
 * Hostile clients against the memory budget (docs/memory.md), the real proxy in front of a real
 * memcached holding a 1 MB value: a 205-byte multi-get naming it 100 times and a 4 KB one naming it
 * 2,000 times, 3,000 pipelined gets of it never read, and a process past its budget. Each time the
 * proxy stays up with its RSS under 256 MiB, a second client keeps being served, and every reply
 * arrives complete and in order.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import net from 'node:net';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { rssBytes, spawnProxy } from '../helpers/process.js';
import { expectStream } from '../helpers/byte-stream.js';

const MIB = 1024 * 1024;
const RSS_LIMIT = 256 * MIB;
const VALUE = Buffer.alloc(1_000_000, 'v');
const HIT = Buffer.concat([Buffer.from(`VALUE b 0 ${VALUE.length}\r\n`), VALUE, Buffer.from('\r\n')]);
const END = Buffer.from('END\r\n');

let mc: Memcached;
beforeAll(async () => {
  mc = await Memcached.start(['-m', '128']);
  const c = await RawClient.connect(mc.port);
  expect(
    await c.ask(Buffer.concat([Buffer.from(`set b 0 0 ${VALUE.length}\r\n`), VALUE, Buffer.from('\r\n')])),
  ).toBe('STORED\r\n');
  expect(await c.ask('set s 0 0 2\r\nok\r\n')).toBe('STORED\r\n');
  c.close();
});
afterAll(async () => {
  await mc.stop();
});

const config = (): unknown => ({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' });

/** Samples the RSS of `pid` every 20 ms until stopped; `stop()` resolves with the peak. */
function sampleRss(pid: number): { stop: () => Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        peak = Math.max(peak, await rssBytes(pid));
      } catch {
        return; // the process is gone (the test failed and killed it)
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

/** A well-behaved client: asks `get s` in a loop until stopped; resolves with the count served. */
function politeClient(port: number): { stop: () => Promise<number> } {
  let running = true;
  const loop = (async () => {
    const c = await RawClient.connect(port);
    let n = 0;
    while (running) {
      expect(await c.ask('get s\r\n')).toBe('VALUE s 0 2\r\nok\r\nEND\r\n');
      n++;
    }
    c.close();
    return n;
  })();
  return {
    stop: async () => {
      running = false;
      return loop;
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => socket.once('connect', r));
  return socket;
}

describe('multi-get naming a 1 MB key many times', () => {
  test.each([100, 2000])(
    'get b ×%i streams in key order; RSS stays flat',
    async (copies) => {
      const { p, port } = await spawnProxy(config(), ['--server-timeout', '60000'], true);
      try {
        const rss = sampleRss(p.proc.pid as number);
        const polite = politeClient(port);
        const socket = await connect(port);
        const request = `get${' b'.repeat(copies)}\r\n`;
        if (copies === 100) expect(request.length).toBe(205);
        const done = expectStream(socket, [
          { bytes: HIT, times: copies },
          { bytes: END, times: 1 },
        ]);
        socket.write(request);
        expect(await done).toBe(copies * HIT.length + END.length);
        socket.destroy();
        expect(await polite.stop()).toBeGreaterThan(0);
        const peak = await rss.stop();
        expect(peak).toBeLessThan(RSS_LIMIT);
        expect(p.proc.exitCode).toBeNull();
      } finally {
        p.proc.kill('SIGKILL');
      }
    },
    180_000,
  );
});

describe('3,000 pipelined gets of a 1 MB value, never read', () => {
  test('memory stays bounded, others are served, and every reply arrives once read', async () => {
    const { p, port } = await spawnProxy(config(), ['--server-timeout', '60000'], true);
    try {
      const pid = p.proc.pid as number;
      const rss = sampleRss(pid);
      const socket = await connect(port);
      socket.pause();
      socket.write('get b\r\n'.repeat(3000));
      // Let the proxy fill what it may: the kernel buffers and its share, then it stops. What is
      // measured is that memory stops growing, an absence with no event to await: a fixed time.
      await new Promise((r) => setTimeout(r, 1500));
      // The polite client runs for a fixed time too: it must be served at all while the other
      // client's replies are held (its count is asserted, not a rate).
      const polite = politeClient(port);
      await new Promise((r) => setTimeout(r, 500));
      expect(await polite.stop()).toBeGreaterThan(0);
      const held = await rssBytes(pid);
      expect(held).toBeLessThan(RSS_LIMIT);
      const all = expectStream(socket, [{ bytes: Buffer.concat([HIT, END]), times: 3000 }]);
      socket.resume();
      expect(await all).toBe(3000 * (HIT.length + END.length));
      socket.destroy();
      const peak = await rss.stop();
      console.log(
        `held ${(held / MIB).toFixed(0)} MiB before reading, peak RSS ${(peak / MIB).toFixed(0)} MiB`,
      );
      expect(peak).toBeLessThan(RSS_LIMIT);
    } finally {
      p.proc.kill('SIGKILL');
    }
  }, 180_000);
});

describe('past the process budget', () => {
  test('new requests get memcached out-of-memory errors (ASCII and binary), served again once memory frees', async () => {
    const { p, port } = await spawnProxy(
      config(),
      ['--max-memory-bytes', String(8 * MIB), '--max-client-output-bytes', String(2 * MIB)],
      true,
    );
    const hogs: net.Socket[] = [];
    try {
      // Clients that never read: each holds about its 2 MiB share.
      for (let i = 0; i < 8; i++) {
        const s = await connect(port);
        s.pause();
        s.write('get b\r\n'.repeat(50));
        hogs.push(s);
      }
      const c = await RawClient.connect(port);
      await vi.waitFor(
        async () => {
          expect(await c.ask('get s\r\n')).toBe('SERVER_ERROR out of memory storing object\r\n');
        },
        { timeout: 20_000, interval: 100 },
      );
      // Binary: memcached's ENOMEM status (0x82) and text.
      const bin = await connect(port);
      const header = Buffer.alloc(24);
      header[0] = 0x80;
      header[1] = 0x00; // Get
      header.writeUInt16BE(1, 2);
      header.writeUInt32BE(1, 8);
      header.writeUInt32BE(0xabcd, 12);
      const text = Buffer.from('Out of memory');
      const reply = Buffer.alloc(24 + text.length);
      reply[0] = 0x81;
      reply.writeUInt16BE(0x82, 6);
      reply.writeUInt32BE(text.length, 8);
      reply.writeUInt32BE(0xabcd, 12);
      text.copy(reply, 24);
      const binReply = expectStream(bin, [{ bytes: reply, times: 1 }]);
      bin.write(Buffer.concat([header, Buffer.from('s')]));
      expect(await binReply).toBe(reply.length);
      bin.destroy();
      for (const s of hogs) s.destroy();
      await vi.waitFor(
        async () => {
          expect(await c.ask('get s\r\n')).toBe('VALUE s 0 2\r\nok\r\nEND\r\n');
        },
        { timeout: 20_000, interval: 100 },
      );
      c.close();
    } finally {
      for (const s of hogs) s.destroy();
      p.proc.kill('SIGKILL');
    }
  }, 60_000);
});
