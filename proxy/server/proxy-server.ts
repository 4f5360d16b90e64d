/**
 * The proxy: listeners, client sessions, the current config snapshot, the shared destinations
 * and the counters. `cli.ts` wires it to the command line; tests embed it directly.
 */
import net from 'node:net';
import tls from 'node:tls';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op, OP_NAMES } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import { LocalCommand } from '../protocol/request-sink.js';
import { FlushAllRoute } from '../routes/flush-all-route.js';
import type { SessionHost } from './session-host.js';
import { DestinationMap } from '../destination/destination-map.js';
import { ConfigRetirement } from '../config/config-retirement.js';
import { describeChange, type ConfigChange } from '../config/config-change.js';
import {
  buildConfig,
  type ConfigSource,
  type ProxyConfig,
  type RouteRuntime,
} from '../config/proxy-config.js';
import { AsyncLog } from '../asynclog/async-log.js';
import type { ProxyOptions } from '../options.js';
import { ProxyStats } from '../admin/proxy-stats.js';
import { statsReplyFrom } from '../admin/stats-reply.js';
import { collectStatsData, type StatsData } from '../admin/stats-data.js';
import type { ClusterLink } from '../cluster/cluster-link.js';
import { StatRates } from '../admin/stat-rates.js';
import { COUNTER_COUNT, cumulativeCounters } from '../admin/stat-counters.js';
import { configAge, isServiceInfoKey, serviceInfo, SERVICE_INFO_PREFIX } from '../admin/service-info.js';
import { MetricsServer } from '../admin/metrics-server.js';
import { ProxyMetrics } from '../admin/metrics.js';
import { VERSION_STRING } from '../version.js';
import { ClientSession } from './client-session.js';
import { clientReadMode, type ClientReadMode } from './client-reader.js';
import { MemoryBudget, defaultMemoryBudget } from './memory-budget.js';
import { FairShare } from './fair-share.js';
import { newTlsConnector } from '../tls/tls-options.js';
import { tlsListenerOptions } from '../tls/tls-listener.js';
import { log } from '../logger.js';
import { logLimited } from '../util/log-limiter.js';

/** See the file comment. */
export class ProxyServer implements SessionHost {
  /** Destinations shared by every config generation (`mcrouter/routes/McRouteHandleProvider.cpp`). */
  readonly destinations: DestinationMap;
  readonly stats = new ProxyStats();
  /** Buffered bytes of every session (`--max-memory-bytes`, `--max-client-output-bytes`). */
  readonly memory: MemoryBudget;
  /** Routed requests over all clients, taken in turns past `--max-routed-reqs`. */
  readonly fair: FairShare;
  /** Rates for `stats` (`cmd_<op>`, `request_*`, `result_*`): 240 one-second bins. */
  readonly rates: StatRates;
  /** Prometheus metrics (`--metrics-port`), created on first use. */
  private metricsRegistry: ProxyMetrics | null = null;
  private metricsServer: MetricsServer | null = null;
  /** What `version` answers. */
  readonly versionString = VERSION_STRING;
  /**
   * Set (before `listen`) in a worker of `--num-proxies N` (`cluster/cluster-worker.ts`): `stats`
   * and `config_age` are then gathered from every worker, the primary serves the metrics endpoint
   * and owns the unix socket file.
   */
  cluster: ClusterLink | null = null;
  /** The asynclog spool (`--async-dir`), or null with `--asynclog-disable` (`mcrouter/routes/McRouteHandleProvider-inl.h`). */
  readonly asyncLog: AsyncLog | null;
  /** What every config build shares: pass it (as `runtime`) to `buildConfig` on a reload too. */
  readonly runtime: RouteRuntime;
  private current: ProxyConfig;
  private readonly listeners: net.Server[] = [];
  /** How plain-TCP clients are read (`client-reader.ts`), decided by `listen()`. */
  clientRead: ClientReadMode = 'stream';
  private readonly sessions = new Set<ClientSession>();
  private readonly shutdownHandlers: ((reason: string) => void)[] = [];
  private draining = false;
  private onAllSessionsClosed: (() => void) | null = null;
  private clientErrorLogBudget = 0;
  private clientErrorLogWindow = 0;
  private clientErrorsSuppressed = 0;
  private readonly retirement: ConfigRetirement;
  private readonly flushAllRoute = new FlushAllRoute(() => this.current);

  /**
   * Builds the first config.
   * @param argv the command line, for the `commandargs` stat
   * @throws ConfigError when the config is invalid
   */
  constructor(
    readonly options: ProxyOptions,
    source: ConfigSource,
    private readonly argv: readonly string[] = [],
  ) {
    this.fair = new FairShare(options.maxRoutedReqs);
    this.memory = new MemoryBudget(
      options.maxMemoryBytes > 0 ? options.maxMemoryBytes : defaultMemoryBudget(),
      options.maxClientOutputBytes,
    );
    this.asyncLog = options.asynclogDisable
      ? null
      : new AsyncLog({
          dir: options.asyncDir,
          version2: options.useAsynclogVersion2,
          onSpool: () => {
            this.stats.asynclogRequests++;
          },
          maxBytes: options.asynclogMaxBytes,
          onWritten: (n) => {
            this.stats.asynclogSpoolSuccess += n;
          },
          onDropped: (n) => {
            this.stats.asynclogSpoolDropped += n;
          },
        });
    this.runtime = { stats: this.stats, asyncLog: this.asyncLog, memory: this.memory };
    this.destinations = new DestinationMap(
      {
        probeDelayInitialMs: options.probeTimeoutInitialMs,
        probeDelayMaxMs: options.probeTimeoutMaxMs,
        maxPendingRequests: options.targetMaxPendingRequests,
        maxInflightRequests: options.targetMaxInflightRequests,
      },
      { timeoutsUntilTko: options.timeoutsUntilTko, enabled: !options.disableTkoTracking },
      newTlsConnector(options),
    );
    this.retirement = new ConfigRetirement(this.destinations, () => this.current);
    this.current = buildConfig(source, this.destinations, { ...options, runtime: this.runtime });
    this.current.activate(this.destinations.tko.all());
    this.rates = new StatRates(COUNTER_COUNT, (out) => {
      cumulativeCounters(this.stats, this.destinations.totals(), out);
    });
    this.rates.start();
  }

  /** The config snapshot new requests use. */
  get config(): ProxyConfig {
    return this.current;
  }

  /**
   * Builds a new config from `source` completely, then swaps it in with one reference (`mcrouter/ConfigApi.cpp`).
   * Requests already routed finish on the old route tree; destinations that stay keep their
   * connection and health; the ones that left are drained and closed after a grace period
   * (`ConfigRetirement`).
   * @throws ConfigError (JSON path and reason) when the config is invalid: counted in
   *   `config_failures`, and the old config keeps serving
   */
  reload(source: ConfigSource): ConfigChange {
    this.stats.configFullAttempts++;
    this.stats.configLastAttempt = Date.now();
    let next: ProxyConfig;
    try {
      next = buildConfig(source, this.destinations, { ...this.options, runtime: this.runtime });
    } catch (err) {
      this.stats.configFailures++;
      this.retirement.sweep();
      throw err;
    }
    const previous = this.current;
    this.current = next;
    next.activate(this.destinations.tko.all());
    this.retirement.retire(previous);
    return describeChange(previous, next);
  }

  /**
   * Routes one request through the current config. Never throws: an exception inside a route
   * becomes LOCAL_ERROR `Error routing request of type <op>: <message>` (`mcrouter/ProxyRequestContext`).
   * Admin requests (`get __mcrouter__.*`) are answered here and never routed; `flush_all` takes
   * the FlushAllRoute to every destination instead of the config's root.
   */
  route(req: McRequest, sink: ReplySink): void {
    if (req.op === Op.Get && isServiceInfoKey(req.key)) {
      this.serviceInfo(req, sink);
      return;
    }
    this.stats.countRequest(req.op);
    if (req.op === Op.FlushAll) {
      this.flushAllRoute.route(req, sink);
      return;
    }
    try {
      this.current.root.route(req, sink);
    } catch (err) {
      logLimited(
        'error',
        `routing_exception:${req.op}`,
        { err, op: OP_NAMES[req.op] },
        'exception while routing',
      );
      sink.onReply(
        McReply.error(
          Result.LocalError,
          `Error routing request of type ${OP_NAMES[req.op] ?? '?'}: ${(err as Error).message}`,
        ),
      );
    }
  }

  /**
   * Answers `get __mcrouter__.<cmd>` itself (`mcrouter/ServiceInfo-inl.h`): always a hit with flags 0, never routed,
   * not counted in `cmd_get_count` (as mcrouter).
   */
  private serviceInfo(req: McRequest, sink: ReplySink): void {
    this.stats.adminRequests++;
    const command = req.key.toString('latin1', SERVICE_INFO_PREFIX.length);
    const reply = (text: string): void => {
      sink.onReply(new McReply(Result.Found, Buffer.from(text, 'utf8'), 0));
    };
    // Every worker runs its own copy of the config: the age is the oldest one's.
    if (command === 'config_age' && this.cluster !== null) {
      void this.cluster.gather().then((d) => {
        reply(configAge(d.configLoadedAt));
      });
      return;
    }
    reply(serviceInfo(this, command));
  }

  /**
   * The one place local commands are answered (with `route`'s admin interception): the version
   * string for `version` (ASCII, binary), the stats text for `stats <args>`, nothing otherwise.
   */
  localReply(cmd: LocalCommand, args: readonly string[]): string | Promise<string> {
    switch (cmd) {
      case LocalCommand.Version:
        return this.versionString;
      case LocalCommand.Stats:
        if (this.cluster !== null) return this.cluster.gather().then((d) => statsReplyFrom(args, d));
        return this.statsReply(args);
      default:
        return '';
    }
  }

  /** Text of the `stats` reply for `args`, from this process's figures. */
  statsReply(args: readonly string[]): string {
    return statsReplyFrom(args, this.statsData());
  }

  /** This process's figures for `stats` (`admin/stats-data.ts`). */
  statsData(): StatsData {
    return collectStatsData(
      {
        stats: this.stats,
        version: this.versionString,
        commandArgs: this.argv.join(' '),
        destinations: this.destinations,
        configLoadedAt: this.current.builtAt,
        rates: this.rates,
        requestsInFlight: this.requestsInFlight,
      },
      this.options.numProxies,
    );
  }

  /** Requests read from clients and not answered yet, over every session. */
  get requestsInFlight(): number {
    let n = 0;
    for (const s of this.sessions) n += s.inFlight;
    return n;
  }

  /** The Prometheus metrics of this proxy (built on first use). */
  get metrics(): ProxyMetrics {
    this.metricsRegistry ??= new ProxyMetrics(this);
    return this.metricsRegistry;
  }

  /** Where the metrics endpoint listens (`http://<address>/metrics`), or null when off. */
  get metricsAddress(): string | null {
    return this.metricsServer?.address ?? null;
  }

  /**
   * Starts listening on every `--port` and `--ssl-port` (TLS, docs/tls.md) (on each
   * `--listen-addresses` IP, or all interfaces) and on `--unix-domain-sock`, and serves the
   * inherited `--listen-sock-fd` socket (`mcrouter/standalone_options_list.h`).
   * @returns the bound addresses, e.g. `127.0.0.1:11211` or a socket path
   * @throws TlsConfigError when `--ssl-port`'s certificate or key is missing or unusable
   */
  async listen(): Promise<string[]> {
    this.clientRead = await clientReadMode();
    log.debug({ clientRead: this.clientRead }, 'how plain-TCP clients are read (client-reader.ts)');
    if (this.options.metricsPort > 0 && this.metricsServer === null && this.cluster === null) {
      this.metricsServer = new MetricsServer(this.metrics);
      await this.metricsServer.listen(this.options.metricsPort, this.options.metricsAddress);
    }
    const bound: string[] = [];
    const { ports, sslPorts, listenAddresses, unixDomainSock, listenSockFd } = this.options;
    // A worker accepts on the inherited socket itself (the primary passes it at the same fd).
    if (listenSockFd >= 0) {
      const opts = { fd: listenSockFd, exclusive: this.cluster !== null } as net.ListenOptions;
      bound.push(await this.listenOne(opts, null));
    }
    const secure = sslPorts.length > 0 ? tlsListenerOptions(this.options) : null;
    const hosts = listenAddresses.length > 0 ? listenAddresses : [undefined];
    for (const [list, tlsOptions] of [
      [ports, null],
      [sslPorts, secure],
    ] as const) {
      for (const port of list) {
        for (const host of hosts)
          bound.push(await this.listenOne(host !== undefined ? { port, host } : { port }, tlsOptions));
      }
    }
    if (unixDomainSock !== '') {
      if (this.cluster === null) removeStaleSocket(unixDomainSock);
      bound.push(await this.listenOne({ path: unixDomainSock }));
    }
    return bound;
  }

  /** Listens on one address; with `tlsOptions`, clients speak TLS (`--ssl-port`). */
  private listenOne(opts: net.ListenOptions, tlsOptions: tls.TlsOptions | null = null): Promise<string> {
    // Plain connections are adopted by a socket reading through `onread` (client-reader.ts):
    // accepted paused, so that nothing is read before.
    const adopt = tlsOptions === null && this.clientRead === 'onread';
    const onSocket = (socket: net.Socket): void => {
      this.accept(socket, adopt);
    };
    // allowHalfOpen: a client's FIN ends its input, not its output; the session writes every
    // reply, then closes (memcached answers a half-closed client too).
    const server =
      tlsOptions === null
        ? net.createServer({ noDelay: true, allowHalfOpen: true, pauseOnConnect: adopt }, onSocket)
        : tls.createServer({ ...tlsOptions, noDelay: true, allowHalfOpen: true }, onSocket);
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      this.logClientError(socket.remoteAddress, `TLS handshake failed: ${err.code ?? err.message}`);
    });
    return new Promise<string>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts, () => {
        server.off('error', reject);
        server.on('error', (err) => {
          log.error({ err }, 'listener error');
        });
        this.listeners.push(server);
        const a = server.address();
        resolve(
          typeof a === 'string'
            ? a
            : a === null
              ? ''
              : `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
        );
      });
    });
  }

  /** A new client connection; `adopt`: read it through `onread` (it was accepted paused). */
  private accept(socket: net.Socket, adopt: boolean): void {
    const max = this.options.maxConns;
    if (this.draining || (max > 0 && this.stats.clientConnections >= max)) {
      // A clear refusal (memcached's wording) instead of a silent close; mcrouter would evict the
      // least recently used connection instead.
      this.stats.rejectedConnections++;
      socket.on('error', () => undefined);
      // Read (and drop) what the client sends, so that its FIN is seen and the socket closes.
      socket.resume();
      socket.end(
        this.draining ? 'SERVER_ERROR shutting down\r\n' : 'SERVER_ERROR Too many open connections\r\n',
      );
      this.logClientError(
        socket.remoteAddress,
        this.draining ? 'refused: shutting down' : `refused: --max-conns ${max} reached`,
      );
      return;
    }
    this.stats.clientConnections++;
    this.stats.clientConnectionsTotal++;
    this.sessions.add(new ClientSession(socket, this, adopt));
  }

  /** Called by a session when its socket closed. */
  sessionClosed(session: ClientSession): void {
    if (this.sessions.delete(session)) this.stats.clientConnections--;
    if (this.sessions.size === 0) this.onAllSessionsClosed?.();
  }

  /**
   * Graceful shutdown: stops accepting, lets every session finish the requests it has in flight
   * and write their replies, then closes everything. Sessions still busy after `timeoutMs` are cut.
   * @returns how many sessions had to be cut
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    for (const l of this.listeners) l.close();
    const inFlight = [...this.sessions].reduce((n, s) => n + s.inFlight, 0);
    log.info({ sessions: this.sessions.size, inFlight, timeoutMs }, 'draining client connections');
    const allClosed = new Promise<void>((resolve) => {
      this.onAllSessionsClosed = resolve;
      if (this.sessions.size === 0) resolve();
    });
    for (const s of this.sessions) s.drain();
    const timer = { handle: undefined as NodeJS.Timeout | undefined };
    const timedOut = new Promise<void>((resolve) => {
      timer.handle = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([allClosed, timedOut]);
    clearTimeout(timer.handle);
    const cut = this.sessions.size;
    if (cut > 0) log.warn({ sessions: cut }, 'drain timeout: closing sessions with requests still in flight');
    await this.close();
    return cut;
  }

  /**
   * Logs a client protocol error, at most 10 lines a second; the rest are counted and reported in
   * the next line, so a bad client cannot flood the log.
   */
  logClientError(client: string | undefined, reply: string): void {
    const now = Date.now();
    if (now - this.clientErrorLogWindow >= 1000) {
      this.clientErrorLogWindow = now;
      this.clientErrorLogBudget = 10;
    }
    if (this.clientErrorLogBudget <= 0) {
      this.clientErrorsSuppressed++;
      return;
    }
    this.clientErrorLogBudget--;
    const suppressed = this.clientErrorsSuppressed;
    this.clientErrorsSuppressed = 0;
    log.warn(
      { event: 'client_error', client, reply, suppressed },
      'client protocol error; closing connection',
    );
  }

  /** Registers a handler for a shutdown request (the `shutdown` command). */
  onShutdownRequest(handler: (reason: string) => void): void {
    this.shutdownHandlers.push(handler);
  }

  /** Asks the owner to shut down (used by the `shutdown` command when enabled). */
  requestShutdown(reason: string): void {
    for (const h of this.shutdownHandlers) h(reason);
  }

  /** Stops listening, closes client connections and destinations. */
  async close(): Promise<void> {
    // server.close() waits for open connections, so destroy the sessions while it waits.
    const closed = this.listeners.map(
      (l) =>
        new Promise<void>((resolve) => {
          l.close(() => {
            resolve();
          });
        }),
    );
    this.listeners.length = 0;
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
    this.retirement.close();
    this.rates.stop();
    this.destinations.closeAll();
    await Promise.all(closed);
    await this.asyncLog?.flush();
    await this.metricsServer?.close();
  }
}

/** Removes a socket file left by a previous run (never another kind of file). */
export function removeStaleSocket(path: string): void {
  if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
}
