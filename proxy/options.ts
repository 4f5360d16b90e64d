/**
 * Command-line options: mcrouter's names, short flags and defaults (spec §4,
 * `mcrouter/mcrouter_options_list.h`, `standalone_options_list.h`), plus a few of ours (marked
 * "mcsidecar"). One table drives parsing (commander), `--help`, and `__mcrouter__.options`.
 *
 * As in mcrouter, a toggle given without a value is switched on, unknown options are logged and
 * ignored, and mcrouter options we have no use for are accepted with a warning, so existing
 * command lines keep working.
 */
import { Command, InvalidArgumentError, CommanderError } from 'commander';
import { OptionError } from './errors.js';
import { VERSION_STRING } from './version.js';

/** Every option the proxy reads, with units in the names' docs. */
export interface ProxyOptions {
  /** `-p/--port`: TCP ports to listen on. */
  ports: number[];
  /** `--listen-addresses`: IPs to bind; empty = all interfaces. */
  listenAddresses: string[];
  /** `--unix-domain-sock`: also listen on this unix socket path. */
  unixDomainSock: string;
  /** `--config`: `file:<path>` or inline JSON. */
  config: string;
  /** `-f/--config-file` (deprecated in mcrouter): config file path. */
  configFile: string;
  /** `--config-str` (deprecated in mcrouter): inline JSON. */
  configStr: string;
  /** `-R/--route-prefix`: default routing prefix. */
  routePrefix: string;
  /** `-t/--server-timeout`: per-request server timeout, ms. */
  serverTimeoutMs: number;
  /** `--send-invalid-route-to-default`. */
  sendInvalidRouteToDefault: boolean;
  /** `--enable-flush-cmd`: allow `flush_all`. */
  enableFlushCmd: boolean;
  /** `--enable-shutdown-cmd` (mcsidecar): allow the `shutdown` command. */
  enableShutdownCmd: boolean;
  /** `--max-item-size` (mcsidecar): largest value accepted from clients, bytes. */
  maxItemSize: number;
  /** `--max-client-outstanding-reqs`: stop reading a client with this many requests in flight; 0 = off. */
  maxClientOutstandingReqs: number;
  /** `--validate-config[=exit|run]`: '' when not given. */
  validateConfig: '' | 'exit' | 'run';
  /** `--log-level` (mcsidecar): pino level. */
  logLevel: string;
  /** `-L/--log-path`: log file; stderr when empty. */
  logPath: string;
  /** `--num-proxies`: accepted; this proxy runs one event loop. */
  numProxies: number;
  /** `-a/--async-dir`: asynclog spool directory. */
  asyncDir: string;
  /** `--asynclog-disable`: return delete errors instead of spooling them. */
  asynclogDisable: boolean;
  /** `--use-asynclog-version2`: write version-2 asynclog lines. */
  useAsynclogVersion2: boolean;
  /** `--target-max-shadow-requests`: shadow requests in flight per shadow target. */
  targetMaxShadowRequests: number;
  /** `--hostid` (mcsidecar): host id for HostIdRoute/LatestRoute/KeySplitRoute; -1 = derived. */
  hostId: number;
  /** `--replay-asynclog` (mcsidecar): replay the spooled deletes under `--async-dir` and exit. */
  replayAsynclog: boolean;
  /** `--miss-on-get-errors` (mcsidecar): answer get errors with a miss, mcrouter's default. */
  missOnGetErrors: boolean;
  /** `--disable-miss-on-get-errors`: get errors reach the client (mcsidecar's default). */
  disableMissOnGetErrors: boolean;
  /** `--miss-on-arith-errors` (mcsidecar): answer incr/decr errors NOT_FOUND, mcrouter's default. */
  missOnArithErrors: boolean;
  /** `--disable-miss-on-arith-errors`: incr/decr errors reach the client (mcsidecar's default). */
  disableMissOnArithErrors: boolean;
  /** `--group-remote-errors`: every error reply becomes `SERVER_ERROR remote error`. */
  groupRemoteErrors: boolean;
  /** `--allow-only-gets`: anything but gets gets NullRoute's reply, unrouted. */
  allowOnlyGets: boolean;
}

type Kind = 'bool' | 'int' | 'string' | 'ports' | 'list' | 'validate';

interface OptionSpec {
  readonly key: keyof ProxyOptions;
  readonly flags: string;
  /** mcrouter's internal option name (what `__mcrouter__.options` prints). */
  readonly internal: string;
  readonly kind: Kind;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly origin: 'mcrouter' | 'mcsidecar';
}

/** Defaults, as mcrouter's where the option is mcrouter's. */
export const DEFAULT_OPTIONS: Readonly<ProxyOptions> = {
  ports: [],
  listenAddresses: [],
  unixDomainSock: '',
  config: '',
  configFile: '',
  configStr: '',
  routePrefix: '/././',
  serverTimeoutMs: 1000,
  sendInvalidRouteToDefault: false,
  enableFlushCmd: false,
  enableShutdownCmd: false,
  maxItemSize: 1024 * 1024,
  maxClientOutstandingReqs: 34133,
  validateConfig: '',
  logLevel: 'info',
  logPath: '',
  numProxies: 1,
  asyncDir: '/var/spool/mcrouter',
  asynclogDisable: false,
  useAsynclogVersion2: false,
  targetMaxShadowRequests: 1000,
  hostId: -1,
  replayAsynclog: false,
  missOnGetErrors: false,
  disableMissOnGetErrors: false,
  missOnArithErrors: false,
  disableMissOnArithErrors: false,
  groupRemoteErrors: false,
  allowOnlyGets: false,
};

/** The option table. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    key: 'ports',
    flags: '-p, --port <ports>',
    internal: 'ports',
    kind: 'ports',
    origin: 'mcrouter',
    help: 'comma-separated TCP ports to listen on',
  },
  {
    key: 'listenAddresses',
    flags: '--listen-addresses <ips>',
    internal: 'listen_addresses',
    kind: 'list',
    origin: 'mcrouter',
    help: 'comma-separated IPs to bind (default: all interfaces)',
  },
  {
    key: 'unixDomainSock',
    flags: '--unix-domain-sock <path>',
    internal: 'unix_domain_sock',
    kind: 'string',
    origin: 'mcrouter',
    help: 'also listen on this unix socket',
  },
  {
    key: 'config',
    flags: '--config <config>',
    internal: 'config',
    kind: 'string',
    origin: 'mcrouter',
    help: 'file:<path> or an inline JSON config',
  },
  {
    key: 'configFile',
    flags: '-f, --config-file <path>',
    internal: 'config_file',
    kind: 'string',
    origin: 'mcrouter',
    help: '(deprecated) config file path',
  },
  {
    key: 'configStr',
    flags: '--config-str <json>',
    internal: 'config_str',
    kind: 'string',
    origin: 'mcrouter',
    help: '(deprecated) inline JSON config',
  },
  {
    key: 'routePrefix',
    flags: '-R, --route-prefix <prefix>',
    internal: 'default_route',
    kind: 'string',
    origin: 'mcrouter',
    help: 'default routing prefix',
  },
  {
    key: 'serverTimeoutMs',
    flags: '-t, --server-timeout <ms>',
    internal: 'server_timeout_ms',
    kind: 'int',
    min: 1,
    max: 1_000_000,
    origin: 'mcrouter',
    help: 'per-request server timeout, ms',
  },
  {
    key: 'sendInvalidRouteToDefault',
    flags: '--send-invalid-route-to-default [bool]',
    internal: 'send_invalid_route_to_default',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'route keys with an unknown routing prefix to the default route',
  },
  {
    key: 'enableFlushCmd',
    flags: '--enable-flush-cmd [bool]',
    internal: 'enable_flush_cmd',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'allow flush_all (sent to every server of every pool)',
  },
  {
    key: 'enableShutdownCmd',
    flags: '--enable-shutdown-cmd [bool]',
    internal: 'enable_shutdown_cmd',
    kind: 'bool',
    origin: 'mcsidecar',
    help: 'allow the shutdown command (refused by default)',
  },
  {
    key: 'maxItemSize',
    flags: '--max-item-size <bytes>',
    internal: 'max_item_size',
    kind: 'int',
    min: 1,
    max: 1 << 30,
    origin: 'mcsidecar',
    help: 'largest value accepted from clients, bytes',
  },
  {
    key: 'maxClientOutstandingReqs',
    flags: '--max-client-outstanding-reqs <n>',
    internal: 'max_client_outstanding_reqs',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'stop reading a client with this many requests in flight (0 = off)',
  },
  {
    key: 'validateConfig',
    flags: '--validate-config [mode]',
    internal: 'validate_config',
    kind: 'validate',
    origin: 'mcrouter',
    help: 'check the config: "exit" (default) exits 0/3, "run" keeps running',
  },
  {
    key: 'logLevel',
    flags: '--log-level <level>',
    internal: 'log_level',
    kind: 'string',
    origin: 'mcsidecar',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'logPath',
    flags: '-L, --log-path <path>',
    internal: 'log_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'write the log to this file instead of stderr',
  },
  {
    key: 'numProxies',
    flags: '--num-proxies <n>',
    internal: 'num_proxies',
    kind: 'int',
    min: 1,
    max: 1024,
    origin: 'mcrouter',
    help: 'accepted for compatibility; one event loop serves all clients',
  },
  {
    key: 'asyncDir',
    flags: '-a, --async-dir <dir>',
    internal: 'async_spool',
    kind: 'string',
    origin: 'mcrouter',
    help: 'asynclog spool directory (failed deletes)',
  },
  {
    key: 'asynclogDisable',
    flags: '--asynclog-disable [bool]',
    internal: 'asynclog_disable',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'return delete errors to clients instead of spooling them',
  },
  {
    key: 'useAsynclogVersion2',
    flags: '--use-asynclog-version2 [bool]',
    internal: 'use_asynclog_version2',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'write asynclog lines in version 2 (JSON object) format',
  },
  {
    key: 'targetMaxShadowRequests',
    flags: '--target-max-shadow-requests <n>',
    internal: 'target_max_shadow_requests',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'shadow requests in flight per shadow target; more are dropped',
  },
  {
    key: 'hostId',
    flags: '--hostid <n>',
    internal: 'hostid',
    kind: 'int',
    min: 0,
    max: 4294967295,
    origin: 'mcsidecar',
    help: 'host id for HostIdRoute/LatestRoute/KeySplitRoute (default: CRC-32 of the first non-loopback IPv4 address)',
  },
  {
    key: 'replayAsynclog',
    flags: '--replay-asynclog [bool]',
    internal: 'replay_asynclog',
    kind: 'bool',
    origin: 'mcsidecar',
    help: 're-send the deletes spooled under --async-dir, keep those that still fail, and exit',
  },
  {
    key: 'missOnGetErrors',
    flags: '--miss-on-get-errors [bool]',
    internal: 'miss_on_get_errors',
    kind: 'bool',
    origin: 'mcsidecar',
    help: "answer get errors with a miss (mcrouter's default; off here)",
  },
  {
    key: 'disableMissOnGetErrors',
    flags: '--disable-miss-on-get-errors [bool]',
    internal: 'disable_miss_on_get_errors',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'return get errors to clients (the default here)',
  },
  {
    key: 'missOnArithErrors',
    flags: '--miss-on-arith-errors [bool]',
    internal: 'miss_on_arith_errors',
    kind: 'bool',
    origin: 'mcsidecar',
    help: "answer incr/decr errors with NOT_FOUND (mcrouter's default; off here)",
  },
  {
    key: 'disableMissOnArithErrors',
    flags: '--disable-miss-on-arith-errors [bool]',
    internal: 'disable_miss_on_arith_errors',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'return incr/decr errors to clients (the default here)',
  },
  {
    key: 'groupRemoteErrors',
    flags: '--group-remote-errors [bool]',
    internal: 'group_remote_errors',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'answer every error as "SERVER_ERROR remote error"',
  },
  {
    key: 'allowOnlyGets',
    flags: '--allow-only-gets [bool]',
    internal: 'allow_only_gets',
    kind: 'bool',
    origin: 'mcrouter',
    help: "route only gets; everything else gets NullRoute's reply",
  },
];

/**
 * mcrouter options accepted for compatibility that change nothing here: value-taking ones and
 * toggles. They are logged at start-up.
 */
const IGNORED_WITH_VALUE = [
  'stats-root',
  'debug-fifo-root',
  'stats-logging-interval',
  'rss-limit-mb',
  'fibers-stack-size',
  'fibers-max-pool-size',
  'keepalive-count',
  'keepalive-interval',
  'keepalive-idle',
  'reconfiguration-delay-ms',
  'reconfiguration-jitter-ms',
  'post-reconfiguration-delay-ms',
  'proxy-threads',
  'runtime-vars-file',
  'big-value-batch-size',
  'reset-inactive-connection-interval',
  'client-timeout',
];
const IGNORED_TOGGLES = ['use-thrift', 'group-remote-errors-deprecated', 'disable-fibers-stack-tracking'];

/** What `parseProxyOptions` returns. */
export interface ParsedOptions {
  readonly options: ProxyOptions;
  /** Options given that are unknown, or known to mcrouter and ignored here (for a log line). */
  readonly ignored: readonly string[];
  /** The raw arguments (mcrouter's `commandargs` stat). */
  readonly argv: readonly string[];
}

function parseBool(name: string): (v: string) => boolean {
  return (v) => {
    const s = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    throw new InvalidArgumentError(`${name}: expected true or false`);
  };
}

function parserFor(spec: OptionSpec): (v: string) => unknown {
  const name = spec.flags.split(' ').find((f) => f.startsWith('--')) ?? spec.key;
  switch (spec.kind) {
    case 'bool':
      return parseBool(name);
    case 'int':
      return (v) => {
        if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name}: expected an integer`);
        const n = Number(v);
        if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
          throw new InvalidArgumentError(`${name}: must be in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]`);
        }
        return n;
      };
    case 'ports':
      return (v) =>
        v
          .split(',')
          .filter((p) => p.trim() !== '')
          .map((p) => {
            const n = Number(p.trim());
            if (!Number.isInteger(n) || n < 0 || n > 65535)
              throw new InvalidArgumentError(`${name}: invalid port "${p}"`);
            return n;
          });
    case 'list':
      return (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
    case 'validate':
      return (v) => {
        if (v !== 'exit' && v !== 'run') throw new InvalidArgumentError(`${name}: expected "exit" or "run"`);
        return v;
      };
    case 'string':
      return (v) => v;
  }
}

/** Builds the commander program for `mcproxy` (also used for `--help`). */
export function buildCommand(): Command {
  const cmd = new Command('mcproxy')
    .usage('[options] -p port(s) --config file:<config-file>')
    .description('mcrouter-compatible memcached proxy')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .version(VERSION_STRING, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride();
  for (const spec of OPTION_SPECS) {
    const help = spec.origin === 'mcsidecar' ? `${spec.help} [mcsidecar]` : spec.help;
    cmd.option(spec.flags, help, parserFor(spec) as (v: string, prev: unknown) => unknown);
  }
  for (const name of IGNORED_WITH_VALUE) cmd.option(`--${name} <value>`, '(mcrouter option, no effect here)');
  for (const name of IGNORED_TOGGLES) cmd.option(`--${name} [bool]`, '(mcrouter option, no effect here)');
  return cmd;
}

/**
 * Parses `argv` (without node and script).
 * @throws OptionError for a malformed value (mcrouter exits 3)
 * @throws CommanderError for `--help` / `--version` (exitCode 0, output already printed)
 */
export function parseProxyOptions(
  argv: readonly string[],
  output?: { write: (s: string) => void },
): ParsedOptions {
  const cmd = buildCommand();
  if (output !== undefined) cmd.configureOutput({ writeOut: output.write, writeErr: output.write });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) throw err;
    if (err instanceof CommanderError) throw new OptionError(err.message.replace(/^error: /, ''));
    throw err;
  }
  const raw = cmd.opts<Record<string, unknown>>();
  const options: ProxyOptions = { ...DEFAULT_OPTIONS, ports: [], listenAddresses: [] };
  for (const spec of OPTION_SPECS) {
    const attr = cmd.options.find((o) => o.flags === spec.flags)?.attributeName() ?? spec.key;
    const v = raw[attr];
    if (v === undefined) continue;
    if (spec.kind === 'validate') options.validateConfig = v === true ? 'exit' : (v as 'exit' | 'run');
    else (options as unknown as Record<string, unknown>)[spec.key] = v;
  }
  const ignored: string[] = [];
  for (const name of [...IGNORED_WITH_VALUE, ...IGNORED_TOGGLES]) {
    const attr = cmd.options.find((o) => o.long === `--${name}`)?.attributeName();
    if (attr !== undefined && raw[attr] !== undefined) ignored.push(`--${name}`);
  }
  for (const a of cmd.args) if (a.startsWith('-')) ignored.push(a);
  return { options, ignored, argv };
}

/** `name value` lines for `__mcrouter__.options`, using mcrouter's internal option names. */
export function optionsAsPairs(options: ProxyOptions): [string, string][] {
  return OPTION_SPECS.map((spec) => {
    const v = options[spec.key];
    return [spec.internal, Array.isArray(v) ? v.join(',') : String(v)];
  });
}
