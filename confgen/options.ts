/**
 * `mcconfgen` options (commander). Every flag can also come from an environment variable named
 * `MCCONFGEN_<FLAG_IN_UPPER_SNAKE>` (`--elasticache-cluster-id` → `MCCONFGEN_ELASTICACHE_CLUSTER_ID`),
 * so container definitions and hook scripts can configure it; a flag on the command line wins.
 * Toggles take an optional value (`--once`, `--once=false`, `MCCONFGEN_ONCE=true`).
 */
import { Command, Option } from 'commander';
import { boolArg, listArg, numberArg, parseCommand } from '../proxy/util/cli-args.js';
import { ConfgenOptionError } from './errors.js';
import { PACKAGE_VERSION } from '../proxy/version.js';

/** Parsed options. Times in seconds unless named otherwise. */
export interface ConfgenOptions {
  once: boolean;
  /** Seconds between cycles in service mode (±10 % jitter). */
  interval: number;
  dryRun: boolean;
  output: string | undefined;
  /** `seed`, `coherent` or `file:<path>`. */
  template: string;
  /** Exptime of local copies in the `coherent` template, seconds. */
  localTtl: number;
  ebEnvironmentName: string | undefined;
  ebEnvironmentId: string | undefined;
  ebUseEnvironmentResources: boolean;
  elasticacheClusterId: string[];
  elasticacheConfigEndpoint: string | undefined;
  /** Auto Discovery over TLS, and TLS central nodes (a cluster with in-transit encryption). */
  elasticacheTls: boolean;
  /** PEM CA certificates TLS endpoints are verified against; undefined = Node's bundled roots. */
  pemCaPath: string | undefined;
  staticPeers: string | undefined;
  staticCentral: string | undefined;
  dnsPeers: string | undefined;
  dnsServer: string[];
  peerPort: number;
  local: string | undefined;
  region: string | undefined;
  imdsEndpoint: string | undefined;
  /** Largest peer-count shrink written at once, 0–1. */
  maxPeerShrink: number;
  shrinkConfirmations: number;
  logLevel: string;
  /** `--log-file`: append the log here (stderr when unset). */
  logFile: string | undefined;
  /** `--metrics-port`: Prometheus endpoint in service mode; 0 = off. */
  metricsPort: number;
  /** `--metrics-address`: IP the endpoint binds. */
  metricsAddress: string;
}

/** `--flag-name` → `MCCONFGEN_FLAG_NAME`. */
export function envName(flag: string): string {
  return `MCCONFGEN_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

interface Spec {
  readonly flags: string;
  readonly help: string;
  readonly parse?: (v: string) => unknown;
  readonly default?: unknown;
}

const SPECS: readonly Spec[] = [
  {
    flags: '--once [bool]',
    help: 'run one cycle and exit (deploy hooks)',
    parse: boolArg('--once'),
    default: false,
  },
  {
    flags: '--interval <seconds>',
    help: 'service mode: seconds between cycles (±10 % jitter)',
    parse: numberArg('--interval', 1, 86400, false),
    default: 30,
  },
  {
    flags: '--dry-run [bool]',
    help: 'print the config and a diff against --output; write nothing',
    parse: boolArg('--dry-run'),
    default: false,
  },
  { flags: '--output <path>', help: 'the config file to write (atomically)' },
  { flags: '--template <name>', help: 'seed, coherent or file:<path>', default: 'coherent' },
  {
    flags: '--local-ttl <seconds>',
    help: 'coherent template: exptime of local copies filled from central',
    parse: numberArg('--local-ttl', 0, 2592000, true),
    default: 60,
  },
  {
    flags: '--eb-environment-name <name>',
    help: 'peers: running instances tagged elasticbeanstalk:environment-name',
  },
  {
    flags: '--eb-environment-id <id>',
    help: 'peers: running instances tagged elasticbeanstalk:environment-id',
  },
  {
    flags: '--eb-use-environment-resources [bool]',
    help: 'peers: instance IDs from DescribeEnvironmentResources (the seed path) instead of tags',
    parse: boolArg('--eb-use-environment-resources'),
    default: false,
  },
  {
    flags: '--elasticache-cluster-id <id>',
    help: 'central: nodes from DescribeCacheClusters (comma-separated IDs)',
    parse: listArg,
    default: [],
  },
  {
    flags: '--elasticache-config-endpoint <host:port>',
    help: 'central: nodes from Auto Discovery (config get cluster) on this endpoint',
  },
  {
    flags: '--elasticache-tls [bool]',
    help: 'the cluster has in-transit encryption: Auto Discovery over TLS, TLS central nodes (--elasticache-cluster-id reads it from the API)',
    parse: boolArg('--elasticache-tls'),
    default: false,
  },
  {
    flags: '--pem-ca-path <path>',
    help: "CA certificates (PEM) the TLS configuration endpoint is verified against (default: Node's bundled roots)",
  },
  { flags: '--static-peers <host:port,...>', help: 'peers: a fixed list' },
  { flags: '--static-central <host:port,...>', help: 'central: a fixed list' },
  { flags: '--dns-peers <name[:port]>', help: 'peers: A/AAAA records of a name (port: --peer-port)' },
  {
    flags: '--dns-server <ip[:port],...>',
    help: 'DNS servers for --dns-peers (default: the system)',
    parse: listArg,
    default: [],
  },
  {
    flags: '--peer-port <port>',
    help: 'port of every peer memcached',
    parse: numberArg('--peer-port', 1, 65535, true),
    default: 11212,
  },
  { flags: '--local <auto|imds|host:port>', help: 'the local pool server (default 127.0.0.1:<peer-port>)' },
  { flags: '--region <region>', help: 'AWS region (default: AWS_REGION, then IMDS)' },
  { flags: '--imds-endpoint <url>', help: 'instance metadata endpoint (default http://169.254.169.254)' },
  {
    flags: '--max-peer-shrink <fraction>',
    help: 'largest shrink of the peer list written at once (0-1)',
    parse: numberArg('--max-peer-shrink', 0, 1, false),
    default: 0.5,
  },
  {
    flags: '--shrink-confirmations <n>',
    help: 'cycles a larger shrink must be seen in a row before it is written',
    parse: numberArg('--shrink-confirmations', 1, 1000, true),
    default: 3,
  },
  { flags: '--log-level <level>', help: 'fatal, error, warn, info, debug, trace or silent', default: 'info' },
  { flags: '--log-file <path>', help: 'append the log (JSON lines) to this file instead of stderr' },
  {
    flags: '--metrics-port <port>',
    help: 'service mode: serve Prometheus metrics on http://<metrics-address>:<port>/metrics (0 = off)',
    parse: numberArg('--metrics-port', 0, 65535, true),
    default: 0,
  },
  {
    flags: '--metrics-address <ip>',
    help: 'IP the metrics endpoint binds (default 127.0.0.1: this host only)',
    default: '127.0.0.1',
  },
];

/** The commander program (also prints `--help`). */
export function buildCommand(): Command {
  const cmd = new Command('mcconfgen')
    .description('discovers peers and ElastiCache nodes and writes the mcproxy/mcrouter routing config')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
  for (const spec of SPECS) {
    const long = spec.flags.split(' ')[0] as string;
    const opt = new Option(spec.flags, spec.help).env(envName(long));
    if (spec.parse !== undefined) opt.argParser(spec.parse);
    if (spec.default !== undefined) opt.default(spec.default);
    cmd.addOption(opt);
  }
  return cmd;
}

/**
 * Parses `argv` (without node and script) and the `MCCONFGEN_*` environment.
 * @throws ConfgenOptionError for bad or inconsistent options (exit 2)
 * @throws CommanderError with exitCode 0 for `--help` / `--version`
 */
export function parseConfgenOptions(
  argv: readonly string[],
  output?: { write: (s: string) => void },
): ConfgenOptions {
  const cmd = buildCommand();
  parseCommand(cmd, argv, output, (message) => new ConfgenOptionError(message));
  const o = cmd.opts<Record<string, unknown>>();
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const toBool = (v: unknown): boolean => v === true;
  const options: ConfgenOptions = {
    once: toBool(o.once),
    interval: o.interval as number,
    dryRun: toBool(o.dryRun),
    output: str(o.output),
    template: o.template as string,
    localTtl: o.localTtl as number,
    ebEnvironmentName: str(o.ebEnvironmentName),
    ebEnvironmentId: str(o.ebEnvironmentId),
    ebUseEnvironmentResources: toBool(o.ebUseEnvironmentResources),
    elasticacheClusterId: o.elasticacheClusterId as string[],
    elasticacheConfigEndpoint: str(o.elasticacheConfigEndpoint),
    elasticacheTls: toBool(o.elasticacheTls),
    pemCaPath: str(o.pemCaPath),
    staticPeers: str(o.staticPeers),
    staticCentral: str(o.staticCentral),
    dnsPeers: str(o.dnsPeers),
    dnsServer: o.dnsServer as string[],
    peerPort: o.peerPort as number,
    local: str(o.local),
    region: str(o.region),
    imdsEndpoint: str(o.imdsEndpoint),
    maxPeerShrink: o.maxPeerShrink as number,
    shrinkConfirmations: o.shrinkConfirmations as number,
    logLevel: o.logLevel as string,
    logFile: str(o.logFile),
    metricsPort: o.metricsPort as number,
    metricsAddress: o.metricsAddress as string,
  };
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
