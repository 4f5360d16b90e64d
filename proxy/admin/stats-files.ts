/**
 * `--stats-root` files, as mcrouter's `McrouterLogger` (`mcrouter/McrouterLogger.cpp`): every
 * `--stats-logging-interval` ms (0 = never) three files are (re)written atomically under the stats
 * root, named `libmcrouter.mcrouter.<first port, or 0>.<suffix>` (`getStatPrefix`; the router name
 * is the first `-p` port, `mcrouter/StandaloneUtils.cpp`):
 * - `stats`: a JSON object of every stat (`stats all`), keys prefixed with
 *   `libmcrouter.mcrouter.<port>.`, numbers as numbers;
 * - `startup_options`: the options by mcrouter's names, plus `pid`;
 * - `config_sources_info`: what `__mcrouter__.config_sources_info` answers.
 * Operators' tools read these files; a root that cannot be created disables them with a log line,
 * as mcrouter.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../logger.js';
import { optionsAsPairs, type ProxyOptions } from '../options.js';
import type { ProxyConfig } from '../config/proxy-config.js';
import { configSourcesInfo, toPrettySortedJson } from './service-info.js';

/** What the files are made from. `ProxyServer` implements it. */
export interface StatsFilesSource {
  readonly options: ProxyOptions;
  readonly config: ProxyConfig;
  /** The `stats` text (a promise when gathered from every worker of `--num-proxies`; never rejects). */
  statsReply(args: readonly string[]): string | Promise<string>;
}

/** `libmcrouter.mcrouter.<router name>` (`getStatPrefix` in `mcrouter/options.cpp`). */
export function statPrefix(options: ProxyOptions): string {
  return `libmcrouter.mcrouter.${options.ports[0] ?? 0}`;
}

/** Parses `STAT <name> <value>` lines into a JSON object, numeric values as numbers. */
function statsJson(reply: string, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of reply.split('\r\n')) {
    if (!line.startsWith('STAT ')) continue;
    const space = line.indexOf(' ', 5);
    const name = space < 0 ? line.slice(5) : line.slice(5, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    const n = Number(value);
    out[`${prefix}.${name}`] = value !== '' && Number.isFinite(n) ? n : value;
  }
  return out;
}

/** Writes `text` to `path` through a temporary file and a rename (readers never see half a file). */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** See the file comment. */
export class StatsFiles {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly source: StatsFilesSource) {}

  /** Starts writing (first write at once). No-op without `--stats-root` or with interval 0. */
  start(): void {
    const { statsRoot, statsLoggingIntervalMs } = this.source.options;
    if (statsRoot === '' || statsLoggingIntervalMs === 0) return;
    try {
      mkdirSync(statsRoot, { recursive: true });
    } catch (err) {
      log.warn(
        { statsRoot, err: (err as Error).message },
        "Can't create the stats root, disabling stats logging",
      );
      return;
    }
    void this.write();
    this.timer = setInterval(() => {
      void this.write();
    }, statsLoggingIntervalMs);
    this.timer.unref();
  }

  /** Stops writing. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes the three files once. Failures are logged (debug) and skipped, as mcrouter. */
  async write(): Promise<void> {
    const stats = await this.source.statsReply(['all']);
    const { options, config } = this.source;
    const prefix = statPrefix(options);
    const file = (suffix: string): string => join(options.statsRoot, `${prefix}.${suffix}`);
    try {
      writeAtomically(file('stats'), `${toPrettySortedJson(statsJson(stats, prefix))}\n`);
      const startup: Record<string, string> = Object.fromEntries(optionsAsPairs(options));
      startup.pid = String(process.pid);
      writeAtomically(file('startup_options'), `${toPrettySortedJson(startup)}\n`);
      writeAtomically(file('config_sources_info'), toPrettySortedJson(configSourcesInfo(config)));
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'Failed to write stats to disk');
    }
  }
}
