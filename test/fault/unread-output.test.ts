/**
 * A client that pipelines gets of 10 KB (with the smallest share), 64 KiB and 1 MB values and does
 * not read its replies for a while, then reads to the end (and again with memcached stopped past
 * the timeout while it reads), against the built proxy with mcrouter's default 1 s server timeout
 * and a real memcached: every request gets its reply, in order (a hit, or an error reply where the
 * server timed out or was TKO), and the stream never stalls (docs/memory.md).
 *
 * The bug this guards: a session waiting on unsent output (its share smaller than a get's
 * reservation, `--max-client-output-bytes` under the size of recent replies) resumed only on the
 * socket's `'drain'`, which Node emits only after a write that reached the high-water mark. A
 * reply smaller than that, written into a full kernel buffer, left bytes unsent with no `'drain'`
 * to come: the session waited for good, and the client, reading everything, got nothing more.
 *
 * When the proxy has sent all it may (the client's kernel buffers full, its share used) there is
 * no event to await: the test polls memcached's `cmd_get` until it has not moved for a second.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { spawnProxy, type Spawned } from '../helpers/process.js';

/** Distinct keys (`k0` …), each with a value of its own byte, requested in turn. */
const KEYS = 10;
/** How long the reply stream may go without a byte before the test calls it stalled, ms. */
const STALL_MS = 20_000;

let mc: Memcached;

beforeAll(async () => {
  mc = await Memcached.start(['-m', '256']);
});
afterAll(async () => {
  await mc.stop();
});

function value(key: number, size: number): Buffer {
  return Buffer.alloc(size, 0x61 + key);
}

/** The `i`th key of the `size`-byte values. */
function keyName(i: number, size: number): string {
  return `k${size}-${i % KEYS}`;
}

async function store(size: number): Promise<void> {
  const c = await RawClient.connect(mc.port);
  for (let k = 0; k < KEYS; k++) {
    const set = Buffer.concat([
      Buffer.from(`set ${keyName(k, size)} 0 0 ${size}\r\n`),
      value(k, size),
      Buffer.from('\r\n'),
    ]);
    expect(await c.ask(set)).toBe('STORED\r\n');
  }
  c.close();
}

/** memcached's `cmd_get`: the gets it was asked for so far. */
async function cmdGet(): Promise<number> {
  const c = await RawClient.connect(mc.port);
  c.send('stats\r\n');
  const stats = await c.readUntil('END\r\n');
  c.close();
  return Number(/STAT cmd_get (\d+)/.exec(stats)?.[1]);
}

/**
 * Resolves once memcached has been asked no get for a second (within 60 s): the proxy has routed
 * all the client's share allows. Nothing signals that, so memcached's counter is polled every
 * 100 ms; returning early only makes the client start reading sooner, which the test must survive too.
 */
async function backendQuiet(): Promise<void> {
  let last = -1;
  let since = performance.now();
  const deadline = since + 60_000;
  for (;;) {
    const n = await cmdGet();
    const now = performance.now();
    if (n !== last) {
      last = n;
      since = now;
    } else if (now - since >= 1000) return;
    if (now > deadline) throw new Error('memcached kept being asked for gets for 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error replies a timeout gives: `Reply timeout`, then, once the server is TKO, its fast failure. */
const TIMEOUT_ERRORS = [
  'SERVER_ERROR Reply timeout',
  'SERVER_ERROR Server unavailable. Reason: mc_res_timeout',
] as const;

/** The replies of `out` that are a timeout's error replies. */
function errors(out: Outcome): number {
  return TIMEOUT_ERRORS.reduce((n, text) => n + (out.errors[text] ?? 0), 0);
}

/** What came back: replies in order, and the error lines by text. */
interface Outcome {
  replies: number;
  hits: number;
  errors: Record<string, number>;
}

/**
 * Reads the replies to `n` pipelined gets of `keyName(i, size)` on `socket`, checking each as it arrives:
 * the hit for that key with its value of `size` bytes, or a `SERVER_ERROR` line (`onError` is
 * called at the first). Rejects at a wrong reply, when the connection closes, or when no byte came
 * for `STALL_MS`.
 */
function readReplies(
  socket: net.Socket,
  n: number,
  size: number,
  onError = (): void => undefined,
): Promise<Outcome> {
  const out: Outcome = { replies: 0, hits: 0, errors: {} };
  const values = Array.from({ length: KEYS }, (_, k) => value(k, size));
  let buf: Buffer = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    let idle = setTimeout(stalled, STALL_MS);
    function stalled(): void {
      finish(new Error(`stalled after ${out.replies} of ${n} replies: ${JSON.stringify(out)}`));
    }
    function finish(err: Error | null): void {
      clearTimeout(idle);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err === null) resolve(out);
      else reject(err);
    }
    function onClose(): void {
      finish(new Error(`closed after ${out.replies} of ${n} replies`));
    }
    function onData(chunk: Buffer): void {
      clearTimeout(idle);
      idle = setTimeout(stalled, STALL_MS);
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const lf = buf.indexOf(10);
        if (lf < 0) break;
        const line = buf.toString('latin1', 0, lf + 1);
        if (line.startsWith('SERVER_ERROR ')) {
          const text = line.slice(0, -2);
          if (Object.keys(out.errors).length === 0) onError();
          out.errors[text] = (out.errors[text] ?? 0) + 1;
          buf = buf.subarray(lf + 1);
        } else {
          const key = out.replies % KEYS;
          const header = `VALUE ${keyName(key, size)} 0 ${size}\r\n`;
          if (line !== header) {
            finish(
              new Error(
                `reply ${out.replies}: ${JSON.stringify(line.slice(0, 80))}, want ${JSON.stringify(header)}`,
              ),
            );
            return;
          }
          const end = lf + 1 + size + 7;
          if (buf.length < end) break;
          const v = values[key] as Buffer;
          if (
            buf.compare(v, 0, size, lf + 1, lf + 1 + size) !== 0 ||
            buf.toString('latin1', end - 7, end) !== '\r\nEND\r\n'
          ) {
            finish(new Error(`reply ${out.replies}: wrong value or terminator for ${keyName(key, size)}`));
            return;
          }
          out.hits++;
          buf = buf.subarray(end);
        }
        if (++out.replies === n) {
          finish(buf.length === 0 ? null : new Error(`${buf.length} bytes after the last reply`));
          return;
        }
      }
    }
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/**
 * `n` pipelined gets of `size`-byte values, not read until the proxy has sent all it may
 * (`backendQuiet`); then, with `pauseBackend`, memcached is stopped while the client reads, until
 * the first error reply arrived (the requests routed as the client's reading frees room time out,
 * then fail fast as TKO); then everything is read.
 */
async function unreadThenRead(
  proxy: { p: Spawned; port: number },
  n: number,
  size: number,
  pauseBackend: boolean,
): Promise<Outcome> {
  const socket = await connect(proxy.port);
  try {
    socket.pause();
    socket.write(Array.from({ length: n }, (_, i) => `get ${keyName(i, size)}\r\n`).join(''));
    await backendQuiet();
    if (pauseBackend) await mc.pause();
    let errorSeen = (): void => undefined;
    const firstError = new Promise<void>((resolve) => (errorSeen = resolve));
    const replies = readReplies(socket, n, size, () => {
      errorSeen();
    });
    socket.resume();
    if (pauseBackend) {
      await Promise.race([firstError, replies]);
      mc.signal('SIGCONT');
    }
    const out = await replies;
    expect(proxy.p.proc.exitCode).toBeNull();
    return out;
  } finally {
    if (pauseBackend) mc.signal('SIGCONT');
    socket.destroy();
  }
}

/**
 * The cases: the value size, the client's share (`--max-client-output-bytes`; undefined = the
 * default 16 MiB) and the number of gets (their replies far more than the kernel buffers between
 * the proxy and the client hold, and than the share).
 */
const cases: [string, number, number | undefined, number][] = [
  // The smallest share: a 10 KB get's reservation alone fills it (the stall fixed).
  ['10 KB values, a share smaller than one reply', 10_000, 1024, 3000],
  ['64 KiB values, the default share', 64 * 1024, undefined, 1000],
  ['1 MB values, the default share', 1_000_000, undefined, 200],
];

describe.each(cases)('pipelined gets not read past the 1 s server timeout: %s', (_, size, share, n) => {
  let proxy: { p: Spawned; port: number };
  beforeAll(async () => {
    await store(size);
    const args = ['--server-timeout', '1000'];
    if (share !== undefined) args.push('--max-client-output-bytes', String(share));
    proxy = await spawnProxy({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }, args);
  });
  afterAll(() => {
    proxy.p.proc.kill('SIGKILL');
  });

  test('then read to the end: every reply arrives, in order', async () => {
    const out = await unreadThenRead(proxy, n, size, false);
    expect(out.replies).toBe(n);
    // memcached starved of CPU on a loaded machine may time out (three in a row mark it TKO):
    // an error in a reply's place, never a reply lost or out of order.
    expect(out.hits + errors(out), JSON.stringify(out)).toBe(n);
  }, 120_000);

  test('then read with memcached stopped past the timeout: every reply (hit, timeout, TKO error) arrives, in order', async () => {
    const out = await unreadThenRead(proxy, n, size, true);
    expect(out.replies).toBe(n);
    // Timeouts, then TKO errors (only TKO errors when an earlier timeout left the server TKO).
    expect(errors(out), JSON.stringify(out)).toBeGreaterThan(0);
    expect(out.hits + errors(out), JSON.stringify(out)).toBe(n);
  }, 120_000);
});
