/**
 * mcrouter's admin requests: `get __mcrouter__.<cmd>[(args)]` (`mcrouter/ServiceInfo-inl.h`,
 * `mcrouter/Proxy-inl.h::processGetServiceInfoRequest`, `mcrouter/ServiceInfo-inl.h`).
 *
 * Only a plain `get` whose key starts with `__mcrouter__.` is one (not gets/gat, not behind a
 * routing prefix); it is answered by the proxy itself, never forwarded, and always as a hit with
 * flags 0. Errors are value text `ERROR: <message>`. One trailing `\n` of the text is stripped.
 *
 * Arguments are in parentheses after the command, comma separated; for `route` and
 * `route_handles` only the first comma splits, so keys may contain commas.
 */
import { effectiveHostId } from '../config/host-id.js';
import { AdminCommandError } from '../errors.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ProxyConfig } from '../config/proxy-config.js';
import { optionsAsPairs, type ProxyOptions } from '../options.js';
import { dryRunRequest, routeDestinations, routeHandlesText } from './route-trace.js';

/** The key prefix of admin requests. */
export const SERVICE_INFO_PREFIX = '__mcrouter__.';
const PREFIX_BYTES = Buffer.from(SERVICE_INFO_PREFIX, 'latin1');
const UNDERSCORE = 0x5f;

/**
 * Whether a get key is an admin request. The first byte is checked before anything else, so an
 * ordinary key costs one comparison.
 */
export function isServiceInfoKey(key: Buffer): boolean {
  return (
    key[0] === UNDERSCORE &&
    key.length >= PREFIX_BYTES.length &&
    key.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, 0, PREFIX_BYTES.length) === 0
  );
}

/** What the admin commands read. `ProxyServer` implements it. */
export interface ServiceInfoContext {
  readonly options: ProxyOptions;
  /** The config new requests use. */
  readonly config: ProxyConfig;
  /** `version`'s text, e.g. `2.0.0 mcrouter`. */
  readonly versionString: string;
}

type Command = (ctx: ServiceInfoContext, args: readonly string[]) => string;

/**
 * Answers one admin request.
 * @param command the key after `__mcrouter__.`, e.g. `route(set,foo)`
 * @returns the reply value text (`ERROR: <message>` for an error), trailing `\n` stripped
 */
export function serviceInfo(ctx: ServiceInfoContext, command: string): string {
  let cmd = command;
  let argsText = '';
  const open = command.indexOf('(');
  if (open >= 0 && command.endsWith(')')) {
    cmd = command.slice(0, open);
    argsText = command.slice(open + 1, -1);
  }
  const args: string[] = [];
  if (argsText !== '') {
    if (cmd.startsWith('route')) {
      const comma = argsText.indexOf(',');
      if (comma >= 0) args.push(argsText.slice(0, comma), argsText.slice(comma + 1));
    } else {
      args.push(...argsText.split(','));
    }
  }
  let text: string;
  try {
    const handler = COMMANDS.get(cmd);
    if (handler === undefined) throw new AdminCommandError(`unknown command: ${cmd}`);
    text = handler(ctx, args);
    if (text.endsWith('\n')) text = text.slice(0, -1);
  } catch (err) {
    text = `ERROR: ${(err as Error).message}`;
  }
  return text;
}

/**
 * JSON with object keys sorted at every level, indented by two spaces (folly's
 * `toPrettySortedJson`, which mcrouter uses for its JSON answers).
 */
export function toPrettySortedJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

function md5(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}

/** `config_sources_info` (mcrouter's `ConfigApi::getConfigSourcesInfo`). */
export function configSourcesInfo(config: ProxyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { mcrouter_config: config.md5 };
  const main = config.source.path;
  if (main !== null) out.config_file = main;
  const imports: Record<string, string> = {};
  const pools: Record<string, string> = {};
  for (const file of config.files) {
    if (file === main) continue;
    const known = config.fileMd5s.get(file);
    if (known !== undefined) {
      imports[file] = known;
      continue;
    }
    // A file the build did not digest (a `file:` pool): its current content.
    try {
      pools[file] = md5(readFileSync(file));
    } catch (err) {
      pools[file] = `error: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }
  if (Object.keys(imports).length > 0) out.config_import = imports;
  if (Object.keys(pools).length > 0) out.pools = pools;
  return out;
}

/** `config_age`: whole seconds since `builtAt` (ms since the epoch) (`mcrouter/ServiceInfo-inl.h`). */
export function configAge(builtAt: number): string {
  return String(Math.floor(Date.now() / 1000) - Math.floor(builtAt / 1000));
}

/** Every command (`route` included: its dry run needs no waiting here). */
const COMMANDS = new Map<string, Command>([
  ['version', (ctx) => ctx.versionString],
  ['config_age', (ctx) => configAge(ctx.config.builtAt)],
  [
    'config_file',
    (ctx) => {
      const { config, configFile } = ctx.options;
      if (config.startsWith('file:')) return config.slice('file:'.length);
      if (configFile === '') throw new AdminCommandError('no config file found!');
      return configFile;
    },
  ],
  ['config_md5_digest', (ctx) => ctx.config.md5],
  ['config_sources_info', (ctx) => toPrettySortedJson(configSourcesInfo(ctx.config))],
  ['preprocessed_config', (ctx) => toPrettySortedJson(ctx.config.json)],
  [
    'options',
    (ctx, args) => {
      if (args.length > 1) throw new AdminCommandError('options: 0 or 1 args expected');
      const pairs = optionsAsPairs(ctx.options);
      if (args.length === 1) {
        const name = args[0] as string;
        if (name === 'version') return ctx.versionString;
        const found = pairs.find(([n]) => n === name);
        if (found === undefined) throw new AdminCommandError(`options: option ${name} not found`);
        return found[1];
      }
      return pairs.map(([n, v]) => `${n} ${v}\n`).join('');
    },
  ],
  [
    'route_handles',
    (ctx, args) => {
      if (args.length !== 2) throw new AdminCommandError('route_handles: 2 args expected');
      return routeHandlesText(ctx.config.root, dryRunRequest(args[0] as string, args[1] as string));
    },
  ],
  [
    'route',
    (ctx, args) => {
      if (args.length !== 2) throw new AdminCommandError('route: 2 args expected');
      const req = dryRunRequest(args[0] as string, args[1] as string);
      return routeDestinations(ctx.config.root, req).join('\r\n');
    },
  ],
  ['hostid', (ctx) => String(effectiveHostId(ctx.options.hostId))],
  [
    'pools',
    (ctx) => {
      const out: Record<string, string[]> = {};
      for (const [name, pool] of ctx.config.pools) out[name] = pool.destinationRoutes.map((r) => r.name);
      return toPrettySortedJson(out);
    },
  ],
]);

/** Names of every admin command (for docs and tests). */
export const SERVICE_INFO_COMMANDS: readonly string[] = [...COMMANDS.keys()];
