/**
 * mcbench load generator: a closed-loop memcached client (ASCII or binary protocol), run as its own
 * process.
 *
 * Each connection keeps exactly `depth` requests outstanding: every chunk of replies is scanned
 * (bytes only, see lib/replies.ts and lib/binary-replies.ts), and as many new requests as were completed are sent back in a
 * single `socket.write` of a zero-copy slice of the precomputed request sequence (lib/workload.ts).
 * Latency is recorded per request, from the write of its batch to the parse of its reply.
 *
 * Prints a human summary (including its own CPU use) on stderr and one `RESULT {json}` line on
 * stdout (see lib/result.ts). Usage: `node dist/bench/loadgen.js --port 11211 [options]`, `--help`.
 */
import { connect, type Socket } from 'node:net';
import { createHistogram, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { coreBusyPercent, coreTimes, processTreeCpuTimes } from './lib/procstat.js';
import { BinaryReplyScanner } from './lib/binary-replies.js';
import { MetaReplyScanner } from './lib/meta-replies.js';
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, ReplyScanner } from './lib/replies.js';
import type { LatencySummary, LoadgenResult } from './lib/result.js';
import { PROTOCOLS, buildWorkload, type Protocol, type Workload } from './lib/workload.js';

/** Parsed load generator options (durations in ms, sizes in bytes). */
export interface LoadgenOptions {
  readonly host: string;
  readonly port: number;
  /** Wire protocol of the requests (and so of the replies). */
  readonly protocol: Protocol;
  readonly connections: number;
  /** Requests kept outstanding per connection. */
  readonly depth: number;
  /** Measurement window in ms. */
  readonly durationMs: number;
  /** Warm-up before the window, in ms (load is applied, nothing is recorded). */
  readonly warmupMs: number;
  readonly keys: number;
  /** Value size in bytes. */
  readonly valueBytes: number;
  readonly sets: number;
  readonly gets: number;
  readonly seed: number;
  /** Set every key once (through the target) before the warm-up. */
  readonly populate: boolean;
  /** Process trees whose CPU to report over the window: name → pid. */
  readonly watch: Readonly<Record<string, number>>;
}

const USAGE = `usage: node dist/bench/loadgen.js --port N [options]
  --host H            target host (127.0.0.1)
  --port N            target port (required)
  --protocol P        ascii, binary or meta (ascii): get/set lines, binary GetK/Set packets or mg/ms lines
  -c, --connections N connections (50)
  -d, --depth N       requests outstanding per connection (1)
  --duration S        measurement window in seconds (5)
  --warmup S          warm-up in seconds before the window (1)
  --keys N            keyspace size (10000)
  --value-size N      value size in bytes (100)
  --ratio S:G         set:get ratio (1:10)
  --seed N            key sequence seed (1)
  --populate          set every key once before the warm-up
  --watch NAME=PID    also report CPU of this process tree over the window (repeatable)`;

/** Parses loadgen argv; throws with a message on invalid input. */
export function parseLoadgenArgs(argv: string[]): LoadgenOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      protocol: { type: 'string', default: 'ascii' },
      connections: { type: 'string', short: 'c', default: '50' },
      depth: { type: 'string', short: 'd', default: '1' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      keys: { type: 'string', default: '10000' },
      'value-size': { type: 'string', default: '100' },
      ratio: { type: 'string', default: '1:10' },
      seed: { type: 'string', default: '1' },
      populate: { type: 'boolean', default: false },
      watch: { type: 'string', multiple: true, default: [] },
    },
  });
  if (values.help === true) return 'help';
  if (values.port === undefined) throw new Error('--port is required');
  const ratio = /^(\d+):(\d+)$/.exec(values.ratio);
  if (ratio === null) throw new Error(`bad --ratio ${values.ratio} (want S:G, e.g. 1:10)`);
  const protocol = PROTOCOLS.find((p) => p === values.protocol);
  if (protocol === undefined)
    throw new Error(`bad --protocol ${values.protocol} (want ascii, binary or meta)`);
  const watch: Record<string, number> = {};
  for (const w of values.watch) {
    const m = /^([\w.-]+)=(\d+)$/.exec(w);
    if (m?.[1] === undefined) throw new Error(`bad --watch ${w} (want NAME=PID)`);
    watch[m[1]] = Number(m[2]);
  }
  const opts: LoadgenOptions = {
    host: values.host,
    port: int('port', values.port, 1, 65535),
    protocol,
    connections: int('connections', values.connections, 1, 10_000),
    depth: int('depth', values.depth, 1, 4096),
    durationMs: seconds('duration', values.duration) * 1000,
    warmupMs: seconds('warmup', values.warmup) * 1000,
    keys: int('keys', values.keys, 1, 100_000_000),
    valueBytes: int('value-size', values['value-size'], 0, 1 << 20),
    sets: Number(ratio[1]),
    gets: Number(ratio[2]),
    seed: int('seed', values.seed, 0, 2 ** 32 - 1),
    populate: values.populate,
    watch,
  };
  if (opts.sets + opts.gets === 0) throw new Error('--ratio must not be 0:0');
  if (opts.durationMs <= 0) throw new Error('--duration must be > 0');
  return opts;
}

function int(name: string, s: string, min: number, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

function seconds(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number of seconds >= 0`);
  return n;
}

/** Counters shared by all connections (single-threaded, so plain fields). */
class Stats {
  measuring = false;
  ops = 0;
  gets = 0;
  sets = 0;
  hits = 0;
  misses = 0;
  errors = 0;
  errorsTotal = 0;
  readonly errorSamples: string[] = [];
  readonly histogram = createHistogram();

  /** Clears the window counters and the histogram (not `errorsTotal`). */
  resetWindow(): void {
    this.ops = this.gets = this.sets = this.hits = this.misses = this.errors = 0;
    this.histogram.reset();
  }

  /** Counts an error outside of a reply (connection problems, reply to the wrong request type). */
  error(text: string): void {
    this.errorsTotal++;
    if (this.measuring) this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(text);
  }
}

const READ_BUFFER_BYTES = 64 * 1024;

/** A reply scanner for the protocol (same `REPLY_*` kinds, same error rules). */
type Scanner = ReplyScanner | BinaryReplyScanner | MetaReplyScanner;

function newScanner(protocol: Protocol, valueBytes: number): Scanner {
  if (protocol === 'meta') return new MetaReplyScanner(valueBytes);
  return protocol === 'binary' ? new BinaryReplyScanner(valueBytes) : new ReplyScanner(valueBytes);
}

/** One pipelined connection of the closed loop. */
class Connection {
  private socket: Socket | undefined;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly scanner: Scanner;
  /** Send timestamps (performance.now(), ms) of outstanding requests, a ring of `depth`. */
  private readonly sentAt: Float64Array;
  private sendIdx: number;
  private recvIdx: number;
  private sendCount = 0;
  private recvCount = 0;
  private completedInChunk = 0;
  private chunkTime = 0;
  private running = false;

  constructor(
    private readonly opts: LoadgenOptions,
    private readonly workload: Workload,
    private readonly stats: Stats,
    startIdx: number,
  ) {
    this.scanner = newScanner(opts.protocol, workload.valueBytes);
    this.sentAt = new Float64Array(opts.depth);
    this.sendIdx = this.recvIdx = startIdx % workload.length;
  }

  /** Opens the TCP connection (Nagle off, fixed read buffer). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: this.opts.host,
        port: this.opts.port,
        noDelay: true,
        onread: {
          buffer: this.readBuffer,
          callback: (n) => {
            this.onRead(n);
            return true;
          },
        },
      });
      this.socket = socket;
      socket.once('connect', () => {
        resolve();
      });
      socket.on('error', (err) => {
        if (this.running) this.stats.error(`connection error: ${err.message}`);
        this.running = false;
        reject(err);
      });
      socket.on('close', () => {
        if (this.running) this.stats.error('connection closed by the target');
        this.running = false;
      });
    });
  }

  /** Fills the pipeline; from then on every completed request is replaced by a new one. */
  start(): void {
    this.running = true;
    this.send(this.opts.depth);
  }

  /** Stops sending and closes the socket. */
  stop(): void {
    this.running = false;
    this.socket?.destroy();
  }

  private send(n: number): void {
    const { offsets, buf, length } = this.workload;
    const from = this.sendIdx;
    const to = from + n; // contiguous: buf repeats the first maxBatch requests after the lap
    const now = performance.now();
    const depth = this.opts.depth;
    for (let i = 0; i < n; i++) this.sentAt[(this.sendCount + i) % depth] = now;
    this.sendCount += n;
    this.sendIdx = to >= length ? to - length : to;
    this.socket?.write(buf.subarray(offsets[from], offsets[to]));
  }

  private onRead(n: number): void {
    this.chunkTime = performance.now();
    this.completedInChunk = 0;
    this.scanner.feed(this.readBuffer, 0, n, this.onReply);
    if (this.running && this.completedInChunk > 0) this.send(this.completedInChunk);
  }

  private readonly onReply = (kind: number): void => {
    const stats = this.stats;
    if (this.recvCount === this.sendCount) {
      stats.error('reply with no request outstanding');
      return;
    }
    const isSet = this.workload.isSet[this.recvIdx] === 1;
    if (++this.recvIdx === this.workload.length) this.recvIdx = 0;
    const sentAt = this.sentAt[this.recvCount % this.opts.depth] ?? this.chunkTime;
    this.recvCount++;
    this.completedInChunk++;

    let ok: boolean;
    if (kind === REPLY_ERROR) {
      stats.errorsTotal++;
      ok = false;
    } else if (isSet !== (kind === REPLY_STORED)) {
      stats.error(`reply kind ${kind} to a ${isSet ? 'set' : 'get'}`);
      ok = false;
    } else {
      ok = true;
    }
    if (!stats.measuring) return;
    stats.ops++;
    stats.histogram.record(Math.max(1, Math.round((this.chunkTime - sentAt) * 1e6)));
    if (isSet) stats.sets++;
    else stats.gets++;
    if (!ok) {
      if (kind === REPLY_ERROR) stats.errors++;
    } else if (kind === REPLY_HIT) stats.hits++;
    else if (kind === REPLY_MISS) stats.misses++;
  };
}

/** Sets every key once over one connection; resolves with the number of error replies. */
async function populate(opts: LoadgenOptions, workload: Workload, stats: Stats): Promise<void> {
  const scanner = newScanner(opts.protocol, workload.valueBytes);
  await new Promise<void>((resolve, reject) => {
    let pending = opts.keys;
    let errors = 0;
    const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`pre-population timed out with ${pending} of ${opts.keys} replies missing`));
    }, 30_000);
    socket.on('connect', () => socket.write(workload.populate));
    socket.on('data', (chunk: Buffer) => {
      scanner.feed(chunk, 0, chunk.length, (kind) => {
        pending--;
        if (kind !== REPLY_STORED) errors++;
      });
      if (pending <= 0) {
        clearTimeout(timer);
        socket.destroy();
        if (errors > 0) {
          reject(new Error(`pre-population: ${errors} errors: ${scanner.errorSamples.join(' | ')}`));
        } else {
          resolve();
        }
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  for (const s of scanner.errorSamples) stats.errorSamples.push(`populate: ${s}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function latency(h: ReturnType<typeof createHistogram>): LatencySummary {
  if (h.count === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const us = (ns: number): number => Math.round(ns / 10) / 100;
  return {
    min: us(h.min),
    mean: us(h.mean),
    p50: us(h.percentile(50)),
    p90: us(h.percentile(90)),
    p99: us(h.percentile(99)),
    p999: us(h.percentile(99.9)),
    max: us(h.max),
  };
}

/** Runs one closed-loop measurement against the target and returns its result. */
export async function runLoad(opts: LoadgenOptions): Promise<LoadgenResult> {
  const workload = buildWorkload({
    protocol: opts.protocol,
    keys: opts.keys,
    valueBytes: opts.valueBytes,
    sets: opts.sets,
    gets: opts.gets,
    maxBatch: opts.depth,
    seed: opts.seed,
  });
  const stats = new Stats();
  if (opts.populate) await populate(opts, workload, stats);

  // Spread the connections over the sequence so they do not hit the same keys in lockstep.
  const stride = Math.floor(workload.length / opts.connections);
  const conns = Array.from(
    { length: opts.connections },
    (_, i) => new Connection(opts, workload, stats, i * stride),
  );
  await Promise.all(conns.map((c) => c.open()));
  for (const c of conns) c.start();
  await sleep(opts.warmupMs);

  const watchedPids = Object.entries(opts.watch);
  const watched0 = watchedPids.map(([, pid]) => processTreeCpuTimes(pid));
  const cores0 = coreTimes();
  stats.resetWindow();
  stats.measuring = true;
  const elu0: EventLoopUtilization = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  await sleep(opts.durationMs);

  const t1 = performance.now();
  stats.measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const cores1 = coreTimes();
  const watchedCpuUs: Record<string, number> = {};
  const watchedSysUs: Record<string, number> = {};
  watchedPids.forEach(([name, pid], i) => {
    const t = processTreeCpuTimes(pid);
    const sysUs = t.sysUs - (watched0[i]?.sysUs ?? 0);
    watchedCpuUs[name] = t.userUs - (watched0[i]?.userUs ?? 0) + sysUs;
    watchedSysUs[name] = sysUs;
  });
  for (const c of conns) c.stop();

  const windowMs = t1 - t0;
  for (const c of conns) {
    for (const s of c.scanner.errorSamples) {
      if (stats.errorSamples.length < 5) stats.errorSamples.push(s);
    }
  }
  return {
    host: opts.host,
    port: opts.port,
    protocol: opts.protocol,
    connections: opts.connections,
    depth: opts.depth,
    windowMs: Math.round(windowMs * 1000) / 1000,
    ops: stats.ops,
    opsPerSec: Math.round((stats.ops * 1000) / windowMs),
    gets: stats.gets,
    sets: stats.sets,
    hits: stats.hits,
    misses: stats.misses,
    errors: stats.errors,
    errorsTotal: stats.errorsTotal,
    errorSamples: stats.errorSamples,
    latencyUs: latency(stats.histogram),
    loadgen: {
      userUs: cpu.user,
      sysUs: cpu.system,
      cpuPercent: Math.round((1000 * (cpu.user + cpu.system)) / (windowMs * 1000)) / 10,
      elu: Math.round(elu.utilization * 1000) / 1000,
    },
    watchedCpuUs,
    watchedSysUs,
    coreBusyPercent: coreBusyPercent(cores0, cores1).map((p) => Math.round(p * 10) / 10),
  };
}

/** One-line human summary of a result, including the load generator's own CPU use. */
export function summarize(r: LoadgenResult): string {
  const l = r.latencyUs;
  return (
    `loadgen ${r.host}:${r.port} ${r.protocol} c=${r.connections} d=${r.depth}: ${r.opsPerSec} ops/s, ` +
    `p50 ${l.p50} µs, p99 ${l.p99} µs, errors ${r.errors}, misses ${r.misses}; ` +
    `loadgen CPU ${r.loadgen.cpuPercent}% of one core ` +
    `(user ${Math.round(r.loadgen.userUs / 1000)} ms, sys ${Math.round(r.loadgen.sysUs / 1000)} ms, ` +
    `ELU ${r.loadgen.elu})`
  );
}

async function main(): Promise<void> {
  let opts: LoadgenOptions | 'help';
  try {
    opts = parseLoadgenArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`loadgen: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const result = await runLoad(opts);
  process.stderr.write(`${summarize(result)}\n`);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

// Run only when executed as a program, not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
