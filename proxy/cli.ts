#!/usr/bin/env node
/**
 * `mcproxy`: the mcrouter-compatible proxy's command line
 * (`mcproxy [options] -p port(s) --config file:<config-file>`).
 *
 * Exit codes, as mcrouter's (spec §4): 0 ok (and `--validate-config` on a valid config),
 * 2 could not start (unreadable or invalid config, port in use), 3 bad options or, with
 * `--validate-config`, an invalid config. `--replay-asynclog` has its own (0 all replayed, 1 some
 * kept, 2 spool unreadable; `asynclog/replay-command.ts`).
 */
import { CommanderError } from 'commander';
import { parseProxyOptions, type ParsedOptions } from './options.js';
import { configureLogger } from './logger.js';
import { readConfigSource, configPath } from './config/config-source.js';
import { ProxyServer } from './server/proxy-server.js';
import { McProxyError } from './errors.js';
import { runReplayCommand } from './asynclog/replay-command.js';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_START_FAILED = 2;
export const EXIT_BAD_OPTIONS = 3;

/** Runs the proxy until a signal; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParsedOptions;
  try {
    parsed = parseProxyOptions(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`mcproxy: ${(err as Error).message}\n`);
    return EXIT_BAD_OPTIONS;
  }
  const { options } = parsed;
  const log = configureLogger({ level: options.logLevel, path: options.logPath });
  if (parsed.ignored.length > 0)
    log.warn(
      { options: parsed.ignored },
      'options ignored (unknown, or mcrouter options with no effect here)',
    );
  if (options.replayAsynclog) return runReplayCommand(options);
  const validating = options.validateConfig !== '';
  if (!validating && options.ports.length === 0 && options.unixDomainSock === '') {
    log.fatal('invalid ports: give -p/--port or --unix-domain-sock');
    return EXIT_BAD_OPTIONS;
  }

  let server: ProxyServer;
  try {
    server = new ProxyServer(options, readConfigSource(options), argv);
  } catch (err) {
    const message = err instanceof McProxyError ? err.message : String(err);
    log.fatal(
      { code: (err as McProxyError).code, config: configPath(options) ?? 'inline' },
      `invalid config: ${message}`,
    );
    process.stderr.write(`mcproxy: invalid config: ${message}\n`);
    return validating ? EXIT_BAD_OPTIONS : EXIT_START_FAILED;
  }
  if (options.validateConfig === 'exit') {
    log.info('config is valid');
    return EXIT_OK;
  }

  let bound: string[];
  try {
    bound = await server.listen();
  } catch (err) {
    log.fatal({ err }, 'cannot listen');
    await server.close();
    return EXIT_START_FAILED;
  }
  log.info(
    {
      listen: bound,
      config: configPath(options) ?? 'inline',
      configMd5: server.config.md5,
      pools: [...server.config.pools.keys()],
      options,
    },
    `${server.versionString} serving`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string): void => {
      if (stopping) {
        log.warn({ reason }, 'second stop request; exiting now');
        process.exit(EXIT_OK);
      }
      stopping = true;
      log.info({ reason }, 'shutting down');
      void server.close().then(() => {
        resolve(EXIT_OK);
      });
    };
    process.on('SIGTERM', () => {
      stop('SIGTERM');
    });
    process.on('SIGINT', () => {
      stop('SIGINT');
    });
    server.onShutdownRequest(stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mcproxy: ${String(err)}\n`);
    process.exitCode = EXIT_START_FAILED;
  },
);
