/**
 * Command-line options: mcrouter's names, short flags and defaults (`mcrouter/mcrouter_options_list.h`,
 * `mcrouter/mcrouter_options_list.h`, `standalone_options_list.h`), plus a few of ours (marked
 * "mcsidecar"). One table drives parsing (commander), `--help`, and `__mcrouter__.options`.
 *
 * As in mcrouter, a toggle given without a value is switched on, unknown options are logged and
 * ignored, and mcrouter options we have no use for are accepted with a warning, so existing
 * command lines keep working.
 */
import { Command, InvalidArgumentError } from 'commander';
import { boolArg, listArg, numberArg, parseCommand } from './util/cli-args.js';
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
  /** `--listen-sock-fd`: serve this inherited listening socket (e.g. systemd's); -1 = none. */
  listenSockFd: number;
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
  /** `--timeouts-until-tko`: consecutive timeouts that mark a server soft TKO. */
  timeoutsUntilTko: number;
  /** `-r/--probe-timeout-initial`: first probe delay after a TKO, ms. */
  probeTimeoutInitialMs: number;
  /** `--probe-timeout-max`: longest probe delay, ms. */
  probeTimeoutMaxMs: number;
  /** `--disable-tko-tracking`. */
  disableTkoTracking: boolean;
  /** `--target-max-pending-requests`: unwritten requests per destination before `SERVER_ERROR 307 busy`. */
  targetMaxPendingRequests: number;
  /** `--target-max-inflight-requests`: requests awaiting replies per destination before writing pauses; 0 = off. */
  targetMaxInflightRequests: number;
  /** `--max-conns`: client connections accepted at once; 0 = no limit. */
  maxConns: number;
  /** `--client-idle-timeout-ms` (mcsidecar): close a client connection idle this long; 0 = never. */
  clientIdleTimeoutMs: number;
  /**
   * `--max-client-output-bytes` (mcsidecar): a client's share of the memory budget — replies held
   * or unsent and reservations for its routed requests; past it its requests wait and it is not read.
   */
  maxClientOutputBytes: number;
  /**
   * `--max-memory-bytes` (mcsidecar): bytes every client together may buffer; past it new requests
   * get `SERVER_ERROR out of memory storing object`. 0 = a quarter of the cgroup memory limit, else 128 MiB.
   */
  maxMemoryBytes: number;
  /** `--drain-timeout-ms` (mcsidecar): on SIGTERM, how long in-flight requests may take to finish. */
  drainTimeoutMs: number;
  /** `--config-params name1:value1,...`: JSONM global params (`%name%`), as strings. */
  configParams: Readonly<Record<string, string>>;
  /** `--additional-config-params` (mcsidecar): like `--config-params`, and wins over it. */
  additionalConfigParams: Readonly<Record<string, string>>;
  /** `--config-poll-ms` (mcsidecar): read-and-hash check of the config files every this many ms (±10 %). */
  configPollMs: number;
  /** `--config-dump-root`: where the last good config is kept; '' = off. */
  configDumpRoot: string;
  /** `--max-dumped-config-age`: oldest backup used at start-up, seconds; 0 = never use one. */
  maxDumpedConfigAge: number;
  /** `--disable-reload-configs`: never reload the config file. */
  disableReloadConfigs: boolean;
  /** `-a/--async-dir`: asynclog spool directory. */
  asyncDir: string;
  /** `--asynclog-disable`: return delete errors instead of spooling them. */
  asynclogDisable: boolean;
  /** `--use-asynclog-version2`: write version-2 asynclog lines. */
  useAsynclogVersion2: boolean;
  /** `--target-max-shadow-requests`: shadow requests in flight per shadow target. */
  targetMaxShadowRequests: number;
  /** `--stats-root`: directory of the stats files (`proxy/admin/stats-files.ts`); '' = none. */
  statsRoot: string;
  /** `--stats-logging-interval`: ms between stats file writes; 0 = never. */
  statsLoggingIntervalMs: number;
  /** `--hostid` (mcsidecar): host id for HostIdRoute/LatestRoute/KeySplitRoute; -1 = derived. */
  hostId: number;
  /** `--replay-asynclog` (mcsidecar): replay the spooled deletes under `--async-dir` and exit. */
  replayAsynclog: boolean;
  /** `--miss-on-get-errors` (mcsidecar): get/gat errors become misses (mcrouter before April 2025). */
  missOnGetErrors: boolean;
  /** `--miss-on-arith-errors` (mcsidecar): incr/decr errors become NOT_FOUND (mcrouter before April 2025). */
  missOnArithErrors: boolean;
  /** `--group-remote-errors`: every error reply becomes `SERVER_ERROR remote error`. */
  groupRemoteErrors: boolean;
  /** `--allow-only-gets`: anything but gets gets NullRoute's reply, unrouted. */
  allowOnlyGets: boolean;
  /** `--metrics-port` (mcsidecar): Prometheus endpoint port; 0 = off. */
  metricsPort: number;
  /** `--metrics-address` (mcsidecar): IP the Prometheus endpoint binds. */
  metricsAddress: string;
  /** `--pem-cert-path`: client certificate for TLS destinations, PEM; '' = none (docs/tls.md). */
  pemCertPath: string;
  /** `--pem-key-path`: its private key, PEM. */
  pemKeyPath: string;
  /** `--pem-ca-path`: CAs that sign destinations' certificates; '' = Node's bundled roots. */
  pemCaPath: string;
  /** `--ssl-verify-peers`: verify TLS destinations' certificates and names (mcsidecar default: on). */
  sslVerifyPeers: boolean;
  /** `--ssl-connection-cache`: resume TLS sessions to destinations (mcsidecar default: on). */
  sslConnectionCache: boolean;
  /** `--ssl-port`: TCP ports that speak TLS. */
  sslPorts: number[];
  /** `--server-pem-cert-path`: the `--ssl-port` certificate (chain), PEM. */
  serverPemCertPath: string;
  /** `--server-pem-key-path`: its private key, PEM. */
  serverPemKeyPath: string;
  /** `--server-pem-ca-path`: CA of client certificates (with `--ssl-require-peer-certs`). */
  serverPemCaPath: string;
  /** `--ssl-require-peer-certs`: `--ssl-port` clients must present a certificate. */
  sslRequirePeerCerts: boolean;
}

type Kind = 'bool' | 'int' | 'string' | 'ports' | 'list' | 'validate' | 'map';

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
  listenSockFd: -1,
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
  timeoutsUntilTko: 3,
  probeTimeoutInitialMs: 10_000,
  probeTimeoutMaxMs: 60_000,
  disableTkoTracking: false,
  targetMaxPendingRequests: 100_000,
  targetMaxInflightRequests: 0,
  maxConns: 0,
  clientIdleTimeoutMs: 0,
  maxClientOutputBytes: 16 * 1024 * 1024,
  maxMemoryBytes: 0,
  drainTimeoutMs: 5000,
  configParams: {},
  additionalConfigParams: {},
  configPollMs: 2000,
  configDumpRoot: process.env.MCPROXY_CONFIG_DUMP_ROOT ?? '/var/mcrouter/config',
  maxDumpedConfigAge: 43200,
  disableReloadConfigs: false,
  asyncDir: '/var/spool/mcrouter',
  asynclogDisable: false,
  useAsynclogVersion2: false,
  targetMaxShadowRequests: 1000,
  statsRoot: '',
  statsLoggingIntervalMs: 10_000,
  hostId: -1,
  replayAsynclog: false,
  missOnGetErrors: false,
  missOnArithErrors: false,
  groupRemoteErrors: false,
  allowOnlyGets: false,
  metricsPort: 0,
  metricsAddress: '127.0.0.1',
  pemCertPath: '',
  pemKeyPath: '',
  pemCaPath: '',
  sslVerifyPeers: true,
  sslConnectionCache: true,
  sslPorts: [],
  serverPemCertPath: '',
  serverPemKeyPath: '',
  serverPemCaPath: '',
  sslRequirePeerCerts: false,
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
    key: 'listenSockFd',
    flags: '--listen-sock-fd <fd>',
    internal: 'listen_sock_fd',
    kind: 'int',
    min: -1,
    origin: 'mcrouter',
    help: 'serve an inherited, already listening socket (file descriptor number; systemd socket activation)',
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
    key: 'timeoutsUntilTko',
    flags: '--timeouts-until-tko <n>',
    internal: 'failures_until_tko',
    kind: 'int',
    min: 1,
    max: 1_000_000,
    origin: 'mcrouter',
    help: 'consecutive timeouts that mark a server soft TKO',
  },
  {
    key: 'probeTimeoutInitialMs',
    flags: '-r, --probe-timeout-initial <ms>',
    internal: 'probe_delay_initial_ms',
    kind: 'int',
    min: 1,
    max: 1e9,
    origin: 'mcrouter',
    help: 'first probe delay after a server is marked TKO, ms',
  },
  {
    key: 'probeTimeoutMaxMs',
    flags: '--probe-timeout-max <ms>',
    internal: 'probe_delay_max_ms',
    kind: 'int',
    min: 1,
    max: 1e9,
    origin: 'mcrouter',
    help: 'longest probe delay, ms',
  },
  {
    key: 'disableTkoTracking',
    flags: '--disable-tko-tracking [bool]',
    internal: 'disable_tko_tracking',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'never mark servers TKO',
  },
  {
    key: 'targetMaxPendingRequests',
    flags: '--target-max-pending-requests <n>',
    internal: 'target_max_pending_requests',
    kind: 'int',
    min: 1,
    max: 1e9,
    origin: 'mcrouter',
    help: 'unwritten requests per server before replies become SERVER_ERROR 307 busy',
  },
  {
    key: 'targetMaxInflightRequests',
    flags: '--target-max-inflight-requests <n>',
    internal: 'target_max_inflight_requests',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'requests awaiting replies per server before writing pauses (0 = off)',
  },
  {
    key: 'maxConns',
    flags: '--max-conns <n>',
    internal: 'max_conns',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'client connections accepted at once; more are refused (0 = no limit)',
  },
  {
    key: 'clientIdleTimeoutMs',
    flags: '--client-idle-timeout-ms <ms>',
    internal: 'client_idle_timeout_ms',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcsidecar',
    help: 'close a client connection idle this long (0 = never)',
  },
  {
    key: 'maxClientOutputBytes',
    flags: '--max-client-output-bytes <bytes>',
    internal: 'max_client_output_bytes',
    kind: 'int',
    min: 1024,
    max: 1 << 30,
    origin: 'mcsidecar',
    help: "a client's share of the memory budget: past it its requests wait and it is not read",
  },
  {
    key: 'maxMemoryBytes',
    flags: '--max-memory-bytes <bytes>',
    internal: 'max_memory_bytes',
    kind: 'int',
    min: 0,
    max: 2 ** 48,
    origin: 'mcsidecar',
    help: 'bytes all clients may buffer before new requests get out-of-memory errors (0 = cgroup limit / 4, else 128 MiB)',
  },
  {
    key: 'drainTimeoutMs',
    flags: '--drain-timeout-ms <ms>',
    internal: 'drain_timeout_ms',
    kind: 'int',
    min: 0,
    max: 1e7,
    origin: 'mcsidecar',
    help: 'on SIGTERM, how long in-flight requests may take to finish, ms',
  },
  {
    key: 'configParams',
    flags: '--config-params <params>',
    internal: 'config_params',
    kind: 'map',
    origin: 'mcrouter',
    help: 'JSONM global params for the config, "name1:value1,name2:value2" (values are strings)',
  },
  {
    key: 'additionalConfigParams',
    flags: '--additional-config-params <params>',
    internal: 'additional_config_params',
    kind: 'map',
    origin: 'mcsidecar',
    help: 'more JSONM global params, same syntax; they win over --config-params',
  },
  {
    key: 'configPollMs',
    flags: '--config-poll-ms <ms>',
    internal: 'config_poll_ms',
    kind: 'int',
    min: 10,
    max: 3_600_000,
    origin: 'mcsidecar',
    help: 'read and hash the config files this often (ms, ±10 % jitter) to see changes NFS/EFS never reports',
  },
  {
    key: 'configDumpRoot',
    flags: '--config-dump-root <path>',
    internal: 'config_dump_root',
    kind: 'string',
    origin: 'mcrouter',
    help: 'keep the last good config under this directory ("" = off)',
  },
  {
    key: 'maxDumpedConfigAge',
    flags: '--max-dumped-config-age <seconds>',
    internal: 'max_dumped_config_age',
    kind: 'int',
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'at start-up, use a kept config no older than this (s) when the config file is unusable (0 = never)',
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
    key: 'disableReloadConfigs',
    flags: '--disable-reload-configs [bool]',
    internal: 'disable_reload_configs',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'do not reload the config file when it changes',
  },
  {
    key: 'statsRoot',
    flags: '--stats-root <dir>',
    internal: 'stats_root',
    kind: 'string',
    origin: 'mcrouter',
    help: "write the stats files (<prefix>.stats, .startup_options, .config_sources_info) here (default: none; mcrouter's is /var/mcrouter/stats)",
  },
  {
    key: 'statsLoggingIntervalMs',
    flags: '--stats-logging-interval <ms>',
    internal: 'stats_logging_interval',
    kind: 'int',
    min: 0,
    origin: 'mcrouter',
    help: 'ms between stats file writes; 0 = never',
  },
  {
    key: 'hostId',
    flags: '--hostid <n>',
    internal: 'hostid',
    kind: 'int',
    min: 0,
    max: 4294967295,
    origin: 'mcsidecar',
    help: "host id for HostIdRoute/LatestRoute/KeySplitRoute and %hostid% (default: mcrouter's hash of this host's first non-loopback address)",
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
    help: 'answer a failed get/gat with a miss instead of its error (mcrouter before April 2025)',
  },
  {
    key: 'missOnArithErrors',
    flags: '--miss-on-arith-errors [bool]',
    internal: 'miss_on_arith_errors',
    kind: 'bool',
    origin: 'mcsidecar',
    help: 'answer a failed incr/decr with NOT_FOUND instead of its error (mcrouter before April 2025)',
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
  {
    key: 'metricsPort',
    flags: '--metrics-port <port>',
    internal: 'metrics_port',
    kind: 'int',
    min: 0,
    max: 65535,
    origin: 'mcsidecar',
    help: 'serve Prometheus metrics on http://<metrics-address>:<port>/metrics (0 = off)',
  },
  {
    key: 'metricsAddress',
    flags: '--metrics-address <ip>',
    internal: 'metrics_address',
    kind: 'string',
    origin: 'mcsidecar',
    help: 'IP the metrics endpoint binds (default 127.0.0.1: this host only)',
  },
  {
    key: 'pemCertPath',
    flags: '--pem-cert-path <path>',
    internal: 'pem_cert_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'client certificate (PEM) presented to TLS destinations, with --pem-key-path',
  },
  {
    key: 'pemKeyPath',
    flags: '--pem-key-path <path>',
    internal: 'pem_key_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'private key (PEM) of --pem-cert-path',
  },
  {
    key: 'pemCaPath',
    flags: '--pem-ca-path <path>',
    internal: 'pem_ca_path',
    kind: 'string',
    origin: 'mcrouter',
    help: "CA certificates (PEM) TLS destinations are verified against (default: Node's bundled roots, which include the Amazon Root CAs)",
  },
  {
    key: 'sslVerifyPeers',
    flags: '--ssl-verify-peers [bool]',
    internal: 'ssl_verify_peers',
    kind: 'bool',
    origin: 'mcrouter',
    help: "verify TLS destinations' certificate chain and host name (default true here; mcrouter's is false)",
  },
  {
    key: 'sslConnectionCache',
    flags: '--ssl-connection-cache [bool]',
    internal: 'ssl_connection_cache',
    kind: 'bool',
    origin: 'mcrouter',
    help: "resume TLS sessions on reconnects and probes (default true here; mcrouter's is false)",
  },
  {
    key: 'sslPorts',
    flags: '--ssl-port <ports>',
    internal: 'ssl_ports',
    kind: 'ports',
    origin: 'mcrouter',
    help: 'comma-separated TCP ports to listen on with TLS (next to -p ports)',
  },
  {
    key: 'serverPemCertPath',
    flags: '--server-pem-cert-path <path>',
    internal: 'server_pem_cert_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'certificate (PEM) of the --ssl-port listeners',
  },
  {
    key: 'serverPemKeyPath',
    flags: '--server-pem-key-path <path>',
    internal: 'server_pem_key_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'private key (PEM) of --server-pem-cert-path',
  },
  {
    key: 'serverPemCaPath',
    flags: '--server-pem-ca-path <path>',
    internal: 'server_pem_ca_path',
    kind: 'string',
    origin: 'mcrouter',
    help: 'CA certificates (PEM) client certificates are verified against (--ssl-require-peer-certs)',
  },
  {
    key: 'sslRequirePeerCerts',
    flags: '--ssl-require-peer-certs [bool]',
    internal: 'ssl_require_peer_certs',
    kind: 'bool',
    origin: 'mcrouter',
    help: 'clients of --ssl-port must present a certificate signed by --server-pem-ca-path',
  },
];

/**
 * mcrouter options accepted for compatibility that change nothing here: value-taking ones and
 * toggles. They are logged at start-up.
 */
const IGNORED_WITH_VALUE = [
  'debug-fifo-root',
  'rss-limit-mb',
  'fibers-stack-size',
  'fibers-max-pool-size',
  'keepalive-count',
  'keepalive-interval',
  'keepalive-idle',
  'reconfiguration-delay-ms',
  'retry-timeout',
  'reconfiguration-jitter-ms',
  'post-reconfiguration-delay-ms',
  'proxy-threads',
  'runtime-vars-file',
  'big-value-batch-size',
  'reset-inactive-connection-interval',
  'client-timeout',
  'ssl-service-identity',
  'additional-ssl-service-identities',
  'tls-ticket-key-seed-path',
];
const IGNORED_TOGGLES = [
  // Removed from mcrouter in April 2025; errors reaching the client is now the default.
  'disable-miss-on-get-errors',
  'disable-miss-on-arith-errors',
  'use-thrift',
  'group-remote-errors-deprecated',
  'disable-fibers-stack-tracking',
  'ssl-handshake-offload',
  'enable-ssl-tfo',
  'ssl-use-ktls12',
];

/** What `parseProxyOptions` returns. */
export interface ParsedOptions {
  readonly options: ProxyOptions;
  /** Options given that are unknown, or known to mcrouter and ignored here (for a log line). */
  readonly ignored: readonly string[];
  /** The raw arguments (mcrouter's `commandargs` stat). */
  readonly argv: readonly string[];
}

/**
 * Parses mcrouter's string-map option syntax `name1:value1,name2:value2` (`mcrouter/options.cpp`):
 * each pair has exactly one `:`; a name given twice keeps its first value; '' is an empty map.
 * @throws Error `Invalid string map pair: '<pair>'. Expected name:value.`
 */
export function parseStringMap(text: string): Record<string, string> {
  const pairs: [string, string][] = [];
  if (text === '') return {};
  for (const pair of text.split(',')) {
    const parts = pair.split(':');
    if (parts.length !== 2) throw new Error(`Invalid string map pair: '${pair}'. Expected name:value.`);
    const [name, value] = parts as [string, string];
    if (!pairs.some(([n]) => n === name)) pairs.push([name, value]);
  }
  return Object.fromEntries(pairs);
}

function parserFor(spec: OptionSpec): (v: string) => unknown {
  const name = spec.flags.split(' ').find((f) => f.startsWith('--')) ?? spec.key;
  switch (spec.kind) {
    case 'bool':
      return boolArg(name);
    case 'int':
      return numberArg(name, spec.min ?? -Infinity, spec.max ?? Infinity);
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
      return listArg;
    case 'validate':
      return (v) => {
        if (v !== 'exit' && v !== 'run') throw new InvalidArgumentError(`${name}: expected "exit" or "run"`);
        return v;
      };
    case 'string':
      return (v) => v;
    case 'map':
      return (v) => {
        try {
          return parseStringMap(v);
        } catch (err) {
          throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
        }
      };
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
  parseCommand(cmd, argv, output, (message) => new OptionError(message));
  const raw = cmd.opts<Record<string, unknown>>();
  const options: ProxyOptions = { ...DEFAULT_OPTIONS, ports: [], listenAddresses: [], sslPorts: [] };
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
    if (Array.isArray(v)) return [spec.internal, v.join(',')];
    if (typeof v === 'object') {
      return [
        spec.internal,
        Object.entries(v)
          .map(([k, x]) => `${k}:${x}`)
          .join(','),
      ];
    }
    return [spec.internal, String(v)];
  });
}
