#!/usr/bin/env node
/**
 * `mcsidecar` (what `npm start` runs): memcached on 127.0.0.1:11212 and mcproxy on 11211 with a
 * one-pool default config, both supervised (see supervisor.ts).
 *
 *   mcsidecar [--port 11211] [--memcached-port 11212] [--memcached-bin memcached]
 *             [--memcached-arg <arg>]... [--no-proxy] [--prewarm peers|host:port]
 *             [--prewarm-deadline-ms 15000] [mcproxy options, e.g. --config file:x.json]
 *
 * Options it does not know are passed to mcproxy.
 */
import { Command, CommanderError } from 'commander';
import { configureLogger } from '../logger.js';
import { runSidecar } from './supervisor.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses the command line and runs the sidecar; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const cmd = new Command('mcsidecar')
    .description('memcached plus mcproxy in front of it, supervised')
    .option('-p, --port <port>', 'proxy port', '11211')
    .option('--memcached-port <port>', 'memcached port behind the proxy', '11212')
    .option('--memcached-listen <ip>', 'address memcached binds behind the proxy', '127.0.0.1')
    .option('--memcached-bin <path>', 'memcached executable', 'memcached')
    .option(
      '--memcached-arg <arg>',
      'extra memcached argument (repeatable), e.g. --memcached-arg=-m --memcached-arg=1024',
      collect,
      [],
    )
    .option('--no-proxy', 'run memcached alone on --port')
    .option('--config <config>', 'mcproxy config: file:<path> or inline JSON (default: one local pool)')
    .option('--log-level <level>', 'log level', 'info')
    .option(
      '--prewarm <source>',
      'before serving, copy the hottest keys into memcached from peers or host:port',
    )
    .option(
      '--prewarm-deadline-ms <ms>',
      'start serving after this long even if the prewarm has not finished',
      '15000',
    )
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .exitOverride();
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  const o = cmd.opts<{
    port: string;
    memcachedPort: string;
    memcachedListen: string;
    memcachedBin: string;
    memcachedArg: string[];
    proxy: boolean;
    config?: string;
    logLevel: string;
    prewarm?: string;
    prewarmDeadlineMs: string;
  }>();
  const log = configureLogger({ level: o.logLevel, name: 'mcsidecar' });
  return runSidecar(
    {
      memcachedBin: o.memcachedBin,
      memcachedListen: o.memcachedListen,
      memcachedPort: Number(o.memcachedPort),
      memcachedArgs: o.memcachedArg,
      proxyEnabled: o.proxy,
      proxyPort: Number(o.port),
      config: o.config ?? null,
      proxyArgs: ['--log-level', o.logLevel, ...cmd.args],
      stopTimeoutMs: 10_000,
      startTimeoutMs: 10_000,
      prewarm: o.prewarm !== undefined ? { from: o.prewarm, deadlineMs: Number(o.prewarmDeadlineMs) } : null,
    },
    log,
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`mcsidecar: ${String(err)}\n`);
    process.exit(1);
  },
);
