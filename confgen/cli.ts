#!/usr/bin/env node
/**
 * `mcconfgen`: discovers the peers (Elastic Beanstalk instances, DNS, a static list) and the
 * central pool (ElastiCache via the API or Auto Discovery, a static list), renders the routing
 * config from a template and writes it atomically where the proxies read it.
 *
 * Modes: `--once` (one cycle, for deploy hooks), `--dry-run` (print the config and a diff), or a
 * service that runs a cycle every `--interval` seconds (±10 % jitter) until SIGTERM/SIGINT.
 *
 * Logging: JSON lines on stderr, or appended to `--log-file` (on Elastic Beanstalk
 * /var/log/mcsidecar/mcconfgen.log, which the log bundles and CloudWatch streaming pick up). In
 * service mode `--metrics-port` serves `confgen/metrics.ts` on `--metrics-address` (loopback).
 *
 * Exit codes (`--once`, `--dry-run`): 0 the file was written or was already up to date (dry run:
 * printed); 1 discovery failed or the result failed a safety check — nothing written, the last
 * good file kept; 2 bad options or template; 3 the file could not be written. The service exits 0
 * on a signal and 2 on bad options; failed cycles are logged and retried.
 */
import { CommanderError } from 'commander';
import { configureLogger, log } from '../proxy/logger.js';
import { McProxyError } from '../proxy/errors.js';
import { parseConfgenOptions, type ConfgenOptions } from './options.js';
import { createConfgen } from './setup.js';
import type { Confgen, RunOutcome } from './confgen.js';
import { jittered } from '../proxy/config/config-watcher.js';
import { MetricsServer } from '../proxy/admin/metrics-server.js';
import { ConfgenMetrics } from './metrics.js';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_NOTHING_SAFE = 1;
export const EXIT_BAD_OPTIONS = 2;
export const EXIT_WRITE_FAILED = 3;

/** The exit code for a cycle's outcome. */
export function exitCodeFor(outcome: RunOutcome): number {
  switch (outcome) {
    case 'written':
    case 'unchanged':
    case 'printed':
      return EXIT_OK;
    case 'discovery-failed':
    case 'refused':
      return EXIT_NOTHING_SAFE;
    case 'write-failed':
      return EXIT_WRITE_FAILED;
  }
}

/** Runs mcconfgen; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: ConfgenOptions;
  let confgen: Confgen;
  try {
    options = parseConfgenOptions(argv);
    configureLogger({ level: options.logLevel, path: options.logFile ?? '', name: 'mcconfgen' });
    confgen = createConfgen(options);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_BAD_OPTIONS;
    process.stderr.write(`mcconfgen: ${err instanceof McProxyError ? err.message : String(err)}\n`);
    return EXIT_BAD_OPTIONS;
  }
  if (options.once || options.dryRun) return exitCodeFor(await confgen.runOnce());

  const metrics = new ConfgenMetrics();
  let server: MetricsServer | null = null;
  if (options.metricsPort > 0) {
    server = new MetricsServer(metrics);
    try {
      const at = await server.listen(options.metricsPort, options.metricsAddress);
      log.info({ metrics: `http://${at}/metrics` }, 'metrics endpoint listening');
    } catch (err) {
      process.stderr.write(`mcconfgen: --metrics-port ${options.metricsPort}: ${(err as Error).message}\n`);
      return EXIT_BAD_OPTIONS;
    }
  }

  log.info(
    { intervalSeconds: options.interval, output: options.output, template: options.template },
    'mcconfgen service started',
  );
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const cycle = (): void => {
      running = confgen.runOnce().then(() => {
        if (confgen.lastReport !== null) metrics.record(confgen.lastReport);
        if (!stopped) timer = setTimeout(cycle, jittered(options.interval * 1000));
      });
    };
    const stop = (signal: string): void => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      log.info({ signal }, 'mcconfgen stopping after the current cycle');
      void running
        .then(() => server?.close())
        .then(() => {
          resolve(EXIT_OK);
        });
    };
    process.once('SIGTERM', () => {
      stop('SIGTERM');
    });
    process.once('SIGINT', () => {
      stop('SIGINT');
    });
    cycle();
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    log.flush(() => {
      process.exit(code);
    });
  },
  (err: unknown) => {
    process.stderr.write(`mcconfgen: ${String(err)}\n`);
    process.exit(EXIT_BAD_OPTIONS);
  },
);
