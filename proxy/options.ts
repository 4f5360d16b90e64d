/**
 * Command-line options: mcrouter's names, short flags and defaults (`mcrouter/mcrouter_options_list.h`,
 * `mcrouter/mcrouter_options_list.h`, `standalone_options_list.h`), plus a few of ours (marked
 * "mcsidecar"). One table, OPTION_SPECS, is the single source of every option: the ProxyOptions type,
 * DEFAULT_OPTIONS, parsing (commander), `--help`, `__mcrouter__.options`, the `mcr_opts-*` JSONM
 * params and the options table of docs/running.md (`npm run docs:options`) are derived from it.
 *
 * Adding an option is one entry in OPTION_SPECS (`proxy/util/option-table.ts` has the kinds), then
 * `npm run docs:options`; `test/unit/cli/options-docs.test.ts` fails until the docs match.
 *
 * As in mcrouter, a toggle given without a value is switched on, unknown options are logged and
 * ignored, and mcrouter options we have no use for are accepted with a warning, so existing
 * command lines keep working.
 */
import { Command } from 'commander';
import { parseCommand } from './util/cli-args.js';
import {
  addOptions,
  defaultsOf,
  markdownRows,
  valuesOf,
  type OptionSpec,
  type OptionValues,
  type RegisteredOptions,
} from './util/option-table.js';
import { OptionError } from './errors.js';
import { VERSION_STRING } from './version.js';

/** An entry of the mcproxy table: mcrouter's internal name, and whose option it is. */
export type ProxyOptionSpec = OptionSpec & {
  /** mcrouter's internal option name (what `__mcrouter__.options` prints). */
  readonly internal: string;
  readonly origin: 'mcrouter' | 'mcsidecar';
};

/** The option table. */
export const OPTION_SPECS = [
  {
    key: 'ports',
    flags: '-p, --port <ports>',
    internal: 'ports',
    kind: 'ports',
    default: [],
    origin: 'mcrouter',
    help: 'comma-separated TCP ports to listen on',
  },
  {
    key: 'listenAddresses',
    flags: '--listen-addresses <ips>',
    internal: 'listen_addresses',
    kind: 'list',
    default: [],
    origin: 'mcrouter',
    help: 'comma-separated IPs to bind',
    shownDefault: 'all interfaces',
  },
  {
    key: 'unixDomainSock',
    flags: '--unix-domain-sock <path>',
    internal: 'unix_domain_sock',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'also listen on this unix socket',
  },
  {
    key: 'listenSockFd',
    flags: '--listen-sock-fd <fd>',
    internal: 'listen_sock_fd',
    kind: 'int',
    default: -1,
    min: -1,
    origin: 'mcrouter',
    help: "serve an inherited, already listening socket: its file descriptor number (systemd socket activation, mcrouter's test harness)",
    shownDefault: '—',
  },
  {
    key: 'config',
    flags: '--config <config>',
    internal: 'config',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'file:<path> or an inline JSON config',
  },
  {
    key: 'configFile',
    flags: '-f, --config-file <path>',
    internal: 'config_file',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: '(deprecated) config file path',
  },
  {
    key: 'configStr',
    flags: '--config-str <json>',
    internal: 'config_str',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: '(deprecated) inline JSON config',
  },
  {
    key: 'routePrefix',
    flags: '-R, --route-prefix <prefix>',
    internal: 'default_route',
    kind: 'string',
    default: '/././',
    origin: 'mcrouter',
    help: 'default routing prefix',
  },
  {
    key: 'serverTimeoutMs',
    flags: '-t, --server-timeout <ms>',
    internal: 'server_timeout_ms',
    kind: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    origin: 'mcrouter',
    help: "per-request server timeout, ms; a pool's server_timeout overrides it",
  },
  {
    key: 'sendInvalidRouteToDefault',
    flags: '--send-invalid-route-to-default [bool]',
    internal: 'send_invalid_route_to_default',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'route keys with an unknown routing prefix to the default route',
  },
  {
    key: 'enableFlushCmd',
    flags: '--enable-flush-cmd [bool]',
    internal: 'enable_flush_cmd',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'allow flush_all (sent to every server of every pool)',
  },
  {
    key: 'enableShutdownCmd',
    flags: '--enable-shutdown-cmd [bool]',
    internal: 'enable_shutdown_cmd',
    kind: 'bool',
    default: false,
    origin: 'mcsidecar',
    help: 'allow the shutdown command',
  },
  {
    key: 'maxItemSize',
    flags: '--max-item-size <bytes>',
    internal: 'max_item_size',
    kind: 'int',
    default: undefined,
    shownDefault: '1 MiB (as memcached); with --big-value-split-threshold the memory budget',
    min: 1,
    max: 1 << 30,
    origin: 'mcsidecar',
    help: 'largest value accepted from clients, bytes',
    see: '[big values](big-values.md)',
  },
  {
    key: 'maxClientOutstandingReqs',
    flags: '--max-client-outstanding-reqs <n>',
    internal: 'max_client_outstanding_reqs',
    kind: 'int',
    default: 34133,
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'stop reading a client with this many requests in flight (0 = off)',
  },
  {
    key: 'validateConfig',
    flags: '--validate-config [mode]',
    internal: 'validate_config',
    kind: 'choice',
    choices: ['exit', 'run'],
    bare: 'exit',
    default: '',
    origin: 'mcrouter',
    help: 'check the config, then exit 0 if valid and 3 if not ("exit"), or keep running ("run")',
  },
  {
    key: 'logLevel',
    flags: '--log-level <level>',
    internal: 'log_level',
    kind: 'string',
    default: 'info',
    origin: 'mcsidecar',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    key: 'logPath',
    flags: '-L, --log-path <path>',
    internal: 'log_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'write the log (JSON lines, appended) to this file instead of stderr',
    shownDefault: 'stderr',
  },
  {
    key: 'numProxies',
    flags: '--num-proxies <n>',
    internal: 'num_proxies',
    kind: 'int',
    default: 1,
    min: 1,
    max: 1024,
    origin: 'mcrouter',
    help: 'worker processes serving the same ports, each with its own connections to the servers (1: one process)',
    see: '[--num-proxies](#--num-proxies)',
  },
  {
    key: 'timeoutsUntilTko',
    flags: '--timeouts-until-tko <n>',
    internal: 'failures_until_tko',
    kind: 'int',
    default: 3,
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
    default: 10_000,
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
    default: 60_000,
    min: 1,
    max: 1e9,
    origin: 'mcrouter',
    help: 'longest probe delay, ms (delays grow ×1.5, plus 5–50 % jitter)',
  },
  {
    key: 'disableTkoTracking',
    flags: '--disable-tko-tracking [bool]',
    internal: 'disable_tko_tracking',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'never mark servers TKO',
  },
  {
    key: 'targetMaxPendingRequests',
    flags: '--target-max-pending-requests <n>',
    internal: 'target_max_pending_requests',
    kind: 'int',
    default: 100_000,
    min: 1,
    max: 1e9,
    origin: 'mcrouter',
    help: 'unwritten requests per server connection (each server has an interactive and a bulk connection) before replies become SERVER_ERROR 307 busy',
  },
  {
    key: 'targetMaxInflightRequests',
    flags: '--target-max-inflight-requests <n>',
    internal: 'target_max_inflight_requests',
    kind: 'int',
    default: 0,
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'requests awaiting replies per server connection (interactive and bulk, each) before writing pauses (0 = off)',
  },
  {
    key: 'maxConns',
    flags: '--max-conns <n>',
    internal: 'max_conns',
    kind: 'int',
    default: 0,
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
    default: 0,
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
    default: 16 * 1024 * 1024,
    min: 1024,
    max: 1 << 30,
    origin: 'mcsidecar',
    help: "a client's share of the memory budget (replies held or unsent, reservations for its routed requests): past it its requests wait and it is not read",
    see: '[memory](memory.md)',
  },
  {
    key: 'maxClientRoutedReqs',
    flags: '--max-client-routed-reqs <n>',
    internal: 'max_client_routed_reqs',
    kind: 'int',
    default: 64,
    min: 0,
    origin: 'mcsidecar',
    help: "a client's requests (multi-get keys) routed and awaiting a backend reply, at most; more wait unrouted, so one client's deep pipeline or huge multi-get never queues more than this ahead of other clients (0 = no limit)",
    see: '[memory](memory.md)',
  },
  {
    key: 'maxRoutedReqs',
    flags: '--max-routed-reqs <n>',
    internal: 'max_routed_reqs',
    kind: 'int',
    default: 0,
    min: 0,
    origin: 'mcsidecar',
    help: "fair mode: requests (multi-get keys) of all clients routed and awaiting a backend reply past which clients with a pipeline or a multi-get route in turns, round-robin; a client with nothing routed is served at once, so at most about this many requests are ahead of it in a backend connection and a loop iteration's work stays small (0 = off, the default: request/response clients already avoid the pipelines on the interactive connection; 16 keeps polite latency within 2× under floods at a cost in pipelined throughput)",
    see: '[memory](memory.md)',
  },
  {
    key: 'maxMemoryBytes',
    flags: '--max-memory-bytes <bytes>',
    internal: 'max_memory_bytes',
    kind: 'int',
    default: 0,
    shownDefault: '0 (cgroup limit / 4, else 128 MiB)',
    min: 0,
    max: 2 ** 48,
    origin: 'mcsidecar',
    help: 'bytes all clients together may buffer; past it new requests get SERVER_ERROR out of memory storing object',
    see: '[memory](memory.md)',
  },
  {
    key: 'drainTimeoutMs',
    flags: '--drain-timeout-ms <ms>',
    internal: 'drain_timeout_ms',
    kind: 'int',
    default: 5000,
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
    default: {},
    origin: 'mcrouter',
    help: 'JSONM global params for the config, "name1:value1,name2:value2" (values are strings)',
    see: '[JSONM](config.md#jsonm-macros)',
  },
  {
    key: 'additionalConfigParams',
    flags: '--additional-config-params <params>',
    internal: 'additional_config_params',
    kind: 'map',
    default: {},
    origin: 'mcsidecar',
    help: 'more JSONM global params, same syntax; they win over --config-params',
  },
  {
    key: 'configPollMs',
    flags: '--config-poll-ms <ms>',
    internal: 'config_poll_ms',
    kind: 'int',
    default: 2000,
    min: 10,
    max: 3_600_000,
    origin: 'mcsidecar',
    help: 'read and hash the config files this often (ms, ±10 % jitter) to see changes NFS/EFS never reports',
    see: '[Config reload](config.md#config-reload)',
  },
  {
    key: 'configDumpRoot',
    flags: '--config-dump-root <path>',
    internal: 'config_dump_root',
    kind: 'string',
    default: process.env.MCPROXY_CONFIG_DUMP_ROOT ?? '/var/mcrouter/config',
    origin: 'mcrouter',
    help: 'keep the last good config under this directory ("" = off)',
    shownDefault: '$MCPROXY_CONFIG_DUMP_ROOT, else /var/mcrouter/config',
  },
  {
    key: 'maxDumpedConfigAge',
    flags: '--max-dumped-config-age <seconds>',
    internal: 'max_dumped_config_age',
    kind: 'int',
    default: 43200,
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
    default: '/var/spool/mcrouter',
    origin: 'mcrouter',
    help: 'asynclog spool directory (failed deletes), created when needed',
  },
  {
    key: 'asynclogDisable',
    flags: '--asynclog-disable [bool]',
    internal: 'asynclog_disable',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'return delete errors to clients instead of spooling them',
  },
  {
    key: 'useAsynclogVersion2',
    flags: '--use-asynclog-version2 [bool]',
    internal: 'use_asynclog_version2',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'write asynclog lines in version 2 (JSON object) format',
  },
  {
    key: 'asynclogMaxBytes',
    flags: '--asynclog-max-bytes <bytes>',
    internal: 'asynclog_max_bytes',
    kind: 'int',
    default: 256 * 1024 * 1024,
    shownDefault: '256 MiB',
    min: 0,
    max: 2 ** 50,
    origin: 'mcsidecar',
    help: 'asynclog spool size cap (files under --async-dir); failed deletes past it are dropped and counted in asynclog_spool_dropped (0 = no cap)',
  },
  {
    key: 'targetMaxShadowRequests',
    flags: '--target-max-shadow-requests <n>',
    internal: 'target_max_shadow_requests',
    kind: 'int',
    default: 1000,
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
    default: false,
    origin: 'mcrouter',
    help: 'do not reload the config file when it changes',
    see: '[Config reload](config.md#config-reload)',
  },
  {
    key: 'statsRoot',
    flags: '--stats-root <dir>',
    internal: 'stats_root',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: "write the stats files (<prefix>.stats, .startup_options, .config_sources_info) here; mcrouter's default is /var/mcrouter/stats",
    see: '[operating](operating.md)',
  },
  {
    key: 'statsLoggingIntervalMs',
    flags: '--stats-logging-interval <ms>',
    internal: 'stats_logging_interval',
    kind: 'int',
    default: 10_000,
    min: 0,
    origin: 'mcrouter',
    help: 'ms between stats file writes; 0 = never',
  },
  {
    key: 'hostId',
    flags: '--hostid <n>',
    internal: 'hostid',
    kind: 'int',
    default: -1,
    min: 0,
    max: 4294967295,
    origin: 'mcsidecar',
    help: "host id for HostIdRoute/LatestRoute/KeySplitRoute and %hostid%; by default mcrouter's hash of this host's first non-loopback address",
    shownDefault: 'derived',
  },
  {
    key: 'replayAsynclog',
    flags: '--replay-asynclog [bool]',
    internal: 'replay_asynclog',
    kind: 'bool',
    default: false,
    origin: 'mcsidecar',
    help: 're-send the deletes spooled under --async-dir, keep those that still fail, and exit',
  },
  {
    key: 'missOnGetErrors',
    flags: '--miss-on-get-errors [bool]',
    internal: 'miss_on_get_errors',
    kind: 'bool',
    default: false,
    origin: 'mcsidecar',
    help: 'answer a failed get/gat with a miss instead of its error (mcrouter before April 2025)',
  },
  {
    key: 'missOnArithErrors',
    flags: '--miss-on-arith-errors [bool]',
    internal: 'miss_on_arith_errors',
    kind: 'bool',
    default: false,
    origin: 'mcsidecar',
    help: 'answer a failed incr/decr with NOT_FOUND instead of its error (mcrouter before April 2025)',
  },
  {
    key: 'groupRemoteErrors',
    flags: '--group-remote-errors [bool]',
    internal: 'group_remote_errors',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'answer every error as "SERVER_ERROR remote error"',
  },
  {
    key: 'allowOnlyGets',
    flags: '--allow-only-gets [bool]',
    internal: 'allow_only_gets',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: "route only gets; everything else gets NullRoute's reply",
  },
  {
    key: 'runtimeVarsFile',
    flags: '--runtime-vars-file <path>',
    internal: 'runtime_vars_file',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: "runtime variables JSON (shadows' key_fraction_range_rv), read at each config load",
  },
  {
    key: 'enableLoggingRoute',
    flags: '--enable-logging-route [bool]',
    internal: 'enable_logging_route',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'log every request (key, result, value length) as LoggingRoute does',
  },
  {
    key: 'bigValueSplitThreshold',
    flags: '--big-value-split-threshold <bytes>',
    internal: 'big_value_split_threshold',
    kind: 'int',
    default: 0,
    min: 0,
    max: 1 << 30,
    origin: 'mcrouter',
    help: 'if nonzero, values longer than this are split into chunks (BigValueRoute in front of every route)',
    see: '[big values](big-values.md)',
  },
  {
    key: 'bigValueBatchSize',
    flags: '--big-value-batch-size <n>',
    internal: 'big_value_batch_size',
    kind: 'int',
    default: 10,
    min: 0,
    max: 1e9,
    origin: 'mcrouter',
    help: 'big value chunks written or read at a time (0 = all at once)',
  },
  {
    key: 'bigValueHideReplyFlag',
    flags: '--big-value-hide-reply-flag [bool]',
    internal: 'big_value_hide_reply_flag',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'clear the big value flag (0x8000) from the flags of reassembled replies',
  },
  {
    key: 'metricsPort',
    flags: '--metrics-port <port>',
    internal: 'metrics_port',
    kind: 'int',
    default: 0,
    min: 0,
    max: 65535,
    origin: 'mcsidecar',
    help: 'serve Prometheus metrics on http://<metrics-address>:<port>/metrics (0 = off)',
    see: '[operating](operating.md)',
  },
  {
    key: 'metricsAddress',
    flags: '--metrics-address <ip>',
    internal: 'metrics_address',
    kind: 'string',
    default: '127.0.0.1',
    origin: 'mcsidecar',
    help: 'IP the metrics endpoint binds (127.0.0.1: this host only)',
  },
  {
    key: 'pemCertPath',
    flags: '--pem-cert-path <path>',
    internal: 'pem_cert_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'client certificate (PEM) presented to TLS destinations, with --pem-key-path',
  },
  {
    key: 'pemKeyPath',
    flags: '--pem-key-path <path>',
    internal: 'pem_key_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'private key (PEM) of --pem-cert-path',
  },
  {
    key: 'pemCaPath',
    flags: '--pem-ca-path <path>',
    internal: 'pem_ca_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: "CA certificates (PEM) TLS destinations are verified against; by default Node's bundled roots, which include the Amazon Root CAs",
    shownDefault: "Node's roots",
    see: '[TLS](tls.md)',
  },
  {
    key: 'sslVerifyPeers',
    flags: '--ssl-verify-peers [bool]',
    internal: 'ssl_verify_peers',
    kind: 'bool',
    default: true,
    origin: 'mcrouter',
    help: "verify TLS destinations' certificate chain and host name (mcrouter's default: off)",
  },
  {
    key: 'sslConnectionCache',
    flags: '--ssl-connection-cache [bool]',
    internal: 'ssl_connection_cache',
    kind: 'bool',
    default: true,
    origin: 'mcrouter',
    help: "resume TLS sessions on reconnects and probes (mcrouter's default: off)",
  },
  {
    key: 'sslPorts',
    flags: '--ssl-port <ports>',
    internal: 'ssl_ports',
    kind: 'ports',
    default: [],
    origin: 'mcrouter',
    help: 'comma-separated TCP ports to listen on with TLS (next to -p ports)',
  },
  {
    key: 'serverPemCertPath',
    flags: '--server-pem-cert-path <path>',
    internal: 'server_pem_cert_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'certificate (PEM) of the --ssl-port listeners',
  },
  {
    key: 'serverPemKeyPath',
    flags: '--server-pem-key-path <path>',
    internal: 'server_pem_key_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'private key (PEM) of --server-pem-cert-path',
  },
  {
    key: 'serverPemCaPath',
    flags: '--server-pem-ca-path <path>',
    internal: 'server_pem_ca_path',
    kind: 'string',
    default: '',
    origin: 'mcrouter',
    help: 'CA certificates (PEM) client certificates are verified against (--ssl-require-peer-certs)',
  },
  {
    key: 'sslRequirePeerCerts',
    flags: '--ssl-require-peer-certs [bool]',
    internal: 'ssl_require_peer_certs',
    kind: 'bool',
    default: false,
    origin: 'mcrouter',
    help: 'clients of --ssl-port must present a certificate signed by --server-pem-ca-path',
  },
] as const satisfies readonly ProxyOptionSpec[];

/** Every option the proxy reads (one property per OPTION_SPECS entry; units in their help). */
export type ProxyOptions = OptionValues<typeof OPTION_SPECS>;

/** Defaults, as mcrouter's where the option is mcrouter's. */
export const DEFAULT_OPTIONS: Readonly<ProxyOptions> = Object.freeze(defaultsOf(OPTION_SPECS));

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

/** The mcproxy help's marker of an option that is ours, not mcrouter's. */
function originSuffix(spec: OptionSpec): string {
  return (spec as ProxyOptionSpec).origin === 'mcsidecar' ? ' [mcsidecar]' : '';
}

/** Builds the commander program for `mcproxy` (also used for `--help`), with its registered options. */
export function buildCommand(): { cmd: Command; registered: RegisteredOptions } {
  const cmd = new Command('mcproxy')
    .usage('[options] -p port(s) --config file:<config-file>')
    .description('mcrouter-compatible memcached proxy')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .version(VERSION_STRING, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride();
  const registered = addOptions(cmd, OPTION_SPECS, { helpSuffix: originSuffix });
  for (const name of IGNORED_WITH_VALUE) cmd.option(`--${name} <value>`, '(mcrouter option, no effect here)');
  for (const name of IGNORED_TOGGLES) cmd.option(`--${name} [bool]`, '(mcrouter option, no effect here)');
  return { cmd, registered };
}

/** The docs/running.md options table rows (`scripts/docs-options.ts`). */
export function proxyOptionRows(): string[][] {
  return markdownRows(OPTION_SPECS, originSuffix);
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
  const { cmd, registered } = buildCommand();
  parseCommand(cmd, argv, output, (message) => new OptionError(message));
  const options = valuesOf<typeof OPTION_SPECS>(cmd, registered);
  const raw = cmd.opts<Record<string, unknown>>();
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
