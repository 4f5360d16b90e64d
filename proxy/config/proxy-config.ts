/**
 * An immutable config snapshot: the route tree plus what it references (docs/architecture.md: "Config
 * snapshot"). A request captures the snapshot current when it starts; a reload builds a new one
 * completely before one reference is swapped, so in-flight requests finish on the old tree
 * (`mcrouter/ConfigApi.cpp`).
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { DestinationMap } from '../destination/destination-map.js';
import type { Destination } from '../destination/destination.js';
import { LoggingRoute } from '../routes/logging-route.js';
import { wrapWithBigValueRoute } from '../routes/big-value-route.js';
import type { MemoryBudget } from '../server/memory-budget.js';
import { readRuntimeVars } from './runtime-vars.js';
import { RootRoute, type RouteAlias } from '../routes/root-route.js';
import { ROUTE_BUILDERS } from '../routes/registry.js';
import { buildTopLevelRoute } from '../routes/prefix-selector-route.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import type { AsyncLogSink } from '../asynclog/async-log.js';
import { RouteFactory } from './route-factory.js';
import { expandConfig } from './jsonm/expand-config.js';
import { childPath } from './json-path.js';
import { isObject } from './schema.js';
import type { Pool } from './pool.js';
import type { TkoTracker } from '../destination/tko-tracker.js';

/** Options that shape how a config is built. */
export interface ConfigBuildOptions {
  /** `-R`: the default routing prefix, e.g. `/././`. */
  readonly routePrefix: string;
  readonly sendInvalidRouteToDefault: boolean;
  /** `--server-timeout`, ms. */
  readonly serverTimeoutMs: number;
  /** `--config-params`: JSONM global params (`%name%`). */
  readonly configParams?: Readonly<Record<string, string>>;
  /** `--additional-config-params`: more JSONM global params, winning over `configParams`. */
  readonly additionalConfigParams?: Readonly<Record<string, string>>;
  /** `--hostid`: the host id; negative or absent = derived from this host's address. */
  readonly hostId?: number | undefined;
  /** `--target-max-shadow-requests`. */
  readonly targetMaxShadowRequests?: number | undefined;
  /** RootRoute post-processing (`--miss-on-get-errors` & co., see `RootOptions`). */
  /** `--miss-on-get-errors`: get errors become misses (default: the error reaches the client). */
  readonly missOnGetErrors?: boolean | undefined;
  /** `--miss-on-arith-errors`: incr/decr errors become NOT_FOUND (default: the error). */
  readonly missOnArithErrors?: boolean | undefined;
  readonly groupRemoteErrors?: boolean | undefined;
  readonly allowOnlyGets?: boolean | undefined;
  /** `--runtime-vars-file`: path of the runtime variables JSON ('' or absent: none). */
  readonly runtimeVarsFile?: string | undefined;
  /** `--enable-logging-route`: every route behind a LoggingRoute (`mcrouter/routes/ProxyRoute-inl.h`). */
  readonly enableLoggingRoute?: boolean | undefined;
  /** `--big-value-split-threshold`: > 0 puts every route behind a BigValueRoute (bytes). */
  readonly bigValueSplitThreshold?: number | undefined;
  /** `--big-value-batch-size`: chunks read or written at a time (0 = all). */
  readonly bigValueBatchSize?: number | undefined;
  /** `--big-value-hide-reply-flag`. */
  readonly bigValueHideReplyFlag?: boolean | undefined;
  /** Process-wide objects routes share (counters, the asynclog spool); see `RouteRuntime`. */
  readonly runtime?: RouteRuntime | undefined;
}

/**
 * What a ProxyServer shares with every config it builds: its counters and its asynclog spool
 * (null with `--asynclog-disable`). Without it a build gets fresh counters and no asynclog.
 */
export interface RouteRuntime {
  readonly stats: ProxyStats;
  readonly asyncLog: AsyncLogSink | null;
  /** The process memory budget (BigValueRoute counts reassembly in it). */
  readonly memory?: MemoryBudget | undefined;
}

/** Where a config came from. */
export interface ConfigSource {
  /** The raw text as read. */
  readonly text: string;
  /** The file path, or null for an inline config. */
  readonly path: string | null;
}

/** See the file comment. */
export class ProxyConfig {
  /** MD5 (hex) of the raw text (`__mcrouter__.config_md5_digest`). */
  readonly md5: string;
  /** When this snapshot was built, ms since the epoch. */
  readonly builtAt = Date.now();

  constructor(
    readonly source: ConfigSource,
    /** The config after comment stripping and JSONM macro expansion (`preprocessed_config`). */
    readonly json: Record<string, unknown>,
    readonly root: RootRoute,
    readonly pools: ReadonlyMap<string, Pool>,
    /** Every destination this config references. */
    readonly destinations: ReadonlySet<Destination>,
    /**
     * Files this config was read from, absolute paths: the main file (if any) then every
     * `@import`ed and `file:` pool file. A reload watches all of them (`mcrouter/ConfigApi.cpp`).
     */
    readonly files: readonly string[] = source.path !== null ? [source.path] : [],
    /** MD5 (hex) of each `@import`ed file as the build read it (`config_sources_info`). */
    readonly fileMd5s: ReadonlyMap<string, string> = new Map(),
  ) {
    this.md5 = createHash('md5').update(source.text).digest('hex');
  }

  /**
   * Makes this config's pool `tko_tracker` rules the ones in force: every server's tracker forgets
   * the previous config's pools and joins this config's (counting servers already TKO).
   */
  activate(trackers: Iterable<TkoTracker>): void {
    for (const t of trackers) t.pools.clear();
    for (const pool of this.pools.values()) {
      if (pool.tko === null) continue;
      pool.tko.tracker.reset(pool.tko.members.filter((m) => m.isTko).length);
      for (const m of pool.tko.members) m.pools.add(pool.tko.tracker);
    }
  }
}

const ROUTING_PREFIX = /^\/[^/]+\/[^/]+\/$/;

/**
 * Parses and builds a config from its text. The text always goes through the JSONM
 * preprocessor first, as in mcrouter (`ProxyConfigBuilder`): `macros`, `@calls`, `%params%` and
 * `@import`s are expanded (`mcrouter/lib/config/ConfigPreprocessor.cpp`); the global params come from `opts` (the full
 * `ProxyOptions` when the server builds it, for the `mcr_opts-*` params).
 * @throws ConfigError naming the JSON path and the reason
 */
export function buildConfig(
  source: ConfigSource,
  destinations: DestinationMap,
  opts: ConfigBuildOptions,
): ProxyConfig {
  const { json, imports, importMd5s } = expandConfig(source.text, { path: source.path, options: opts });
  const factory = new RouteFactory(
    json.pools,
    json.named_handles,
    destinations,
    {
      serverTimeoutMs: opts.serverTimeoutMs,
      hostId: opts.hostId !== undefined && opts.hostId >= 0 ? opts.hostId : undefined,
      targetMaxShadowRequests: opts.targetMaxShadowRequests,
      runtimeVars: opts.runtimeVarsFile ? readRuntimeVars(opts.runtimeVarsFile) : null,
      stats: opts.runtime?.stats,
      asyncLog: opts.runtime?.asyncLog ?? null,
      sourceText: source.text,
      memory: opts.runtime?.memory,
    },
    ROUTE_BUILDERS,
  );
  let aliases = routeAliases(json, factory, opts.routePrefix);
  const bigValue = {
    threshold: opts.bigValueSplitThreshold ?? 0,
    batchSize: opts.bigValueBatchSize ?? 10,
    hideReplyFlag: opts.bigValueHideReplyFlag === true,
  };
  aliases = aliases.map((a) => ({
    prefix: a.prefix,
    route: wrapWithBigValueRoute(a.route, bigValue, factory.memory),
  }));
  if (opts.enableLoggingRoute === true) {
    aliases = aliases.map((a) => ({ prefix: a.prefix, route: new LoggingRoute(a.route) }));
  }
  let root: RootRoute;
  try {
    root = new RootRoute(aliases, opts.routePrefix, opts.sendInvalidRouteToDefault, {
      missOnGetErrors: opts.missOnGetErrors === true,
      missOnArithErrors: opts.missOnArithErrors === true,
      groupRemoteErrors: opts.groupRemoteErrors === true,
      allowOnlyGets: opts.allowOnlyGets === true,
    });
  } catch (err) {
    throw new ConfigError('routes', (err as Error).message);
  }
  const pools = factory.allPools();
  const files = [...new Set([...(source.path !== null ? [source.path] : []), ...imports, ...factory.files])];
  return new ProxyConfig(source, json, root, pools, factory.destinations, files, importMd5s);
}

/** `route` or `routes` (array or object form) → (prefix, route) pairs (`mcrouter/ProxyConfig.cpp`). */
function routeAliases(
  json: Record<string, unknown>,
  factory: RouteFactory,
  routePrefix: string,
): RouteAlias[] {
  const hasRoute = json.route !== undefined;
  const hasRoutes = json.routes !== undefined;
  if (hasRoute && hasRoutes)
    throw new ConfigError('', "Invalid config: both 'route' and 'routes' are specified");
  if (!hasRoute && !hasRoutes) throw new ConfigError('', 'No route/routes in config');
  if (hasRoute) return [{ prefix: routePrefix, route: buildTopLevelRoute(factory, json.route, 'route') }];
  const routes = json.routes;
  const out: RouteAlias[] = [];
  if (Array.isArray(routes)) {
    routes.forEach((entry, i) => {
      const p = childPath('routes', i);
      if (!isObject(entry)) throw new ConfigError(p, 'expected {"aliases": [...], "route": ...}');
      const aliases = entry.aliases;
      if (!Array.isArray(aliases) || aliases.length === 0) {
        throw new ConfigError(childPath(p, 'aliases'), 'expected a non-empty array of routing prefixes');
      }
      if (entry.route === undefined) throw new ConfigError(p, 'RoutePolicy: no route');
      const route = buildTopLevelRoute(factory, entry.route, childPath(p, 'route'));
      aliases.forEach((alias, j) => {
        out.push({ prefix: checkAlias(alias, childPath(childPath(p, 'aliases'), j)), route });
      });
    });
    return out;
  }
  if (!isObject(routes)) throw new ConfigError('routes', 'expected an array or an object');
  for (const [alias, value] of Object.entries(routes)) {
    const p = childPath('routes', alias);
    out.push({ prefix: checkAlias(alias, p), route: buildTopLevelRoute(factory, value, p) });
  }
  return out;
}

function checkAlias(alias: unknown, path: string): string {
  if (typeof alias !== 'string' || !ROUTING_PREFIX.test(alias)) {
    throw new ConfigError(
      path,
      `invalid routing prefix ${JSON.stringify(alias)}: expected "/region/cluster/"`,
    );
  }
  return alias;
}
