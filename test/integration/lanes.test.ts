/**
 * The interactive and bulk connections of a destination (`routingLane`, docs/memory.md
 * "Fairness"): a request/response client's request goes on the interactive connection and is
 * answered while the bulk connection's replies are still outstanding; a pipelining client moves
 * to the bulk connection only once its interactive requests are answered, so each server sees a
 * client's requests in order; `stats servers` keeps one line per destination, counting both.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import net from 'node:net';
import { Memcached } from '../helpers/memcached.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { INTERACTIVE_REQS } from '../../proxy/server/client-session.js';

/**
 * A memcached stand-in answering `get <key>` with `VALUE <key> 0 1\r\nx\r\nEND\r\n`, in order per
 * connection; the replies of connections listed in `held` wait until `release`.
 */
class ScriptedServer {
  readonly connections: net.Socket[] = [];
  /** Requests received per connection (index = accept order). */
  readonly received: number[] = [];
  private readonly held = new Set<number>();
  private readonly queued = new Map<number, string[]>();
  private waiters: (() => void)[] = [];
  private constructor(private readonly server: net.Server) {}

  static async start(): Promise<ScriptedServer> {
    const server = net.createServer();
    const s = new ScriptedServer(server);
    server.on('connection', (socket) => {
      s.accept(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  hold(index: number): void {
    this.held.add(index);
  }

  release(index: number): void {
    this.held.delete(index);
    const q = this.queued.get(index) ?? [];
    this.queued.delete(index);
    this.connections[index]?.write(q.join(''));
  }

  /** Resolves once `cond()` holds (checked after every request received). */
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((r) => this.waiters.push(r));
  }

  private accept(socket: net.Socket): void {
    const index = this.connections.length;
    this.connections.push(socket);
    this.received.push(0);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        const key = line.split(' ')[1] ?? '';
        const reply = line.startsWith('get ') ? `VALUE ${key} 0 1\r\nx\r\nEND\r\n` : 'ERROR\r\n';
        this.received[index] = (this.received[index] ?? 0) + 1;
        if (this.held.has(index)) {
          const q = this.queued.get(index) ?? [];
          q.push(reply);
          this.queued.set(index, q);
        } else socket.write(reply);
      }
      const w = this.waiters;
      this.waiters = [];
      for (const r of w) r();
    });
    socket.on('error', () => socket.destroy());
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

let mc: Memcached;
beforeAll(async () => {
  mc = await Memcached.start();
});
afterAll(async () => {
  await mc.stop();
});

const hit = (key: string): string => `VALUE ${key} 0 1\r\nx\r\nEND\r\n`;

test('a request/response get is answered while a pipeline waits on the bulk connection', async () => {
  const backend = await ScriptedServer.start();
  const proxy = await startProxy(
    { pools: { A: { servers: [backend.address] } }, route: 'PoolRoute|A' },
    {},
    'reads stats',
  );
  const pipeline = await RawClient.connect(proxy.port);
  const polite = await RawClient.connect(proxy.port);
  try {
    // The first connection the proxy opens is the interactive one, the second the bulk one.
    backend.hold(1);
    const n = INTERACTIVE_REQS + 40; // fewer than --max-client-routed-reqs (64) on the bulk one
    const keys = Array.from({ length: n }, (_, i) => `p${i}`);
    pipeline.send(keys.map((k) => `get ${k}\r\n`).join(''));
    // The pipeline's first INTERACTIVE_REQS go on the interactive connection; once they are
    // answered, the rest go on the bulk connection, whose replies the server holds.
    await backend.until(
      () => backend.connections.length === 2 && backend.received[1] === n - INTERACTIVE_REQS,
    );
    expect(backend.received[0]).toBe(INTERACTIVE_REQS);
    expect(await polite.call('get q\r\n', hit('q'))).toBe(hit('q'));
    expect(backend.received[0]).toBe(INTERACTIVE_REQS + 1);
    // One destination in the stats, both connections counted.
    polite.send('stats servers\r\n');
    const servers = await polite.readUntil('END\r\n');
    expect(servers.split('\r\n').filter((l) => l.startsWith('STAT '))).toHaveLength(1);
    expect(servers).toContain(`inflight_reqs:${n - INTERACTIVE_REQS} up:1`);
    backend.release(1);
    const all = keys.map(hit).join('');
    expect(await pipeline.read(all.length).then((b) => b.toString('latin1'))).toBe(all);
    // Drained, the client is request/response again: its next get takes the interactive connection.
    expect(await pipeline.call('get again\r\n', hit('again'))).toBe(hit('again'));
    expect(backend.received[0]).toBe(INTERACTIVE_REQS + 2);
    expect(backend.connections).toHaveLength(2);
  } finally {
    pipeline.close();
    polite.close();
    await proxy.close();
    await backend.close();
  }
});

test('sets and gets pipelined across the switch to the bulk connection stay in order', async () => {
  const proxy = await startProxy({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' });
  const c = await RawClient.connect(proxy.port);
  try {
    for (let round = 0; round < 5; round++) {
      let request = '';
      let expected = '';
      for (let i = 0; i < 200; i++) {
        const v = `${round}-${i}`;
        request += `set order${i % 7} 0 0 ${v.length}\r\n${v}\r\nget order${i % 7}\r\n`;
        if (i % 3 === 0) request += `delete order${i % 7} noreply\r\nget order${i % 7}\r\n`;
        expected += `STORED\r\nVALUE order${i % 7} 0 ${v.length}\r\n${v}\r\nEND\r\n`;
        if (i % 3 === 0) expected += 'END\r\n';
      }
      expect(await c.call(request, expected)).toBe(expected);
    }
  } finally {
    c.close();
    await proxy.close();
  }
});

test('a multi-get of more keys than INTERACTIVE_REQS from an idle client goes on the bulk connection at once', async () => {
  const backend = await ScriptedServer.start();
  const proxy = await startProxy({ pools: { A: { servers: [backend.address] } }, route: 'PoolRoute|A' });
  const c = await RawClient.connect(proxy.port);
  try {
    expect(await c.call('get warm\r\n', hit('warm'))).toBe(hit('warm')); // opens the interactive connection
    backend.hold(1);
    const keys = Array.from({ length: INTERACTIVE_REQS + 4 }, (_, i) => `m${i}`);
    c.send(`get ${keys.join(' ')}\r\n`);
    // The keys go to the bulk connection without waiting for replies on the interactive one (which
    // would take the first INTERACTIVE_REQS keys and a round trip first); how many are sent before
    // replies come back is the client's memory share's business (get reservations).
    await backend.until(
      () => backend.connections.length === 2 && (backend.received[1] ?? 0) >= INTERACTIVE_REQS,
    );
    expect(backend.received[0]).toBe(1);
    backend.release(1);
    const all = keys.map((k) => `VALUE ${k} 0 1\r\nx\r\n`).join('') + 'END\r\n';
    expect(await c.read(all.length).then((b) => b.toString('latin1'))).toBe(all);
  } finally {
    c.close();
    await proxy.close();
    await backend.close();
  }
});

test('after a timeout the client keeps its connection: its timed-out request may still be queued there', async () => {
  const backend = await ScriptedServer.start();
  const proxy = await startProxy(
    { pools: { A: { servers: [backend.address] } }, route: 'PoolRoute|A' },
    { serverTimeoutMs: 200 },
  );
  const c = await RawClient.connect(proxy.port);
  try {
    expect(await c.call('get warm\r\n', hit('warm'))).toBe(hit('warm'));
    backend.hold(0);
    c.send('get slow\r\n');
    expect(await c.readUntil('\r\n')).toMatch(/^SERVER_ERROR .*timeout/i);
    backend.release(0);
    // A pipeline after the timeout: without the rule its requests past INTERACTIVE_REQS would move
    // to the bulk connection, where they could overtake the timed-out get still queued here.
    const keys = Array.from({ length: INTERACTIVE_REQS + 4 }, (_, i) => `t${i}`);
    const all = keys.map(hit).join('');
    expect(await c.call(keys.map((k) => `get ${k}\r\n`).join(''), all)).toBe(all);
    expect(backend.connections).toHaveLength(1);
    expect(backend.received[0]).toBe(2 + keys.length);
  } finally {
    c.close();
    await proxy.close();
    await backend.close();
  }
});
