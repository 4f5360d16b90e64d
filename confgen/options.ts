/**
 * `mcconfgen` options (commander). Every flag can also come from an environment variable named
 * `MCCONFGEN_<FLAG_IN_UPPER_SNAKE>` (`--elasticache-cluster-id` → `MCCONFGEN_ELASTICACHE_CLUSTER_ID`),
 * so container definitions and hook scripts can configure it; a flag on the command line wins.
 * Toggles take an optional value (`--once`, `--once=false`, `MCCONFGEN_ONCE=true`).
 */
import { Command } from 'commander';
import { parseCommand } from '../proxy/util/cli-args.js';
import {
  addOptions,
  longFlag,
  markdownRows,
  valuesOf,
  type OptionSpec,
  type OptionValues,
  type RegisteredOptions,
} from '../proxy/util/option-table.js';
import { ConfgenOptionError } from './errors.js';
import { PACKAGE_VERSION } from '../proxy/version.js';

/** `--flag-name` → `MCCONFGEN_FLAG_NAME`. */
export function envName(flag: string): string {
  return `MCCONFGEN_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/**
 * The option table, the single source of every mcconfgen option: ConfgenOptions, the defaults,
 * parsing, `--help`, the `MCCONFGEN_*` variables and the table in docs/confgen.md
 * (`npm run docs:options`) are derived from it. Times in seconds unless named otherwise.
 */
export const CONFGEN_OPTION_SPECS = [
  {
    key: 'once',
    flags: '--once [bool]',
    kind: 'bool',
    default: false,
    help: 'run one cycle and exit (deploy hooks)',
  },
  {
    key: 'interval',
    flags: '--interval <seconds>',
    kind: 'number',
    default: 30,
    min: 1,
    max: 86400,
    help: 'service mode: seconds between cycles (±10 % jitter), until SIGTERM/SIGINT',
  },
  {
    key: 'dryRun',
    flags: '--dry-run [bool]',
    kind: 'bool',
    default: false,
    help: 'print the config and a unified diff against --output; write nothing',
  },
  {
    key: 'output',
    flags: '--output <path>',
    kind: 'string',
    default: undefined,
    help: 'the config file to write, atomically (required unless --dry-run)',
  },
  {
    key: 'template',
    flags: '--template <name>',
    kind: 'string',
    default: 'coherent',
    help: 'seed, coherent or file:<path>',
    see: '[Templates](#templates---template)',
  },
  {
    key: 'localTtl',
    flags: '--local-ttl <seconds>',
    kind: 'int',
    default: 60,
    min: 0,
    max: 2592000,
    help: 'coherent template: exptime of local copies filled from central, seconds',
  },
  {
    key: 'ebEnvironmentName',
    flags: '--eb-environment-name <name>',
    kind: 'string',
    default: undefined,
    help: 'peers: running instances tagged elasticbeanstalk:environment-name',
    see: '[Providers](#providers)',
  },
  {
    key: 'ebEnvironmentId',
    flags: '--eb-environment-id <id>',
    kind: 'string',
    default: undefined,
    help: 'peers: running instances tagged elasticbeanstalk:environment-id',
  },
  {
    key: 'ebUseEnvironmentResources',
    flags: '--eb-use-environment-resources [bool]',
    kind: 'bool',
    default: false,
    help: 'peers: instance IDs from DescribeEnvironmentResources (the seed path) instead of tags',
  },
  {
    key: 'elasticacheClusterId',
    flags: '--elasticache-cluster-id <id>',
    kind: 'list',
    default: [],
    help: 'central: nodes from DescribeCacheClusters (comma-separated IDs)',
  },
  {
    key: 'elasticacheConfigEndpoint',
    flags: '--elasticache-config-endpoint <host:port>',
    kind: 'string',
    default: undefined,
    help: 'central: nodes from Auto Discovery (config get cluster) on this endpoint',
  },
  {
    key: 'elasticacheTls',
    flags: '--elasticache-tls [bool]',
    kind: 'bool',
    default: false,
    help: 'the cluster has in-transit encryption: Auto Discovery over TLS, TLS central nodes (--elasticache-cluster-id reads it from the API)',
  },
  {
    key: 'pemCaPath',
    flags: '--pem-ca-path <path>',
    kind: 'string',
    default: undefined,
    shownDefault: "Node's roots",
    help: 'CA certificates (PEM) the TLS configuration endpoint is verified against',
  },
  {
    key: 'staticPeers',
    flags: '--static-peers <host:port,...>',
    kind: 'string',
    default: undefined,
    help: 'peers: a fixed list',
  },
  {
    key: 'staticCentral',
    flags: '--static-central <host:port,...>',
    kind: 'string',
    default: undefined,
    help: 'central: a fixed list',
  },
  {
    key: 'dnsPeers',
    flags: '--dns-peers <name[:port]>',
    kind: 'string',
    default: undefined,
    help: 'peers: A/AAAA records of a name (port: --peer-port)',
  },
  {
    key: 'dnsServer',
    flags: '--dns-server <ip[:port],...>',
    kind: 'list',
    default: [],
    shownDefault: "the system's",
    help: 'DNS servers for --dns-peers',
  },
  {
    key: 'peerPort',
    flags: '--peer-port <port>',
    kind: 'int',
    default: 11212,
    min: 1,
    max: 65535,
    help: 'port of every peer memcached',
  },
  {
    key: 'local',
    flags: '--local <auto|imds|host:port>',
    kind: 'string',
    default: undefined,
    shownDefault: '127.0.0.1:<peer-port>',
    help: 'the local pool server',
  },
  {
    key: 'region',
    flags: '--region <region>',
    kind: 'string',
    default: undefined,
    shownDefault: 'AWS_REGION, then IMDS',
    help: 'AWS region',
  },
  {
    key: 'imdsEndpoint',
    flags: '--imds-endpoint <url>',
    kind: 'string',
    default: undefined,
    shownDefault: 'http://169.254.169.254',
    help: 'instance metadata endpoint',
  },
  {
    key: 'maxPeerShrink',
    flags: '--max-peer-shrink <fraction>',
    kind: 'number',
    default: 0.5,
    min: 0,
    max: 1,
    help: 'largest shrink of the peer list written at once (0-1)',
    see: '[Safety](#safety)',
  },
  {
    key: 'shrinkConfirmations',
    flags: '--shrink-confirmations <n>',
    kind: 'int',
    default: 3,
    min: 1,
    max: 1000,
    help: 'cycles a larger shrink must be seen in a row before it is written',
  },
  {
    key: 'logLevel',
    flags: '--log-level <level>',
    kind: 'string',
    default: 'info',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'logFile',
    flags: '--log-file <path>',
    kind: 'string',
    default: undefined,
    shownDefault: 'stderr',
    help: 'append the log (JSON lines) to this file (its directory is created)',
  },
  {
    key: 'metricsPort',
    flags: '--metrics-port <port>',
    kind: 'int',
    default: 0,
    min: 0,
    max: 65535,
    help: 'service mode: serve Prometheus metrics on http://<metrics-address>:<port>/metrics (0 = off)',
  },
  {
    key: 'metricsAddress',
    flags: '--metrics-address <ip>',
    kind: 'string',
    default: '127.0.0.1',
    help: 'IP the metrics endpoint binds (127.0.0.1: this host only)',
  },
] as const satisfies readonly OptionSpec[];

/** Parsed options (one property per CONFGEN_OPTION_SPECS entry). */
export type ConfgenOptions = OptionValues<typeof CONFGEN_OPTION_SPECS>;

/** The commander program (also prints `--help`), with its registered options. */
export function buildCommand(): { cmd: Command; registered: RegisteredOptions } {
  const cmd = new Command('mcconfgen')
    .description('discovers peers and ElastiCache nodes and writes the mcproxy/mcrouter routing config')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
  const registered = addOptions(cmd, CONFGEN_OPTION_SPECS, { envName: (spec) => envName(longFlag(spec)) });
  return { cmd, registered };
}

/** The docs/confgen.md options table rows (`scripts/docs-options.ts`). */
export function confgenOptionRows(): string[][] {
  return markdownRows(CONFGEN_OPTION_SPECS);
}

/**
 * Parses `argv` (without node and script) and the `MCCONFGEN_*` environment. An empty string
 * counts as not given for the options without a default.
 * @throws ConfgenOptionError for bad or inconsistent options (exit 2)
 * @throws CommanderError with exitCode 0 for `--help` / `--version`
 */
export function parseConfgenOptions(
  argv: readonly string[],
  output?: { write: (s: string) => void },
): ConfgenOptions {
  const { cmd, registered } = buildCommand();
  parseCommand(cmd, argv, output, (message) => new ConfgenOptionError(message));
  const options = valuesOf<typeof CONFGEN_OPTION_SPECS>(cmd, registered);
  for (const spec of CONFGEN_OPTION_SPECS) {
    if (spec.default === undefined && options[spec.key] === '')
      (options as Record<string, unknown>)[spec.key] = undefined;
  }
  validate(options);
  return options;
}

function validate(o: ConfgenOptions): void {
  if (o.ebEnvironmentName !== undefined && o.ebEnvironmentId !== undefined) {
    throw new ConfgenOptionError('give --eb-environment-name or --eb-environment-id, not both');
  }
  if (o.ebUseEnvironmentResources && o.ebEnvironmentName === undefined && o.ebEnvironmentId === undefined) {
    throw new ConfgenOptionError(
      '--eb-use-environment-resources needs --eb-environment-name or --eb-environment-id',
    );
  }
  if (
    o.elasticacheClusterId.length === 0 &&
    o.elasticacheConfigEndpoint === undefined &&
    o.staticCentral === undefined
  ) {
    throw new ConfgenOptionError(
      'no central pool source: give --elasticache-cluster-id, --elasticache-config-endpoint or --static-central',
    );
  }
  if (o.output === undefined && !o.dryRun)
    throw new ConfgenOptionError('--output is required (or use --dry-run)');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(o.logLevel)) {
    throw new ConfgenOptionError(`--log-level: unknown level ${JSON.stringify(o.logLevel)}`);
  }
}
