#!/usr/bin/env -S node --single-threaded-gc
/**
 * `mcproxy`: the mcrouter-compatible proxy's command line
 * (`mcproxy [options] -p port(s) --config file:<config-file>`), and its bulk-copy subcommands
 * `mcproxy warm …` / `mcproxy migrate …` (warm/warm-command.ts, docs/prewarm.md).
 *
 * Exit codes, as mcrouter's (`mcrouter/mcrouter_options_list.h`): 0 ok (and `--validate-config` on a valid config),
 * 2 could not start (unreadable or invalid config, port in use), 3 bad options or, with
 * `--validate-config`, an invalid config. `--replay-asynclog` has its own (0 all replayed, 1 some
 * kept, 2 spool unreadable; `asynclog/replay-command.ts`).
 */
import cluster from 'node:cluster';
import { CommanderError } from 'commander';
import { parseProxyOptions, type ParsedOptions, type ProxyOptions } from './options.js';
import { configureLogger, log } from './logger.js';
import { readConfigSource, configPath } from './config/config-source.js';
import { ConfigDump } from './config/config-dump.js';
import { ConfigReloader } from './config/config-reloader.js';
import { ProxyServer } from './server/proxy-server.js';
import { checkTlsOptions } from './tls/tls-options.js';
import { McProxyError } from './errors.js';
import { runReplayCommand } from './asynclog/replay-command.js';
import { runWarmCommand } from './warm/warm-command.js';
import { StatsFiles } from './admin/stats-files.js';
import { LocalCommand } from './protocol/request-sink.js';
import { runPrimary } from './cluster/cluster-primary.js';
import { ClusterWorker, isClusterWorker, workerIndex } from './cluster/cluster-worker.js';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_START_FAILED = 2;
export const EXIT_BAD_OPTIONS = 3;

/** The stop reason of a worker told to stop by the cluster's primary (`--num-proxies`). */
const PRIMARY_STOP = 'primary';

/** Runs the proxy until a signal; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'warm' || argv[0] === 'migrate') return runWarmCommand(argv[0], argv.slice(1));
  let parsed: ParsedOptions;
  try {
    parsed = parseProxyOptions(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`mcproxy: ${(err as Error).message}\n`);
    return EXIT_BAD_OPTIONS;
  }
  const { options } = parsed;
  try {
    configureLogger({ level: options.logLevel, path: options.logPath });
  } catch (err) {
    process.stderr.write(`mcproxy: ${(err as Error).message}\n`);
    return EXIT_BAD_OPTIONS;
  }
  if (parsed.ignored.length > 0)
    log.warn(
      { options: parsed.ignored },
      'options ignored (unknown, or mcrouter options with no effect here)',
    );
  if (options.replayAsynclog) return runReplayCommand(options);
  const validating = options.validateConfig !== '';
  if (
    !validating &&
    options.ports.length === 0 &&
    options.sslPorts.length === 0 &&
    options.unixDomainSock === '' &&
    options.listenSockFd < 0
  ) {
    log.fatal('invalid ports: give -p/--port, --ssl-port, --listen-sock-fd or --unix-domain-sock');
    return EXIT_BAD_OPTIONS;
  }
  try {
    checkTlsOptions(options);
  } catch (err) {
    log.fatal({ code: (err as McProxyError).code }, (err as Error).message);
    process.stderr.write(`mcproxy: ${(err as Error).message}\n`);
    return EXIT_BAD_OPTIONS;
  }

  // --num-proxies N: this process becomes the cluster's primary; each worker runs the rest of main().
  if (options.numProxies > 1 && !validating && !isClusterWorker())
    return runPrimary(options, { ok: EXIT_OK, startFailed: EXIT_START_FAILED });

  const path = configPath(options);
  const dump =
    !validating && path !== null && options.configDumpRoot !== ''
      ? new ConfigDump(options.configDumpRoot, String(options.ports[0] ?? 0))
      : null;
  let server: ProxyServer;
  let fromDisk = false;
  try {
    server = new ProxyServer(options, readConfigSource(options), argv);
  } catch (err) {
    const message = err instanceof McProxyError ? err.message : String(err);
    const recovered =
      path !== null && dump !== null ? startFromDump(options, argv, dump, path, message) : null;
    if (recovered === null) {
      log.fatal({ code: (err as McProxyError).code, config: path ?? 'inline' }, `invalid config: ${message}`);
      process.stderr.write(`mcproxy: invalid config: ${message}\n`);
      return validating ? EXIT_BAD_OPTIONS : EXIT_START_FAILED;
    }
    server = recovered;
    fromDisk = true;
  }
  if (options.validateConfig === 'exit') {
    log.info('config is valid');
    return EXIT_OK;
  }

  // Signals are caught from here on; one that arrives before the proxy serves is acted on then.
  let pendingStop: string | null = null;
  let stop = (reason: string): void => {
    pendingStop ??= reason;
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  const worker = isClusterWorker()
    ? new ClusterWorker(server, () => {
        stop(PRIMARY_STOP);
      })
    : null;

  let reloader: ConfigReloader | null = null;
  if (path !== null && !options.disableReloadConfigs) {
    reloader = new ConfigReloader(server, { path, pollMs: options.configPollMs, dump, fromDisk });
    await reloader.start();
  }

  let bound: string[];
  try {
    bound = await server.listen();
  } catch (err) {
    log.fatal({ err }, 'cannot listen');
    await reloader?.close();
    await server.close();
    return EXIT_START_FAILED;
  }
  log.info(
    {
      event: 'startup',
      version: server.versionString,
      listen: bound,
      metrics: server.metricsAddress,
      config: path ?? 'inline',
      configMd5: server.config.md5,
      configFiles: server.config.files,
      configFromDisk: fromDisk,
      pools: [...server.config.pools.keys()],
      options,
    },
    `${server.versionString} serving`,
  );
  worker?.ready(bound);

  // One writer of the --stats-root files: in a cluster, worker 0, with the merged stats.
  const statsFiles = new StatsFiles({
    options,
    get config() {
      return server.config;
    },
    statsReply: (args) => server.localReply(LocalCommand.Stats, args),
  });
  if (workerIndex() === 0) statsFiles.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    stop = (reason: string): void => {
      if (stopping) {
        if (reason === PRIMARY_STOP) return;
        log.warn({ reason }, 'second stop request; exiting now');
        process.exit(EXIT_OK);
      }
      stopping = true;
      statsFiles.stop();
      log.info({ reason, drainTimeoutMs: options.drainTimeoutMs }, 'shutting down');
      void (reloader?.close() ?? Promise.resolve())
        .then(() => server.drain(options.drainTimeoutMs))
        .then(() => {
          log.info('stopped');
          resolve(EXIT_OK);
        });
    };
    server.onShutdownRequest((reason) => {
      stop(reason);
    });
    if (pendingStop !== null) stop(pendingStop);
  });
}

/**
 * The config file is unreadable or invalid at start-up: start from the last good copy kept under
 * `--config-dump-root` if it is younger than `--max-dumped-config-age` (`mcrouter/ConfigApi.cpp`), counted in
 * `configs_from_disk`.
 * @returns the proxy, or null when there is no usable copy
 */
function startFromDump(
  options: ProxyOptions,
  argv: readonly string[],
  dump: ConfigDump,
  path: string,
  reason: string,
): ProxyServer | null {
  const backup = dump.load(path, options.maxDumpedConfigAge);
  if (backup === null) return null;
  try {
    const server = new ProxyServer(options, { text: backup.text, path }, argv);
    server.stats.configsFromDisk++;
    log.warn(
      { config: path, backup: backup.file, ageSeconds: Math.round(backup.ageSeconds), reason },
      'config file unusable; starting from the last good config kept on disk',
    );
    return server;
  } catch (err) {
    log.error({ backup: backup.file, err: (err as Error).message }, 'the kept config is invalid too');
    return null;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A cluster worker's IPC channel would keep it alive.
    cluster.worker?.disconnect();
  },
  (err: unknown) => {
    process.stderr.write(`mcproxy: ${String(err)}\n`);
    process.exitCode = EXIT_START_FAILED;
  },
);
