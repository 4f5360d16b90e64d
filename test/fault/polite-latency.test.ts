/**
 * Issue 13's bar for every hostile or careless client: a well-behaved client keeps its `get` p50
 * within 2× its unloaded value (docs/memory.md "Fairness"). The built proxy in front of a real
 * memcached; per attack, a polite client (its own process, `polite-client.ts`, so the test's work
 * driving the attack does not delay its reads) measures the p50 of `SAMPLES` sequential gets of a
 * 100-byte value unloaded, then while the attack runs; `ROUNDS` rounds, and the medians are
 * compared. Every attack's replies are checked exact and in order, and every polite reply too.
 *
 * The attacks: a get naming a 1 MB key 100 times (streamed, again and again); 3,000 pipelined gets
 * of the 1 MB value, never read; 10,000-key gets, two in flight; 200 clients × 1,000 pipelined gets
 * at once, repeatedly; one client pipelining 200 × 1,000 gets, repeatedly; a 1 MB value set in
 * 1-byte writes; clients that pipeline gets and half-close.
 *
 * With the default options (the polite client on the interactive backend connection, the floods
 * on the bulk one) every attack is held to the bar. Fair mode (`--max-routed-reqs 16`) is held to
 * it during the floods of small pipelined requests too, but during the 200-client burst, where at
 * a load average of 12 from other jobs it measured 1.3–2.8 ms: there it is held to
 * `FAIR_BURST_MS`. For reference (docs/memory.md), memcached alone, asked by the same polite
 * client during the same 200-client burst, answers with a p50 of 3–10 ms on this machine: the
 * interactive connection keeps the polite client out of memcached's queue behind the burst.
 *
 * The measurement needs the machine to itself: the file is left out of the main `vitest run` and
 * runs alone afterwards (`npm run test:latency`, `MCPROXY_TEST_LATENCY=1`, vitest.config.ts), so
 * the suite's other files do not take the cores it measures. In the full suite the 200-client
 * burst measured medians up to 24 ms, all of it CPU taken by the other test files.
 *
 * The bar is max(2 × unloaded, unloaded + `FLOOR_MS`). The floor covers only this machine's
 * scheduling noise: unloaded p50s here are 0.03–0.6 ms, and with the proxy, memcached, the attacker
 * and the polite client sharing 2 cores (and other jobs), a process woken by its socket waits for a
 * core for up to a scheduler slice (~0.75 ms on Linux's CFS at 2 CPUs) whatever the proxy does.
 * The figures are printed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import net from 'node:net';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { Spawned, spawnBuiltProxy } from '../helpers/process.js';
import { expectStream } from '../helpers/byte-stream.js';
import { REPO_ROOT } from '../helpers/config.js';

/** Rounds per measurement: the median of 5 stands however two rounds catch a neighbour's CPU burst. */
const ROUNDS = 5;
const SAMPLES = 300;
const FLOOR_MS = 1;
const BIG = Buffer.alloc(1_000_000, 'v');
const BIG_HIT = Buffer.concat([Buffer.from(`VALUE b 0 ${BIG.length}\r\n`), BIG, Buffer.from('\r\n')]);
const END = Buffer.from('END\r\n');
const SMALL_HIT = Buffer.from('VALUE s 0 2\r\nok\r\nEND\r\n');
const KEYS = 1000;
/**
 * Fair mode's bound during the 200-client burst, ms (see the file comment): a guard against
 * queueing behind the burst again (149–226 ms with one connection per server), not a latency
 * target.
 */
const FAIR_BURST_MS = 100;
/**
 * Attempts per measurement: a latency figure on a shared machine can catch a neighbour's burst of
 * CPU (one round in 15 here measured a loaded p50 of 1.8 ms where the other rounds measured
 * 0.26–0.33 ms), so a test that misses its bound runs again, up to twice more.
 */
const RETRY = 2;

let mc: Memcached;

/** A proxy under test and its polite client. */
interface Target {
  readonly proxy: { p: Spawned; port: number };
  readonly polite: PoliteClient;
}
let defaults: Target;
let fair: Target;

/** The polite client process: `measure()` resolves with the p50 (ms) of `SAMPLES` gets. */
class PoliteClient {
  private readonly lines: AsyncIterator<string>;
  private constructor(readonly spawned: Spawned) {
    const stdout = spawned.proc.stdout;
    if (stdout === null) throw new Error('no stdout');
    this.lines = readline.createInterface({ input: stdout })[Symbol.asyncIterator]();
  }

  static async start(port: number): Promise<PoliteClient> {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/polite-client.ts', String(port), 'p', '100'],
      {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const c = new PoliteClient(new Spawned(proc));
    expect(await c.line()).toBe('ready');
    return c;
  }

  private async line(): Promise<string> {
    const next = await this.lines.next();
    if (next.done === true) throw new Error(`polite client exited: ${this.spawned.stderr}`);
    return next.value;
  }

  async measure(): Promise<number> {
    this.spawned.proc.stdin?.write(`${SAMPLES}\n`);
    const result = JSON.parse(await this.line()) as { p50?: number; error?: string };
    expect(result.error).toBeUndefined();
    return result.p50 as number;
  }

  stop(): void {
    this.spawned.proc.stdin?.end();
  }
}

beforeAll(async () => {
  mc = await Memcached.start(['-m', '256']);
  const c = await RawClient.connect(mc.port);
  expect(
    await c.ask(Buffer.concat([Buffer.from(`set b 0 0 ${BIG.length}\r\n`), BIG, Buffer.from('\r\n')])),
  ).toBe('STORED\r\n');
  let sets = `set p 0 0 100\r\n${'x'.repeat(100)}\r\nset s 0 0 2\r\nok\r\n`;
  for (let i = 0; i < KEYS; i++) sets += `set k${i} 0 0 10\r\n0123456789\r\n`;
  expect(await c.call(sets, 'STORED\r\n'.repeat(KEYS + 2))).toBe('STORED\r\n'.repeat(KEYS + 2));
  c.close();
  // Default options but the server timeout, as in memory-budget.test.ts: with the 1 s default,
  // 1 MB gets to a memcached starved of CPU on a loaded machine time out, and after such timeouts
  // the never-read client's reply stream can stall for good (a bug of its own, reproduced without
  // the fairness code; not what this test measures).
  defaults = await startTarget([]);
  fair = await startTarget(['--max-routed-reqs', '16']);
}, 60_000);

async function startTarget(args: string[]): Promise<Target> {
  const proxy = await spawnBuiltProxy({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }, [
    ...args,
    '--server-timeout',
    '60000',
  ]);
  const polite = await PoliteClient.start(proxy.port);
  await polite.measure(); // warm-up: connections, JIT
  return { proxy, polite };
}

afterAll(async () => {
  for (const t of [defaults, fair]) {
    t.polite.stop();
    await t.polite.spawned.exited;
    t.proxy.p.proc.kill('SIGKILL');
  }
  await mc.stop();
});

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

async function connect(port: number, allowHalfOpen = false): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen, noDelay: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** A running attack; `stop()` ends it and resolves once every reply it asked for arrived exact. */
interface Attack {
  stop(): Promise<void>;
}

/** Runs `round` over and over until stopped (each round checks its own replies). */
function repeat(round: () => Promise<void>): Attack {
  let running = true;
  const loop = (async () => {
    while (running) await round();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** `get b` naming the 1 MB key 100 times, again and again: 100 MB streamed per request. */
async function bigMultiGet(port: number): Promise<Attack> {
  const socket = await connect(port);
  const request = `get${' b'.repeat(100)}\r\n`;
  const attack = repeat(async () => {
    const done = expectStream(socket, [
      { bytes: BIG_HIT, times: 100 },
      { bytes: END, times: 1 },
    ]);
    socket.write(request);
    await done;
  });
  return { stop: () => attack.stop().finally(() => socket.destroy()) };
}

/** 3,000 pipelined gets of the 1 MB value, not read until stopped; then every reply is checked. */
async function neverRead(port: number): Promise<Attack> {
  const socket = await connect(port);
  socket.pause();
  socket.write('get b\r\n'.repeat(3000));
  return {
    stop: async () => {
      const all = expectStream(socket, [{ bytes: Buffer.concat([BIG_HIT, END]), times: 3000 }]);
      socket.resume();
      await all;
      socket.destroy();
    },
  };
}

/** 10,000-key gets of 10-byte values, two in flight. */
async function manyKeys(port: number): Promise<Attack> {
  const keys = Array.from({ length: 10_000 }, (_, i) => `k${i % KEYS}`);
  const request = `get ${keys.join(' ')}\r\n`;
  const reply = Buffer.from(keys.map((k) => `VALUE ${k} 0 10\r\n0123456789\r\n`).join('') + 'END\r\n');
  const socket = await connect(port);
  const attack = repeat(async () => {
    const both = expectStream(socket, [{ bytes: reply, times: 2 }]);
    socket.write(request + request);
    await both;
  });
  return { stop: () => attack.stop().finally(() => socket.destroy()) };
}

/** 200 clients each writing 1,000 pipelined gets at once, then reading them; repeated. */
async function burst(port: number): Promise<Attack> {
  const sockets = await Promise.all(Array.from({ length: 200 }, () => connect(port)));
  const batch = 'get s\r\n'.repeat(1000);
  const attack = repeat(async () => {
    const all = sockets.map((s) => expectStream(s, [{ bytes: SMALL_HIT, times: 1000 }]));
    for (const s of sockets) s.write(batch);
    await Promise.all(all);
  });
  return {
    stop: () =>
      attack.stop().finally(() => {
        for (const s of sockets) s.destroy();
      }),
  };
}

/** One client writing 200 × 1,000 pipelined gets at once, then reading them; repeated. */
async function onePipeline(port: number): Promise<Attack> {
  const socket = await connect(port);
  const batch = 'get s\r\n'.repeat(1000);
  const attack = repeat(async () => {
    const all = expectStream(socket, [{ bytes: SMALL_HIT, times: 200 * 1000 }]);
    for (let i = 0; i < 200; i++) socket.write(batch);
    await all;
  });
  return { stop: () => attack.stop().finally(() => socket.destroy()) };
}

/** A 1 MB value set in 1-byte writes (each its own segment: no Nagle), again and again. */
async function tinySegments(port: number): Promise<Attack> {
  const socket = await connect(port);
  const bytes = Buffer.concat([Buffer.from(`set t 0 0 ${BIG.length}\r\n`), BIG, Buffer.from('\r\n')]);
  const attack = repeat(async () => {
    const stored = expectStream(socket, [{ bytes: Buffer.from('STORED\r\n'), times: 1 }]);
    for (let i = 0; i < bytes.length; i++) {
      socket.write(bytes.subarray(i, i + 1));
      // Let the bytes out (and the polite client's replies in) every 4 KiB.
      if (i % 4096 === 4095) await new Promise((r) => setImmediate(r));
    }
    await stored;
  });
  return { stop: () => attack.stop().finally(() => socket.destroy()) };
}

/** Four clients at a time each pipelining 2,000 gets then half-closing; each reads every reply. */
function halfClose(port: number): Promise<Attack> {
  const want = Buffer.concat([SMALL_HIT, END]);
  const one = async (): Promise<void> => {
    const socket = await connect(port, true);
    const all = expectStream(socket, [{ bytes: want, times: 1000 }]);
    const closed = new Promise((r) => socket.once('close', r));
    socket.end('get s\r\nget nokey\r\n'.repeat(1000));
    await all;
    await closed;
  };
  const attack = repeat(async () => {
    await Promise.all([one(), one(), one(), one()]);
  });
  return Promise.resolve(attack);
}

/**
 * How fair mode is held during an attack: to the bar, to `FAIR_BURST_MS`, or not measured (fair
 * mode is for the floods of small pipelined requests).
 */
type FairBound = 'bar' | 'guard' | 'none';

/** An attack, and how fair mode is held during it. */
const attacks: [string, (port: number) => Promise<Attack>, FairBound][] = [
  ['a get naming a 1 MB key 100 times', bigMultiGet, 'none'],
  ['3,000 pipelined 1 MB gets never read', neverRead, 'none'],
  ['10,000-key gets', manyKeys, 'bar'],
  ['200 × 1,000 pipelined burst', burst, 'guard'],
  ['one client pipelining 200 × 1,000 gets', onePipeline, 'bar'],
  ['a 1 MB value in 1-byte segments', tinySegments, 'none'],
  ['pipelined gets then half-close', halfClose, 'bar'],
];

/** Measures `ROUNDS` rounds against `t`: the median p50s (ms) unloaded and loaded, and the figures. */
async function measure(
  t: Target,
  name: string,
  start: (port: number) => Promise<Attack>,
): Promise<{ base: number; loaded: number; figures: string }> {
  const unloaded: number[] = [];
  const loaded: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    unloaded.push(await t.polite.measure());
    const attack = await start(t.proxy.port);
    loaded.push(await t.polite.measure());
    await attack.stop();
  }
  const figures = `${name}: polite get p50 unloaded ${unloaded.map((x) => x.toFixed(2)).join('/')} ms, loaded ${loaded
    .map((x) => x.toFixed(2))
    .join('/')} ms`;
  console.log(figures);
  expect(t.proxy.p.proc.exitCode).toBeNull();
  return { base: median(unloaded), loaded: median(loaded), figures };
}

/** The bar: max(2 × unloaded, unloaded + `FLOOR_MS`), ms. */
function bar(base: number): number {
  return Math.max(2 * base, base + FLOOR_MS);
}

describe('default options: a polite client keeps its get p50 within 2× unloaded', () => {
  test.each(attacks)('%s', { timeout: 300_000, retry: RETRY }, async (name, start) => {
    const { base, loaded, figures } = await measure(defaults, name, start);
    expect(loaded, figures).toBeLessThanOrEqual(bar(base));
  });
});

describe('fair mode (--max-routed-reqs 16): within 2× unloaded during the floods too, but the 200-client burst', () => {
  test.each(attacks.filter(([, , bound]) => bound !== 'none'))(
    '%s',
    { timeout: 300_000, retry: RETRY },
    async (name, start, bound) => {
      const { base, loaded, figures } = await measure(fair, `fair mode, ${name}`, start);
      expect(loaded, figures).toBeLessThanOrEqual(bound === 'bar' ? bar(base) : FAIR_BURST_MS);
    },
  );
});
