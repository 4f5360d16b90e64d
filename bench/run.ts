/**
 * mcbench runner (`npm run bench`): drives the same closed-loop load straight at memcached
 * ("direct"), through mcproxy, through mcproxy with TLS to memcached ("mcproxy-tls": memcached's
 * second, TLS-only listener, a certificate made by openssl for the run), through mcproxy on the
 * seed's co-located route ("mcproxy-seed"), through mcproxy with `--num-proxies` workers
 * ("mcproxy-cluster", on machines with at least 4 cores), through twemproxy (nutcracker) and
 * through memcached's own proxy ("memcached-proxy", `--peer-memcached-proxy`: a memcached built
 * with `--enable-proxy`, run with routelib and a Lua config written for the run), for each value
 * size of `--sizes`, and prints/writes a comparison.
 *
 * It starts one memcached (`-t 1`) on a free loopback port, then per target the proxy (if any),
 * and per scenario one load generator process (dist/bench/loadgen.js). Everything it starts is
 * killed on exit, on errors and on Ctrl-C. `node dist/bench/run.js --help` lists the flags.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ProcessManager,
  freePort,
  haveTaskset,
  pinned,
  repin,
  tail,
  waitReady,
  type Managed,
} from './lib/procs.js';
import {
  TARGETS,
  computeRatios,
  parseScenario,
  renderRatios,
  renderResults,
  type Row,
  type Scenario,
  type TargetName,
} from './lib/report.js';
import type { LoadgenResult } from './lib/result.js';
import { DEFAULT_PROTOCOLS, PROTOCOLS, type Protocol } from './lib/workload.js';
import { PROXY_NODE_FLAGS } from '../proxy/node-flags.js';

/*
 * CPU pinning (this is written for a 2-core machine; it is also printed in the output header).
 *
 * - The proxy under test (mcproxy, nutcracker, memcached's proxy) runs on core 0, and so does its
 *   backend memcached (`-t 1`): the sidecar's situation, where the proxy shares the instance with
 *   memcached (the layout of issue 12's figures). For "direct", memcached alone is on core 0.
 * - The load generator always runs on core 1, alone, and prints its own CPU.
 * - `--memcached-with loadgen` moves memcached to core 1 next to the load generator while a proxy
 *   is measured instead (taskset -a -p), so the proxy has core 0 to itself.
 * - mcproxy-cluster (`--num-proxies N` workers) needs cores of its own: it runs only on machines
 *   with at least 4 cores, its primary and workers on core 0 and cores 2 … N+1 (skipped with a
 *   note otherwise).
 */
const PROXY_CORE = 0;
const LOADGEN_CORE = 1;

/** Load generator CPU (% of one core) above which its row is flagged as loadgen-bound. */
const LOADGEN_SATURATED_PERCENT = 90;
/** Core busy % above which a core is called saturated. */
const CORE_SATURATED_PERCENT = 95;
/** Busy % of a core not explained by our processes above which we warn about other load. */
const FOREIGN_LOAD_PERCENT = 15;

const DIST_BENCH = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(DIST_BENCH, '..', '..');
const LOADGEN_JS = join(DIST_BENCH, 'loadgen.js');
const MCPROXY_JS = join(REPO_ROOT, 'dist', 'proxy', 'cli.js');
const NULL_PROXY_JS = join(DIST_BENCH, 'null-proxy.js');
const MUX_FLOOR_JS = join(DIST_BENCH, 'mux-floor.js');
/**
 * The floors of a Node proxy and how each is started (the program, its extra flags): never part of
 * `--full` (bench/mux-floor.ts, bench/null-proxy.ts).
 */
const FLOORS: ReadonlyMap<TargetName, readonly string[]> = new Map([
  ['mux-floor', [MUX_FLOOR_JS]],
  ['null-proxy', [NULL_PROXY_JS]],
  ['null-proxy-onread', [NULL_PROXY_JS, '--client-read', 'onread']],
]);
/** Targets run only when named in `--targets` (or `--full` for mcproxy-tls). */
const ON_REQUEST: readonly TargetName[] = ['mcproxy-tls', ...FLOORS.keys()];
const DEFAULT_SCENARIOS = '50x1,50x16,1x1';
/** Value sizes of `--full` (issue 12): 100 B, 4 KiB, 64 KiB, 256 KiB. */
const FULL_SIZES = [100, 4096, 65536, 262144];
/** Keys × value size stays under this per value-size pass, bytes (memcached's `-m`: `memcachedMegabytes`). */
const KEYSPACE_BYTES = 32 << 20;
/** Cores mcproxy-cluster needs (core 0 for the primary, core 1 for the loadgen, a core per worker). */
const CLUSTER_MIN_CORES = 4;
/** Why a target is not run over the binary protocol (null: it is). */
const NO_BINARY: Partial<Record<TargetName, string>> = {
  twemproxy: 'twemproxy speaks only the ASCII memcached protocol',
  'memcached-proxy': "memcached's proxy speaks only the ASCII and meta protocols",
};
/** Why a target is not run over `protocol` (undefined: it is). */
function skipReason(protocol: Protocol, target: TargetName): string | undefined {
  if (protocol === 'ascii') return undefined;
  if (target === 'twemproxy' && protocol === 'meta') return 'twemproxy has no meta commands';
  return NO_BINARY[target];
}

/** Runner options (durations in s, sizes in bytes). */
export interface RunOptions {
  readonly targets: readonly TargetName[];
  readonly scenarios: readonly Scenario[];
  /** Protocols the load is sent in; every target × scenario runs once per protocol. */
  readonly protocols: readonly Protocol[];
  /** Measurement window per target × scenario, in s. */
  readonly durationS: number;
  /** Warm-up before each window, in s. */
  readonly warmupS: number;
  /** Rounds over all targets × scenarios; rows show the median run. */
  readonly repeat: number;
  /** Keyspace size (capped per value size so the keyspace fits memcached: `keysFor`). */
  readonly keys: number;
  /** Value size in bytes of the current pass (one of `sizes`). */
  readonly valueBytes: number;
  /** Value sizes in bytes: every target × scenario runs once per size. */
  readonly sizes: readonly number[];
  /** memcached built with `--enable-proxy` (the memcached-proxy target), or undefined. */
  readonly peerMemcachedProxy: string | undefined;
  /** Workers of the mcproxy-cluster target (`--num-proxies`). */
  readonly numProxies: number;
  /** set:get ratio, e.g. `1:10`. */
  readonly ratio: string;
  /** JSON output file. */
  readonly out: string;
  /** mcproxy command line override (with {port}, {config}, {memcached} placeholders). */
  readonly proxyCmd: string | undefined;
  readonly memcached: string;
  readonly nutcracker: string;
  /** Pin processes with taskset (see the pinning comment above). */
  readonly pin: boolean;
  /** Where memcached runs while a proxy is measured (see the pinning comment above). */
  readonly memcachedWith: 'loadgen' | 'proxy';
}

const USAGE = `usage: npm run bench -- [options]      (or: node dist/bench/run.js [options])
  --targets LIST     comma-separated subset of ${TARGETS.join(',')}
                     (direct,mcproxy,mcproxy-seed,mcproxy-cluster,twemproxy, and memcached-proxy
                     with --peer-memcached-proxy; the floors of a Node proxy only when named:
                     mux-floor (bench/mux-floor.ts: one backend connection for all clients, minimal
                     framing), null-proxy and null-proxy-onread (bench/null-proxy.ts: 1:1 forwarding))
  --full             the whole matrix: every target but the floors, --sizes ${FULL_SIZES.join(',')}, both protocols
  --scenarios LIST   comma-separated <connections>x<depth> (${DEFAULT_SCENARIOS})
  --protocols LIST   comma-separated subset of ascii,binary,meta (ascii,binary): the client-side
                     protocol; twemproxy is skipped for binary and meta (it speaks only ASCII)
  --duration S       measurement window per target x scenario, seconds (5; 1 with --quick)
  --warmup S         warm-up before each window, seconds (1; 0.5 with --quick)
  --repeat N         rounds over all targets x scenarios; each row shows the median run (1)
  --quick            short run: --duration 1 --warmup 0.5 unless given
  --keys N           keyspace size, pre-populated so gets hit (10000)
  --value-size N     value size in bytes (100)
  --sizes LIST       comma-separated value sizes in bytes, each a pass over every target x scenario
                     (--value-size); the keyspace is capped at ${KEYSPACE_BYTES >> 20} MiB / size keys
  --peer-memcached-proxy PATH
                     memcached built with --enable-proxy: adds the memcached-proxy target (routelib)
  --num-proxies N    workers of mcproxy-cluster (2); it runs only with >= ${CLUSTER_MIN_CORES} cores
  --ratio S:G        set:get ratio (1:10)
  --out FILE         JSON results (.bench-out/results.json in the repo)
  --proxy-cmd CMD    mcproxy command instead of 'node dist/proxy/cli.js -p {port} --config file:{config}';
                     placeholders {port} {config} {memcached}; if {port} is absent,
                     '-p {port} --config file:{config}' is appended
  --memcached PATH   memcached binary (memcached)
  --nutcracker PATH  twemproxy binary (nutcracker)
  --memcached-with W where memcached runs while a proxy is measured: 'proxy' (core 0, sharing the
                     proxy's core: the sidecar's layout, default) or 'loadgen' (core 1); for direct
                     it is always core 0
  --no-pin           do not pin processes to cores with taskset
  -h, --help         this help`;

/** Parses runner argv; throws with a message on invalid input. */
export function parseRunArgs(argv: string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      // mcproxy-tls only when asked: Debian's memcached 1.6.18 stalls the tail of large pipelined
      // TLS bursts (docs/tls.md), which the pre-population hits.
      targets: { type: 'string' },
      full: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      'peer-memcached-proxy': { type: 'string' },
      'num-proxies': { type: 'string', default: '2' },
      scenarios: { type: 'string', default: DEFAULT_SCENARIOS },
      protocols: { type: 'string', default: DEFAULT_PROTOCOLS.join(',') },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      keys: { type: 'string', default: '10000' },
      'value-size': { type: 'string', default: '100' },
      ratio: { type: 'string', default: '1:10' },
      out: { type: 'string', default: join(REPO_ROOT, '.bench-out', 'results.json') },
      'proxy-cmd': { type: 'string' },
      memcached: { type: 'string', default: 'memcached' },
      nutcracker: { type: 'string', default: 'nutcracker' },
      'no-pin': { type: 'boolean', default: false },
      'memcached-with': { type: 'string', default: 'proxy' },
    },
  });
  if (values.help === true) return 'help';
  const peer = values['peer-memcached-proxy'];
  const defaultTargets = TARGETS.filter(
    (t) =>
      (values.full && !FLOORS.has(t)) ||
      (!ON_REQUEST.includes(t) && (t !== 'memcached-proxy' || peer !== undefined)),
  );
  const targets = (values.targets ?? defaultTargets.join(',')).split(',').map((t) => t.trim());
  for (const t of targets) {
    if (!(TARGETS as readonly string[]).includes(t))
      throw new Error(`unknown target '${t}' (${TARGETS.join(', ')})`);
  }
  const protocols = (values.full ? PROTOCOLS.join(',') : values.protocols).split(',').map((p) => p.trim());
  for (const p of protocols) {
    if (!(PROTOCOLS as readonly string[]).includes(p))
      throw new Error(`unknown protocol '${p}' (${PROTOCOLS.join(', ')})`);
  }
  const num = (name: string, s: string | undefined, dflt: number, min: number): number => {
    const n = s === undefined ? dflt : Number(s);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
    return n;
  };
  const durationS = num('duration', values.duration, values.quick ? 1 : 5, 0.1);
  const warmupS = num('warmup', values.warmup, values.quick ? 0.5 : 1, 0);
  const keys = num('keys', values.keys, 10000, 1);
  const valueBytes = num('value-size', values['value-size'], 100, 0);
  const repeat = num('repeat', values.repeat, 1, 1);
  const numProxies = num('num-proxies', values['num-proxies'], 2, 2);
  if (!Number.isInteger(keys) || !Number.isInteger(valueBytes) || !Number.isInteger(repeat))
    throw new Error('--keys, --value-size and --repeat are integers');
  const sizes =
    values.sizes !== undefined
      ? values.sizes.split(',').map((v) => num('sizes', v.trim(), 0, 0))
      : values.full
        ? FULL_SIZES
        : [valueBytes];
  if (sizes.some((v) => !Number.isInteger(v) || v > 1 << 20))
    throw new Error('--sizes are integers up to 1048576 (memcached -I 1m)');
  const memcachedWith = values['memcached-with'];
  if (memcachedWith !== 'loadgen' && memcachedWith !== 'proxy') {
    throw new Error(`--memcached-with must be 'loadgen' or 'proxy', not '${memcachedWith}'`);
  }
  if (!/^\d+:\d+$/.test(values.ratio)) throw new Error(`bad --ratio ${values.ratio} (want S:G, e.g. 1:10)`);
  return {
    // Keep the canonical order (direct, mcproxy, mcproxy-tls, twemproxy) whatever order was given.
    targets: TARGETS.filter((t) => targets.includes(t)),
    scenarios: values.scenarios.split(',').map(parseScenario),
    protocols: PROTOCOLS.filter((p) => protocols.includes(p)),
    durationS,
    warmupS,
    repeat,
    keys,
    valueBytes: sizes[0] ?? valueBytes,
    sizes,
    peerMemcachedProxy: peer,
    numProxies,
    ratio: values.ratio,
    out: resolve(values.out),
    proxyCmd: values['proxy-cmd'],
    memcached: values.memcached,
    nutcracker: values.nutcracker,
    pin: !values['no-pin'],
    memcachedWith,
  };
}

/**
 * memcached's memory limit (`-m`, MiB) for `passes` value sizes: each pass stores up to
 * `KEYSPACE_BYTES` of values, and memcached's 1 MiB slab pages hold only whole items of one slab
 * class (three 256 KiB items per page, so up to twice the values' bytes), and pages assigned to one
 * size's class stay there. With memcached's default 64 MB the 256 KiB pass ran out of pages
 * (`SERVER_ERROR out of memory storing object`, then misses) after a 16 KiB pass.
 */
export function memcachedMegabytes(passes: number): number {
  return 64 + passes * 2 * (KEYSPACE_BYTES >> 20);
}

/** The keyspace for `valueBytes`-byte values: `keys`, capped so it holds at most `KEYSPACE_BYTES`. */
export function keysFor(keys: number, valueBytes: number): number {
  return Math.max(1, Math.min(keys, Math.floor(KEYSPACE_BYTES / Math.max(1, valueBytes))));
}

/** Splits a command line on whitespace, honouring single and double quotes (no escapes). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  for (const m of cmd.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

const say = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

/** Machine context for the header and the JSON. */
function machine(): Record<string, string | number> {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    kernel: release(),
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The core memcached runs on while `target` is measured. */
function memcachedCore(opts: RunOptions, target: TargetName): number {
  return target !== 'direct' && opts.memcachedWith === 'loadgen' ? LOADGEN_CORE : PROXY_CORE;
}

function pinningText(pin: boolean, opts: RunOptions): string {
  if (!pin) return 'none (--no-pin or taskset unavailable): expect more variance';
  const proxied =
    opts.memcachedWith === 'loadgen'
      ? `core ${LOADGEN_CORE} next to the loadgen when proxied`
      : `core ${PROXY_CORE} next to the proxy when proxied (--memcached-with proxy)`;
  return (
    `proxy under test (mcproxy | nutcracker) -> core ${PROXY_CORE}; loadgen -> core ${LOADGEN_CORE}; ` +
    `memcached -t 1 -> ${proxied}, core ${PROXY_CORE} (the proxy's place) for direct`
  );
}

/** What the loadgen is pointed at for one target, and the processes to account CPU for. */
interface TargetSetup {
  readonly port: number;
  readonly proxy: Managed | undefined;
}

/** Mutable run state shared by the steps. */
interface Ctx {
  readonly opts: RunOptions;
  readonly pm: ProcessManager;
  readonly tmp: string;
  readonly pin: boolean;
  readonly memcached: Managed;
  readonly memcachedPort: number;
  /** memcached's TLS listener and the CA file that signed its certificate, or a skip reason. */
  readonly memcachedTls: { readonly port: number; readonly ca: string } | string;
}

/** mcproxy argv, or a reason to skip it. */
function mcproxyArgv(ctx: Ctx, port: number, config: string): string[] | string {
  let cmd = ctx.opts.proxyCmd;
  if (cmd === undefined) {
    if (!existsSync(MCPROXY_JS)) return 'mcproxy not built (dist/proxy/cli.js missing)';
    return [
      process.execPath,
      ...PROXY_NODE_FLAGS,
      MCPROXY_JS,
      '-p',
      String(port),
      '--config',
      `file:${config}`,
    ];
  }
  if (!cmd.includes('{port}')) cmd += ' -p {port} --config file:{config}';
  return splitCommand(cmd).map((a) =>
    a
      .replaceAll('{port}', String(port))
      .replaceAll('{config}', config)
      .replaceAll('{memcached}', `127.0.0.1:${ctx.memcachedPort}`),
  );
}

/**
 * Writes `json` as the config of `target` and starts mcproxy on it with `extra` arguments, behind
 * `prefix` (a taskset command, or nothing).
 */
async function startMcproxy(
  ctx: Ctx,
  target: TargetName,
  port: number,
  json: unknown,
  extra: readonly string[],
  prefix: readonly string[],
): Promise<TargetSetup | string> {
  const config = join(ctx.tmp, `${target}.json`);
  writeFileSync(config, `${JSON.stringify(json, null, 2)}\n`);
  const base = mcproxyArgv(ctx, port, config);
  if (typeof base === 'string') return base;
  const proxy = ctx.pm.spawn(target, [...prefix, ...base, ...extra]);
  await waitReady(proxy, port, 'version');
  return { port, proxy };
}

/** Moves memcached to its core for `target` (see the pinning comment at the top). */
function placeMemcached(ctx: Ctx, target: TargetName): void {
  if (ctx.pin) repin(ctx.memcached.pid, memcachedCore(ctx.opts, target));
}

/** Starts what `target` needs; returns the port to load, or a skip reason. Throws on failure. */
async function setUp(ctx: Ctx, target: TargetName): Promise<TargetSetup | string> {
  const core = (c: number): number | undefined => (ctx.pin ? c : undefined);
  if (target === 'direct') return { port: ctx.memcachedPort, proxy: undefined };
  const port = await freePort();
  const memcached = `127.0.0.1:${ctx.memcachedPort}`;
  if (target === 'mcproxy' || target === 'mcproxy-tls' || target === 'mcproxy-cluster') {
    const tls = ctx.memcachedTls;
    if (target === 'mcproxy-tls' && typeof tls === 'string') return tls;
    const server =
      target === 'mcproxy-tls' && typeof tls !== 'string' ? `127.0.0.1:${tls.port}:ascii:ssl` : memcached;
    const json = { pools: { local: { servers: [server] } }, route: 'PoolRoute|local' };
    if (target === 'mcproxy-cluster') {
      const cores = cpus().length;
      if (cores < CLUSTER_MIN_CORES) {
        return `needs at least ${CLUSTER_MIN_CORES} cores (a core per worker beside the loadgen's); this machine has ${cores}`;
      }
      const workerCores = Array.from({ length: ctx.opts.numProxies }, (_, i) => (i + 2) % cores);
      const taskset = ['taskset', '-c', [PROXY_CORE, ...workerCores].join(',')];
      return startMcproxy(ctx, target, port, json, ['--num-proxies', String(ctx.opts.numProxies)], taskset);
    }
    const extra = typeof tls !== 'string' && target === 'mcproxy-tls' ? ['--pem-ca-path', tls.ca] : [];
    return startMcproxy(ctx, target, port, json, extra, pinned(core(PROXY_CORE), []));
  }
  if (target === 'mcproxy-seed') {
    // The seed's co-located route (examples/colocated.json) over the bench's one memcached: gets
    // hit `local` through WarmUpRoute; sets go to `peers` and `central` at once (AllFastestRoute),
    // central being the same memcached behind its own connection (another timeout, another
    // destination), so a set costs two backend writes as in production.
    const json = {
      pools: {
        local: { servers: [memcached] },
        peers: { servers: [memcached] },
        central: { servers: [memcached], server_timeout: 999 },
      },
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'PoolRoute|central',
        operation_policies: {
          set: { type: 'AllFastestRoute', children: ['PoolRoute|peers', 'PoolRoute|central'] },
          get: { type: 'WarmUpRoute', cold: 'PoolRoute|local', warm: 'PoolRoute|central' },
        },
      },
    };
    return startMcproxy(ctx, target, port, json, [], pinned(core(PROXY_CORE), []));
  }
  const floor = FLOORS.get(target);
  if (floor !== undefined) {
    // A floor of a Node proxy, with mcproxy's Node flags.
    const [program = '', ...flags] = floor;
    const argv = [
      process.execPath,
      ...PROXY_NODE_FLAGS,
      program,
      '-p',
      String(port),
      '--backend',
      memcached,
      ...flags,
    ];
    const proxy = ctx.pm.spawn(target, pinned(core(PROXY_CORE), argv));
    await waitReady(proxy, port, 'version');
    return { port, proxy };
  }
  if (target === 'memcached-proxy') {
    const bin = ctx.opts.peerMemcachedProxy;
    if (bin === undefined) return 'no --peer-memcached-proxy PATH given';
    // routelib's configuration (memcached's proxy, vendor/routelib): one pool, every key to it.
    const lua = join(ctx.tmp, 'memcached-proxy.lua');
    writeFileSync(
      lua,
      `pools{ main = { backends = { "${memcached}" } } }\nroutes{ default = route_direct{ child = "main" } }\n`,
    );
    const argv = [bin, '-l', '127.0.0.1', '-p', String(port), '-t', '1', '-U', '0'];
    argv.push('-o', `proxy_config=routelib,proxy_arg=${lua}`);
    if (process.getuid?.() === 0) argv.push('-u', userInfo().username);
    const proxy = ctx.pm.spawn('memcached-proxy', pinned(core(PROXY_CORE), argv));
    await waitReady(proxy, port, 'get');
    return { port, proxy };
  }
  const yaml = join(ctx.tmp, 'nutcracker.yml');
  writeFileSync(
    yaml,
    [
      'bench:',
      `  listen: 127.0.0.1:${port}`,
      '  hash: fnv1a_64',
      '  distribution: ketama',
      '  auto_eject_hosts: false',
      '  timeout: 1000',
      '  servers:',
      `    - 127.0.0.1:${ctx.memcachedPort}:1`,
      '',
    ].join('\n'),
  );
  const statsPort = await freePort();
  const argv = [
    ctx.opts.nutcracker,
    '-c',
    yaml,
    '-s',
    String(statsPort),
    '-a',
    '127.0.0.1',
    '-p',
    join(ctx.tmp, 'nutcracker.pid'),
    '-o',
    join(ctx.tmp, 'nutcracker.log'),
    '-v',
    '4',
  ];
  const proxy = ctx.pm.spawn('nutcracker', pinned(core(PROXY_CORE), argv));
  // nutcracker does not forward `version`: probe with a get round trip through it instead.
  await waitReady(proxy, port, 'get');
  return { port, proxy };
}

/** Runs one load generator process and returns its parsed result. */
async function runLoadgen(
  ctx: Ctx,
  s: Scenario,
  protocol: Protocol,
  setup: TargetSetup,
): Promise<LoadgenResult> {
  const { opts } = ctx;
  const argv = [
    process.execPath,
    LOADGEN_JS,
    '--port',
    String(setup.port),
    '--protocol',
    protocol,
    '--connections',
    String(s.connections),
    '--depth',
    String(s.depth),
    '--duration',
    String(opts.durationS),
    '--warmup',
    String(opts.warmupS),
    '--keys',
    String(opts.keys),
    '--value-size',
    String(opts.valueBytes),
    '--ratio',
    opts.ratio,
    '--populate',
    '--watch',
    `memcached=${ctx.memcached.pid}`,
  ];
  if (setup.proxy !== undefined) argv.push('--watch', `proxy=${setup.proxy.pid}`);
  const lg = ctx.pm.spawn('loadgen', pinned(ctx.pin ? LOADGEN_CORE : undefined, argv), true);
  let stdout = '';
  let stderr = '';
  lg.child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  lg.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    process.stdout.write(d.replace(/^(?=.)/gm, '      '));
  });
  const limitMs = (opts.warmupS + opts.durationS) * 1000 + 60_000;
  const timer = setTimeout(() => lg.child.kill('SIGKILL'), limitMs);
  const code = await lg.exited;
  clearTimeout(timer);
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || line === undefined) {
    throw new Error(`loadgen exited with ${String(code)}: ${stderr.trim().slice(-500) || '(no output)'}`);
  }
  return JSON.parse(line.slice('RESULT '.length)) as LoadgenResult;
}

/** Turns a loadgen result into a table row with per-op CPU figures and warnings. */
function makeRow(ctx: Ctx, target: TargetName, protocol: Protocol, s: Scenario, r: LoadgenResult): Row {
  const warnings: string[] = [];
  const perOp = (us: number | undefined): number | null =>
    us === undefined || r.ops === 0 ? null : Math.round((us / r.ops) * 1000) / 1000;
  const pct = (us: number | undefined): number => (100 * (us ?? 0)) / (r.windowMs * 1000);
  const lgPct = r.loadgen.cpuPercent;
  if (lgPct >= LOADGEN_SATURATED_PERCENT) {
    warnings.push(
      `LOADGEN SATURATED: the load generator used ${lgPct.toFixed(0)}% of its core (ELU ${r.loadgen.elu}); ` +
        'this row measures the load generator, not the target',
    );
  }
  const proxied = target !== 'direct';
  const mcPct = pct(r.watchedCpuUs.memcached);
  const [busy0 = 0, busy1 = 0] = r.coreBusyPercent;
  if (ctx.pin) {
    const mcOn1 = memcachedCore(ctx.opts, target) === LOADGEN_CORE;
    const side0 = (proxied ? pct(r.watchedCpuUs.proxy) : 0) + (mcOn1 ? 0 : mcPct);
    const side1 = lgPct + (mcOn1 ? mcPct : 0);
    // Core 1 full of our own processes (not of foreign load) while the loadgen itself is not.
    if (
      busy1 >= CORE_SATURATED_PERCENT &&
      busy1 - side1 <= FOREIGN_LOAD_PERCENT &&
      lgPct < LOADGEN_SATURATED_PERCENT
    ) {
      warnings.push(
        `core ${LOADGEN_CORE} saturated (${busy1.toFixed(0)}% busy: loadgen ${lgPct.toFixed(0)}%` +
          `${mcOn1 ? ` + memcached ${mcPct.toFixed(0)}%` : ''}): the load side may be limiting`,
      );
    }
    const foreign = [
      [
        PROXY_CORE,
        busy0 - side0,
        side0,
        [proxied ? target : '', mcOn1 ? '' : 'memcached'].filter(Boolean).join('+'),
      ],
      [LOADGEN_CORE, busy1 - side1, side1, mcOn1 ? 'loadgen+memcached' : 'loadgen'],
    ] as const;
    const parts = foreign
      .filter(([, extra]) => extra > FOREIGN_LOAD_PERCENT)
      .map(([core, extra, ours, who]) => `core ${core} +${extra.toFixed(0)}% (${who} ${ours.toFixed(0)}%)`);
    if (parts.length > 0) {
      warnings.push(`other load: ${parts.join(', ')} busy beyond our processes; figures may be skewed`);
    }
  }
  if (r.errors > 0 || r.errorsTotal > 0) {
    warnings.push(
      `${r.errors} errors in the window (${r.errorsTotal} in total): ${r.errorSamples.join(' | ')}`,
    );
  }
  if (r.misses > 0) warnings.push(`${r.misses} get misses (the keyspace is pre-populated: expected 0)`);
  return {
    target,
    protocol,
    scenario: s.name,
    status: 'ok',
    reason: null,
    result: r,
    opsPerSecRuns: [r.opsPerSec],
    runResults: [r],
    proxyCpuUsPerOp: proxied ? perOp(r.watchedCpuUs.proxy) : null,
    memcachedCpuUsPerOp: perOp(r.watchedCpuUs.memcached),
    warnings,
  };
}

function notOk(
  target: TargetName,
  protocol: Protocol,
  s: Scenario,
  status: 'skipped' | 'failed',
  reason: string,
): Row {
  return {
    target,
    protocol,
    scenario: s.name,
    status,
    reason,
    result: null,
    opsPerSecRuns: [],
    runResults: [],
    proxyCpuUsPerOp: null,
    memcachedCpuUsPerOp: null,
    warnings: [],
  };
}

/** A target that could not be started: why, and whether that is a skip or a failure. */
interface NotStarted {
  readonly status: 'skipped' | 'failed';
  readonly reason: string;
}

/** Starts every target up front (idle proxies cost nothing), so that runs can be interleaved. */
async function startTargets(ctx: Ctx): Promise<Map<TargetName, TargetSetup | NotStarted>> {
  const setups = new Map<TargetName, TargetSetup | NotStarted>();
  for (const target of ctx.opts.targets) {
    try {
      const setup = await setUp(ctx, target);
      if (typeof setup === 'string') {
        say(`  ${target}: ${setup} — skipped`);
        setups.set(target, { status: 'skipped', reason: setup });
      } else {
        say(`  ${target}: port ${setup.port}${setup.proxy ? `, pid ${setup.proxy.pid}` : ''}`);
        setups.set(target, setup);
      }
    } catch (err) {
      const reason = `failed to start: ${(err as Error).message}`;
      say(`  ${target}: ${reason}`);
      setups.set(target, { status: 'failed', reason });
    }
  }
  return setups;
}

/** Map key of the runs of one target × protocol × scenario. */
function runKey(target: TargetName, protocol: Protocol, s: Scenario): string {
  return `${target} ${protocol} ${s.name}`;
}

/** Picks the run with the median throughput (the lower middle one for an even count). */
function median(rows: readonly Row[]): Row | undefined {
  const sorted = [...rows].sort((a, b) => (a.result?.opsPerSec ?? 0) - (b.result?.opsPerSec ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Runs every scenario × target, `repeat` rounds, interleaving the targets within each scenario so
 * that their ratios are measured close together in time; returns one row per target × scenario
 * (the median run when repeated).
 */
async function runAll(ctx: Ctx, setups: ReadonlyMap<TargetName, TargetSetup | NotStarted>): Promise<Row[]> {
  const { opts } = ctx;
  const runs = new Map<string, Row[]>();
  const failures = new Map<string, string[]>();
  for (const p of opts.protocols) {
    if (p !== 'binary') continue;
    for (const t of opts.targets) {
      const why = NO_BINARY[t];
      if (why !== undefined) say(`  ${t} over binary: skipped (${why})`);
    }
  }
  for (let round = 1; round <= opts.repeat; round++) {
    for (const s of opts.scenarios) {
      for (const protocol of opts.protocols) {
        for (const target of opts.targets) {
          const setup = setups.get(target);
          if (setup === undefined || 'status' in setup) continue;
          if (skipReason(protocol, target) !== undefined) continue;
          const k = runKey(target, protocol, s);
          const label = `${opts.repeat > 1 ? `[${round}/${opts.repeat}] ` : ''}${s.name} ${target} ${protocol}`;
          say(`  ${label} (${s.connections} connection(s), pipeline depth ${s.depth})`);
          const fail = (reason: string): void => {
            say(`      failed: ${reason}`);
            failures.set(k, [...(failures.get(k) ?? []), reason]);
          };
          const dead = [ctx.memcached, setup.proxy].find((p) => p?.hasExited() === true);
          if (dead !== undefined) {
            fail(`${dead.name} died: ${tail(dead.logFile, 300) || '(no output)'}`);
            continue;
          }
          try {
            placeMemcached(ctx, target);
            const result = await runLoadgen(ctx, s, protocol, setup);
            const row = makeRow(ctx, target, protocol, s, result);
            for (const w of row.warnings) say(`      !! ${w}`);
            runs.set(k, [...(runs.get(k) ?? []), row]);
          } catch (err) {
            fail((err as Error).message);
          }
        }
      }
    }
  }

  const rows: Row[] = [];
  for (const s of opts.scenarios) {
    for (const protocol of opts.protocols) {
      for (const target of opts.targets) {
        rows.push(summaryRow(opts, target, protocol, s, setups.get(target), runs, failures));
      }
    }
  }
  return rows;
}

/** The row shown for one target × protocol × scenario: the median run, or why there is none. */
function summaryRow(
  opts: RunOptions,
  target: TargetName,
  protocol: Protocol,
  s: Scenario,
  setup: TargetSetup | NotStarted | undefined,
  runs: ReadonlyMap<string, Row[]>,
  failures: ReadonlyMap<string, string[]>,
): Row {
  const why = skipReason(protocol, target);
  if (why !== undefined) return notOk(target, protocol, s, 'skipped', why);
  if (setup !== undefined && 'status' in setup) return notOk(target, protocol, s, setup.status, setup.reason);
  const k = runKey(target, protocol, s);
  const ok = runs.get(k) ?? [];
  const failed = failures.get(k) ?? [];
  const mid = median(ok);
  if (mid === undefined) return notOk(target, protocol, s, 'failed', failed.at(-1) ?? 'no run');
  const warnings = [...mid.warnings];
  ok.forEach((r, i) => {
    const sat = r.warnings.find((w) => w.startsWith('LOADGEN'));
    if (r !== mid && sat !== undefined) warnings.push(`run ${i + 1}: ${sat}`);
  });
  if (failed.length > 0)
    warnings.push(`${failed.length} of ${opts.repeat} runs failed: ${failed.join(' | ')}`);
  return {
    ...mid,
    opsPerSecRuns: ok.map((r) => r.result?.opsPerSec ?? 0),
    runResults: ok.flatMap((r) => (r.result === null ? [] : [r.result])),
    warnings,
  };
}

/**
 * A self-signed P-256 certificate for 127.0.0.1 made by openssl in `dir` (it is its own CA), or
 * why not.
 */
function benchCertificate(dir: string): { cert: string; key: string } | string {
  const cert = join(dir, 'memcached-tls.pem');
  const key = join(dir, 'memcached-tls.key');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (r.error !== undefined) return `openssl not available (${r.error.message})`;
  if (r.status !== 0) return `openssl failed: ${r.stderr.toString().trim().slice(-200)}`;
  return { cert, key };
}

async function run(opts: RunOptions, pm: ProcessManager, tmp: string): Promise<void> {
  const m = machine();
  let pin = opts.pin;
  const pinNotes: string[] = [];
  if (pin && Number(m.cores) < 2) pinNotes.push('fewer than 2 cores: pinning disabled');
  if (pin && !haveTaskset()) pinNotes.push('taskset not available: pinning disabled');
  if (pinNotes.length > 0) pin = false;

  const perRun = opts.warmupS + opts.durationS;
  const binaryTargets = opts.targets.filter((t) => NO_BINARY[t] === undefined).length;
  const perScenario = opts.protocols.reduce(
    (n, p) => n + (p === 'binary' ? binaryTargets : opts.targets.length),
    0,
  );
  const runs = perScenario * opts.scenarios.length * opts.repeat * opts.sizes.length;
  say(`mcbench: memcached proxy benchmark (${opts.targets.join(', ')})`);
  say(`  date      ${String(m.date)}`);
  say(
    `  machine   node ${String(m.node)}, ${String(m.cpuModel)} x ${String(m.cores)} cores, linux ${String(m.kernel)}`,
  );
  say(`  load avg  ${String(m.loadavg1m)} (1 min) at start`);
  say(
    `  workload  ${opts.keys} keys (pre-populated; at most ${KEYSPACE_BYTES >> 20} MiB of values), ` +
      `${opts.sizes.join(', ')}-byte values, set:get ${opts.ratio}, ` +
      `protocol(s) ${opts.protocols.join(', ')}, ` +
      `${opts.durationS} s per measurement after ${opts.warmupS} s warm-up, ${opts.repeat} round(s) (~${Math.ceil(runs * (perRun + 0.5))} s total)`,
  );
  say(`  pinning   ${pinningText(pin, opts)}`);
  for (const n of pinNotes) say(`  !! ${n}`);
  say('  NOTE      other load on this machine skews results; the "core0/core1 busy" column and');
  say('            the warnings show CPU use that our processes do not account for.');
  say();

  if (!existsSync(LOADGEN_JS)) throw new Error(`${LOADGEN_JS} missing: run 'npm run build' first`);

  const memcachedPort = await freePort();
  let memcachedTls: Ctx['memcachedTls'] = 'not asked for (--targets)';
  let listen = ['-p', String(memcachedPort), '-l', '127.0.0.1'];
  if (opts.targets.includes('mcproxy-tls')) {
    const cert = benchCertificate(tmp);
    if (typeof cert === 'string') memcachedTls = cert;
    else {
      const tlsPort = await freePort();
      memcachedTls = { port: tlsPort, ca: cert.cert };
      // One memcached, two listeners: plain (notls:) for the other targets, TLS for mcproxy-tls.
      listen = ['-Z', '-o', `ssl_chain_cert=${cert.cert},ssl_key=${cert.key}`];
      listen.push('-l', `notls:127.0.0.1:${memcachedPort}`, '-l', `127.0.0.1:${tlsPort}`);
    }
  }
  const mcArgv = [opts.memcached, ...listen, '-t', '1', '-U', '0', '-c', '4096'];
  mcArgv.push('-m', String(memcachedMegabytes(opts.sizes.length)));
  if (process.getuid?.() === 0) mcArgv.push('-u', userInfo().username);
  const memcached = pm.spawn('memcached', pinned(pin ? LOADGEN_CORE : undefined, mcArgv));
  await waitReady(memcached, memcachedPort, 'version');
  const ctx: Ctx = { opts, pm, tmp, pin, memcached, memcachedPort, memcachedTls };

  say('Starting targets:');
  const setups = await startTargets(ctx);
  const passes: {
    valueBytes: number;
    keys: number;
    rows: Row[];
    ratios: ReturnType<typeof computeRatios>;
  }[] = [];
  for (const valueBytes of opts.sizes) {
    const keys = keysFor(opts.keys, valueBytes);
    say();
    say(`Value size ${valueBytes} bytes, ${keys} keys:`);
    const rows = await runAll({ ...ctx, opts: { ...opts, valueBytes, keys } }, setups);
    passes.push({ valueBytes, keys, rows, ratios: computeRatios(rows, opts.scenarios, opts.protocols) });
  }
  const rows = passes.flatMap((p) => p.rows);
  for (const p of passes) {
    say();
    say(
      `Results, ${p.valueBytes}-byte values (latency per request, closed loop; CPU per op = user+sys of the process tree / ops in the window):`,
    );
    say(renderResults(p.rows, opts.scenarios));
    say();
    say('Ratios (ops: >1 is faster; p50: <1 is faster; p50 only for single-connection scenarios):');
    say(renderRatios(p.ratios));
  }
  const warned = rows.filter((r) => r.warnings.length > 0);
  if (warned.length > 0) {
    say();
    say('Warnings:');
    for (const r of warned)
      for (const w of r.warnings) say(`  !! ${r.target} ${r.protocol} ${r.scenario}: ${w}`);
  }
  if (rows.some((r) => r.warnings.some((w) => w.startsWith('LOADGEN')))) {
    say();
    say('!!!!!! THE LOAD GENERATOR SATURATED ITS CORE IN SOME ROWS (marked "!" in the loadgen CPU column).');
    say('!!!!!! Those rows show the limit of the load generator, not of the target.');
  }

  mkdirSync(dirname(opts.out), { recursive: true });
  const json = { meta: { ...m, pinning: pinningText(pin, opts), pinned: pin }, options: opts, passes };
  writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
  say();
  say(`JSON results: ${opts.out}`);
}

async function main(): Promise<void> {
  let opts: RunOptions | 'help';
  try {
    opts = parseRunArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mcbench: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === 'help') {
    say(USAGE);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mcbench-'));
  const pm = new ProcessManager(tmp);
  const removeTmp = (): void => {
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', () => {
    pm.killAllSync();
    removeTmp();
  });
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nmcbench: ${sig}, stopping everything it started\n`);
      void pm.shutdown().finally(() => process.exit(code));
    });
  }
  try {
    await run(opts, pm, tmp);
  } catch (err) {
    process.stderr.write(`mcbench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await pm.stopAll();
  }
}

// Run only when executed as a program, not when imported.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  void main();
}
