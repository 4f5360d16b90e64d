/**
 * `mcproxy warm` and `mcproxy migrate`: the command lines over `runWarm` (docs/prewarm.md).
 *
 *   mcproxy warm --from <host:port,…|pool:<name>|peers> [--to host:port] [options]
 *   mcproxy migrate --from <servers|pool:<name>> --to <servers|pool:<name>> [--config file:…] [options]
 *
 * `warm` fills one memcached (default the sidecar's, 127.0.0.1:11212) from a source; `migrate`
 * copies between two pools, each key to the server the proxy's PoolRoute would pick (Ch3).
 *
 * Exit codes: 0 done (also when the deadline stopped it early: the summary says so), 1 the run
 * failed (the error's code is printed: `MCR_ERR_WARM_ENUM_REFUSED`, …), 3 bad options.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { configureLogger } from '../logger.js';
import { McProxyError, OptionError } from '../errors.js';
import { numberArg, parseCommand } from '../util/cli-args.js';
import { parseServerAddress } from '../config/server-address.js';
import { pickWarmestPeer } from './peer-choice.js';
import { poolSelector, readServerSet } from './server-set.js';
import { logSummary, reportProgress, summaryText, type ProgressMode } from './warm-progress.js';
import { runWarm, WarmState, type WarmPlan } from './warm-run.js';

/** Exit codes. */
export const EXIT_WARM_OK = 0;
export const EXIT_WARM_FAILED = 1;
export const EXIT_WARM_BAD_OPTIONS = 3;

/** The sidecar's memcached, the default `warm --to`. */
export const DEFAULT_WARM_TARGET = '127.0.0.1:11212';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A byte count: `1048576`, `512k`, `64m`, `2g` (binary units; a trailing `b`/`ib` is allowed). */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined)
    throw new InvalidArgumentError(`expected a size like 1048576, 512k, 64m or 2g`);
  return Math.floor(Number(m[1]) * unit);
}

interface RawOptions {
  from: string;
  to?: string;
  config?: string;
  maxBytes?: number;
  budgetFraction: number;
  connections: number;
  windowBytes: number;
  batchKeys: number;
  rate: number;
  deadlineMs: number;
  timeoutMs: number;
  hashFunc?: string;
  salt: string;
  progress: ProgressMode;
  progressIntervalMs: number;
  json: boolean;
  logLevel: string;
}

function buildCommand(kind: 'warm' | 'migrate'): Command {
  const cmd = new Command(`mcproxy ${kind}`)
    .exitOverride()
    .helpOption('-h, --help', 'show this help')
    .requiredOption(
      '--from <source>',
      kind === 'warm'
        ? 'source: host:port[,host:port…], pool:<name> (from --config), or peers (the warmest server of the config pool "peers")'
        : 'source pool: host:port[,host:port…] or pool:<name> (from --config)',
    );
  if (kind === 'warm') cmd.option('--to <host:port>', 'the memcached to fill', DEFAULT_WARM_TARGET);
  else cmd.requiredOption('--to <destination>', 'destination pool: host:port[,host:port…] or pool:<name>');
  cmd
    .option('--config <config>', 'mcrouter config for pool:<name> and peers: file:<path> or inline JSON')
    .option(
      '--max-bytes <size>',
      'byte budget of item sizes (e.g. 512m); default: --budget-fraction of the destination memory (-m)',
      parseBytes,
    )
    .option(
      '--budget-fraction <f>',
      'share of the destination memory limit used when --max-bytes is not given',
      numberArg('--budget-fraction', 0.01, 1, false),
      0.9,
    )
    .option('--connections <n>', 'pipelined connections per server', numberArg('--connections', 1, 64), 4)
    .option(
      '--window-bytes <size>',
      'item bytes in flight over all connections',
      parseBytes,
      64 * 1024 * 1024,
    )
    .option(
      '--batch-keys <n>',
      'keys per pipelined batch and connection',
      numberArg('--batch-keys', 1, 100_000),
      1000,
    )
    .option(
      '--rate <keys/s>',
      'copy at most this many keys per second (0 = unlimited)',
      numberArg('--rate', 0, 1e9),
      0,
    )
    .option(
      '--deadline-ms <ms>',
      'stop starting batches this long after the start (0 = none)',
      numberArg('--deadline-ms', 0, 1e9),
      0,
    )
    .option('--timeout-ms <ms>', 'connect and reply timeout', numberArg('--timeout-ms', 1, 1e7), 5000)
    .option('--progress <mode>', 'auto (a bar on a terminal, log lines otherwise), bar, log or none', 'auto')
    .option(
      '--progress-interval-ms <ms>',
      'log-line progress interval',
      numberArg('--progress-interval-ms', 100, 1e7),
      5000,
    )
    .option('--json', 'print the summary as one JSON line on stdout', false)
    .option('--log-level <level>', 'pino log level', 'info');
  if (kind === 'migrate')
    cmd
      .option(
        '--hash-func <name>',
        'destination hash: Ch3 (default), WeightedCh3 (default with pool weights), Crc32, ConstShard',
      )
      .option('--salt <salt>', 'the route salt of the destination pool', '');
  return cmd;
}

async function plan(kind: 'warm' | 'migrate', o: RawOptions, signal: AbortSignal): Promise<WarmPlan> {
  const config = { config: o.config ?? '', configFile: '', configStr: '' };
  const destination = readServerSet(o.to ?? DEFAULT_WARM_TARGET, config);
  let sources;
  if (kind === 'warm' && o.from === 'peers') {
    const peers = readServerSet('pool:peers', config).servers;
    const self = destination.servers[0] ?? parseServerAddress(DEFAULT_WARM_TARGET);
    const { peer, items } = await pickWarmestPeer(peers, self, o.timeoutMs);
    configuredLog().info(
      { event: 'warm_source', source: peer.hostPort, items },
      `warming from peer ${peer.hostPort}`,
    );
    sources = [peer];
  } else sources = readServerSet(o.from, config).servers;
  if (kind === 'warm' && destination.servers.length !== 1)
    throw new OptionError('warm: --to takes one memcached (use migrate for a pool)');
  return {
    sources,
    destinations: destination.servers,
    selectDestination:
      destination.servers.length === 1 ? () => 0 : poolSelector(destination, o.hashFunc, o.salt),
    maxBytes: o.maxBytes ?? null,
    budgetFraction: o.budgetFraction,
    connections: o.connections,
    windowBytes: o.windowBytes,
    batchKeys: o.batchKeys,
    rateKeysPerS: o.rate,
    deadlineMs: o.deadlineMs,
    timeoutMs: o.timeoutMs,
    signal,
  };
}

let logger: ReturnType<typeof configureLogger> | null = null;
function configuredLog(): ReturnType<typeof configureLogger> {
  logger ??= configureLogger({ level: 'info', name: 'mcproxy-warm' });
  return logger;
}

/**
 * Runs `mcproxy warm|migrate <argv>`; resolves with the exit code. SIGINT/SIGTERM stop it after
 * the batches in flight (the summary is still printed).
 */
export async function runWarmCommand(kind: 'warm' | 'migrate', argv: readonly string[]): Promise<number> {
  const cmd = buildCommand(kind);
  let o: RawOptions;
  try {
    parseCommand(cmd, argv, undefined, (message) => new OptionError(message));
    o = cmd.opts<RawOptions>();
    if (!['auto', 'bar', 'log', 'none'].includes(o.progress))
      throw new OptionError(`--progress: expected auto, bar, log or none`);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`mcproxy ${kind}: ${(err as Error).message}\n`);
    return EXIT_WARM_BAD_OPTIONS;
  }
  logger = configureLogger({ level: o.logLevel, name: `mcproxy-${kind}` });
  const log = logger;
  const abort = new AbortController();
  const onSignal = (): void => {
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const state = new WarmState();
  let stop: () => void = () => undefined;
  try {
    const p = await plan(kind, o, abort.signal);
    log.info(
      {
        event: 'warm_start',
        kind,
        sources: p.sources.map((s) => s.hostPort),
        destinations: p.destinations.map((s) => s.hostPort),
        maxBytes: p.maxBytes,
        connections: p.connections,
        rate: p.rateKeysPerS,
        deadlineMs: p.deadlineMs,
      },
      `${kind}: ${p.sources.map((s) => s.hostPort).join(',')} -> ${p.destinations.map((s) => s.hostPort).join(',')}`,
    );
    stop = reportProgress(state, o.progress, log, o.progressIntervalMs);
    await runWarm(p, state);
    stop();
    const summary = logSummary(log, state);
    process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : `${summaryText(summary)}\n`);
    return EXIT_WARM_OK;
  } catch (err) {
    stop();
    if (!(err instanceof McProxyError)) throw err;
    const code = err.code;
    log.error({ event: 'warm_failed', code, err: err.message }, `${kind} failed: ${err.message}`);
    process.stderr.write(`mcproxy ${kind}: ${code}: ${err.message}\n`);
    return code === 'MCR_ERR_OPTION' ? EXIT_WARM_BAD_OPTIONS : EXIT_WARM_FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
