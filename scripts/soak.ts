/**
 * Soak: the real proxy (dist/proxy/cli.js, `npm run soak` builds it) in front of two real
 * memcached servers, under mixed load for `--duration-s` (default 600), with its RSS sampled
 * every `--sample-s` seconds. Not part of `npm test`.
 *
 * Load, all at once:
 * - `--clients` connections doing sets, gets and 10-key multi-gets of mixed sizes (100 B – 256 KB),
 *   each keeping a few requests in flight and checking every reply's shape;
 * - lazy clients that pipeline a burst of large gets, stop reading for a few seconds, then drain;
 * - a config rewrite every 5 s (the pool alternates server order and timeout, so destinations
 *   come and go);
 * - one memcached paused (SIGSTOP) for 3 s every 30 s, then resumed.
 *
 * Prints one line per sample and a summary: RSS after warm-up (the first 20 % of the run, at
 * least 30 s when the run allows), final RSS, max, and the least-squares slope of RSS after
 * warm-up in MB per minute, and a trend verdict: RSS "rises" when the fitted line climbs, over the
 * post-warm-up window, by more than 16 MB or 10 % of the RSS at warm-up end (whichever is larger:
 * below that the fit is within the noise of V8's heap sizing and the reply window's ebb and flow)
 * AND the median of the last quarter of the samples exceeds the highest RSS seen during warm-up
 * (a heap that settles back to a level it already had is not growing), else "flat". Exit 1 if any reply was malformed, the proxy died, RSS rises, or RSS ever reached
 * 256 MiB (the EKS sidecar limit leaves room for memcached).
 *
 *   npm run soak -- --duration-s 600
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Memcached } from '../test/helpers/memcached.js';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { rssBytes } from '../test/helpers/process.js';
import { PROXY_NODE_FLAGS } from '../proxy/node-flags.js';

const { values: args } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '600' },
    'sample-s': { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    'lazy-clients': { type: 'string', default: '4' },
  },
});
const DURATION_MS = Number(args['duration-s']) * 1000;
const SAMPLE_MS = Number(args['sample-s']) * 1000;
const CLIENTS = Number(args.clients);
const LAZY = Number(args['lazy-clients']);

const SIZES = [100, 1000, 10_000, 100_000, 256 * 1024];
const KEYS = 2000;
const values = SIZES.map((n, i) => Buffer.alloc(n, 97 + i));
const sizeOf = (k: number): number => SIZES[k % SIZES.length] ?? 100;

let stopping = false;
const tally = { replies: 0, bad: 0, errors: 0, samples: [] as string[] };

/** One connection with a FIFO of expected reply kinds, parsed incrementally. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: (() => void)[] = [];
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.drain();
    });
    socket.on('error', () => undefined);
  }
  static async open(port: number): Promise<Conn> {
    const s = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return new Conn(s);
  }
  /** Sends `req`; resolves when its whole reply (one line, or VALUE blocks up to END) arrived. */
  call(req: string | Buffer, multi: boolean): Promise<void> {
    this.socket.write(req);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.kinds.push(multi);
    });
  }
  private readonly kinds: boolean[] = [];
  private drain(): void {
    for (;;) {
      const multi = this.kinds[0];
      if (multi === undefined) return;
      const n = replyLength(this.buf, multi);
      if (n < 0) return;
      const line = this.buf.toString('latin1', 0, Math.min(n, 60));
      if (line.startsWith('SERVER_ERROR') || line.startsWith('CLIENT_ERROR')) tally.errors++;
      else if (!/^(STORED|END|VALUE )/.test(line)) {
        tally.bad++;
        if (tally.samples.length < 5) tally.samples.push(line);
      }
      tally.replies++;
      this.buf = this.buf.subarray(n);
      this.kinds.shift();
      this.waiting.shift()?.();
    }
  }
}

/** Length of the first complete reply in `buf`, or -1. */
function replyLength(buf: Buffer, multi: boolean): number {
  let off = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', off);
    if (eol < 0) return -1;
    const line = buf.toString('latin1', off, eol);
    if (!line.startsWith('VALUE ')) return !multi || line === 'END' || line.includes('ERROR') ? eol + 2 : -1;
    const bytes = Number(line.slice(line.lastIndexOf(' ') + 1));
    off = eol + 2 + bytes + 2;
    if (off > buf.length) return -1;
  }
}

async function busyClient(port: number, seed: number): Promise<void> {
  const c = await Conn.open(port);
  let k = seed;
  while (!stopping) {
    k = (k * 1103515245 + 12345) % KEYS;
    const op = k % 10;
    if (op < 3) {
      const v = values[k % SIZES.length] as Buffer;
      await c.call(
        Buffer.concat([Buffer.from(`set soak${k} 0 0 ${sizeOf(k)}\r\n`), v, Buffer.from('\r\n')]),
        false,
      );
    } else if (op < 8) await c.call(`get soak${k}\r\n`, true);
    else {
      const keys = Array.from({ length: 10 }, (_, i) => `soak${(k + i * 7) % KEYS}`).join(' ');
      await c.call(`get ${keys}\r\n`, true);
    }
  }
  c.socket.destroy();
}

async function lazyClient(port: number, seed: number): Promise<void> {
  while (!stopping) {
    const c = await Conn.open(port);
    c.socket.pause();
    const burst: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const k = ((seed + i) * 5) % KEYS;
      burst.push(c.call(`get soak${k - (k % SIZES.length) + 4}\r\n`, true));
    }
    await sleep(3000);
    c.socket.resume();
    await Promise.all(burst);
    c.socket.destroy();
    await sleep(1000);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function slope(points: { t: number; rss: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mr = points.reduce((s, p) => s + p.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.rss - mr);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const MB = 1024 * 1024;

async function main(): Promise<number> {
  const [a, b] = await Promise.all([Memcached.start(['-m', '256']), Memcached.start(['-m', '256'])]);
  const dir = mkdtempSync(join(tmpdir(), 'mcproxy-soak-'));
  const configPath = join(dir, 'soak.json');
  const writeConfig = (n: number): void => {
    const servers = n % 2 === 0 ? [a.address, b.address] : [b.address, a.address];
    writeFileSync(
      `${configPath}.tmp`,
      JSON.stringify({ pools: { A: { servers, server_timeout: 1000 + (n % 3) } }, route: 'PoolRoute|A' }),
    );
    renameSync(`${configPath}.tmp`, configPath);
  };
  writeConfig(0);
  const port = await freePort();
  const proxy = spawn(
    process.execPath,
    [
      ...PROXY_NODE_FLAGS,
      'dist/proxy/cli.js',
      '-p',
      String(port),
      '--listen-addresses',
      '127.0.0.1',
      '--config',
      `file:${configPath}`,
      '--async-dir',
      join(dir, 'spool'),
      '--config-dump-root',
      join(dir, 'dumps'),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const proxyState = { died: false };
  proxy.once('exit', (code, signal) => {
    if (!stopping) {
      proxyState.died = true;
      console.error(`proxy exited (${code ?? signal}) during the soak`);
    }
  });
  await waitForPort(port, 20_000);
  const pid = proxy.pid as number;

  const t0 = Date.now();
  const load = [
    ...Array.from({ length: CLIENTS }, (_, i) => busyClient(port, i * 97 + 1)),
    ...Array.from({ length: LAZY }, (_, i) => lazyClient(port, i * 31 + 7)),
  ];
  let reloads = 0;
  const reloadTimer = setInterval(() => {
    writeConfig(++reloads);
  }, 5000);
  const pauseTimer = setInterval(() => {
    a.signal('SIGSTOP');
    setTimeout(() => {
      a.signal('SIGCONT');
    }, 3000);
  }, 30_000);

  const samples: { t: number; rss: number }[] = [];
  while (Date.now() - t0 < DURATION_MS && !proxyState.died) {
    await sleep(SAMPLE_MS);
    const t = (Date.now() - t0) / 1000;
    const rss = await rssBytes(pid).catch(() => 0);
    samples.push({ t, rss });
    console.log(
      `t=${t.toFixed(0)}s rss=${(rss / MB).toFixed(1)} MB replies=${tally.replies} errors=${tally.errors} bad=${tally.bad} reloads=${reloads}`,
    );
  }
  stopping = true;
  clearInterval(reloadTimer);
  clearInterval(pauseTimer);
  a.signal('SIGCONT');
  await Promise.race([Promise.allSettled(load), sleep(10_000)]);
  proxy.kill('SIGTERM');
  await Promise.all([a.stop(), b.stop()]);

  const warmS = Math.min(Math.max(30, (DURATION_MS / 1000) * 0.2), (DURATION_MS / 1000) * 0.5);
  const after = samples.filter((s) => s.t >= warmS);
  const warm = after[0]?.rss ?? 0;
  const last = samples[samples.length - 1]?.rss ?? 0;
  const max = Math.max(...samples.map((s) => s.rss));
  const perMin = (slope(after) * 60) / MB;
  console.log(
    `soak: ${(DURATION_MS / 1000).toFixed(0)} s, ${tally.replies} replies (${tally.errors} SERVER_ERROR/CLIENT_ERROR, ${tally.bad} malformed), ${reloads} reloads; ` +
      `RSS after warm-up (${warmS.toFixed(0)} s) ${(warm / MB).toFixed(1)} MB, final ${(last / MB).toFixed(1)} MB, max ${(max / MB).toFixed(1)} MB, slope after warm-up ${perMin.toFixed(2)} MB/min`,
  );
  if (tally.samples.length > 0) console.log(`malformed replies, first few: ${JSON.stringify(tally.samples)}`);
  const windowMin = after.length > 1 ? ((after[after.length - 1]?.t ?? 0) - (after[0]?.t ?? 0)) / 60 : 0;
  const climbMb = perMin * windowMin;
  const warmMax = Math.max(0, ...samples.filter((s) => s.t < warmS).map((s) => s.rss));
  const tail = samples.slice(-Math.max(1, Math.floor(samples.length / 4))).map((s) => s.rss);
  tail.sort((x, y) => x - y);
  const tailMedian = tail[tail.length >> 1] ?? 0;
  const rises = climbMb > Math.max(16, (0.1 * warm) / MB) && tailMedian > warmMax;
  const overLimit = max >= 256 * MB;
  console.log(
    `trend: ${rises ? 'RISES' : 'flat'} (fitted climb ${climbMb.toFixed(1)} MB over ${windowMin.toFixed(1)} min after warm-up; ` +
      `threshold ${Math.max(16, (0.1 * warm) / MB).toFixed(1)} MB; last-quarter median ${(tailMedian / MB).toFixed(1)} MB vs warm-up max ${(warmMax / MB).toFixed(1)} MB); ` +
      `max RSS ${overLimit ? 'AT OR OVER' : 'under'} 256 MiB`,
  );
  return proxyState.died || tally.bad > 0 || rises || overLimit ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
