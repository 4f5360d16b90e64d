/**
 * Turns mcrouter JSON into route handles (`mcrouter/lib/config/RouteHandleFactory-inl.h`,
 * `mcrouter/lib/config/RouteHandleFactory.h`): objects with a `type`, arrays (flattened), and strings — `""` (no handle), a named
 * handle, `Type|rest` short forms (`PoolRoute|A`, `ErrorRoute|msg`), `Pool|A` (one handle per
 * server) and bare type names (`NullRoute`). An object with a `name` is built once and reused;
 * the same short-form string yields the same handle.
 *
 * Every error is a `ConfigError` naming the JSON path, e.g.
 * `route.operation_policies.set.children[0]: unknown pool "peer"`.
 */
import type { RuntimeVars } from './runtime-vars.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { DestinationMap } from '../destination/destination-map.js';
import type { Destination } from '../destination/destination.js';
import type { RouteHandle } from '../routes/route-handle.js';
import { DestinationRoute } from '../routes/destination-route.js';
import { ErrorRoute } from '../routes/error-route.js';
import { ProxyStats } from '../admin/proxy-stats.js';
import type { MemoryBudget } from '../server/memory-budget.js';
import type { AsyncLogSink } from '../asynclog/async-log.js';
import { parseServerAddress } from './server-address.js';
import { childPath } from './json-path.js';
import { isObject } from './schema.js';
import { lineColumn, parseJsonc } from './jsonc.js';
import { effectiveHostId } from './host-id.js';
import { parsePoolOptions, tkoThresholds, type Pool } from './pool.js';
import { PoolTkoTracker, type TkoTracker } from '../destination/tko-tracker.js';

/**
 * Builds one route type. `json` is the route object, the `rest` of a `Type|rest` string, or null
 * for a bare type name. Most builders return one handle; a few (`ShadowRoute`, like mcrouter's
 * `makeShadowRoutes`) return a list, which is spliced into the surrounding list.
 * @throws ConfigError
 */
export type RouteBuilder = (
  factory: RouteFactory,
  json: unknown,
  path: string,
) => RouteHandle | readonly RouteHandle[];

/** Options the factory needs from the command line, and the process-wide objects routes share. */
export interface RouteFactoryOptions {
  /** `--server-timeout`, ms: the default pool `server_timeout`. */
  readonly serverTimeoutMs: number;
  /**
   * 32-bit host id for HostIdRoute, LatestRoute and KeySplitRoute (`--hostid`); the default is
   * derived from this host's first non-loopback address (`effectiveHostId`, mcrouter does not document its host id hash).
   */
  readonly hostId?: number | undefined;
  /** Counters routes bump (`dev_null_requests`, failover counters). A fresh set when absent. */
  readonly stats?: ProxyStats | undefined;
  /**
   * Where PoolRoute spools failed deletes (`mcrouter/routes/McRouteHandleProvider-inl.h`). Null or absent: asynclog is off
   * (`--asynclog-disable`), and a failed delete returns its error.
   */
  readonly asyncLog?: AsyncLogSink | null | undefined;
  /** `--target-max-shadow-requests`: shadow requests in flight per shadow target (default 1000). */
  readonly targetMaxShadowRequests?: number | undefined;
  /** `--runtime-vars-file`'s variables (shadow `key_fraction_range_rv`), or null. */
  readonly runtimeVars?: RuntimeVars | null | undefined;
  /** The config file's text, for the line numbers of unknown route types. */
  readonly sourceText?: string | undefined;
  /** The process memory budget BigValueRoute counts reassembly in; absent: not counted. */
  readonly memory?: MemoryBudget | undefined;
}

/** 1-based line of the first `"type": "<type>"` in `text`, or 0. */
function typeLine(text: string | undefined, type: string): number {
  if (text === undefined) return 0;
  const m = new RegExp(`"type"\\s*:\\s*${JSON.stringify(type).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(
    text,
  );
  return m === null ? 0 : lineColumn(text, m.index).line;
}

/** See the file comment. One instance per config build. */
export class RouteFactory {
  private readonly poolJson: Record<string, unknown>;
  /** Pool JSON after `inherit` is resolved, by name (mcrouter's `PoolFactory`). */
  private readonly resolvedPoolJson = new Map<string, { json: unknown; path: string }>();
  private readonly poolsResolving = new Set<string>();
  private readonly pools = new Map<string, Pool>();
  private readonly poolsBuilding = new Set<string>();
  private readonly namedJson = new Map<string, { json: unknown; path: string }>();
  private readonly named = new Map<string, RouteHandle[]>();
  private readonly namedBuilding = new Set<string>();
  /** Destinations referenced by this config. */
  readonly destinations = new Set<Destination>();
  /** Absolute paths of the `file:` pool files read while building (for reload watching). */
  readonly files: string[] = [];
  /** The host id routes use (see `RouteFactoryOptions.hostId`). */
  readonly hostId: number;
  /** Shared counters. */
  readonly stats: ProxyStats;
  /** The asynclog spool, or null when asynclog is disabled. */
  readonly asyncLog: AsyncLogSink | null;
  /** The process memory budget (see `RouteFactoryOptions.memory`), or null. */
  readonly memory: MemoryBudget | null;

  /**
   * @param pools the config's `pools` object (may be empty)
   * @param namedHandles the config's `named_handles` (array or object form), or undefined
   * @param builders route builders by type name
   */
  constructor(
    pools: unknown,
    namedHandles: unknown,
    /** Where servers' connections live; a nested router (CarbonLookasideRoute's flavor) shares it. */
    readonly destinationMap: DestinationMap,
    readonly options: RouteFactoryOptions,
    private readonly builders: ReadonlyMap<string, RouteBuilder>,
  ) {
    if (pools !== undefined && !isObject(pools))
      throw new ConfigError('pools', 'expected an object of pools');
    this.poolJson = pools ?? {};
    this.hostId = effectiveHostId(options.hostId);
    this.stats = options.stats ?? new ProxyStats();
    this.asyncLog = options.asyncLog ?? null;
    this.memory = options.memory ?? null;
    this.registerNamedHandles(namedHandles);
  }

  /**
   * Every pool: those defined in `pools` in config order (built even if no route references
   * them), then inline pools.
   */
  allPools(): Map<string, Pool> {
    const out = new Map<string, Pool>();
    for (const name of Object.keys(this.poolJson)) out.set(name, this.pool(name, childPath('pools', name)));
    for (const [name, pool] of this.pools) if (!out.has(name)) out.set(name, pool);
    return out;
  }

  /**
   * Builds exactly one handle.
   * @throws ConfigError when `json` expands to zero or several handles
   */
  create(json: unknown, path: string): RouteHandle {
    const list = this.createList(json, path);
    if (list.length !== 1) {
      throw new ConfigError(path, `expected exactly one route, got ${list.length}`);
    }
    return list[0] as RouteHandle;
  }

  /** Builds a handle, or null for an absent or empty (`""`) value. */
  createOptional(json: unknown, path: string): RouteHandle | null {
    if (json === undefined || json === null || json === '') return null;
    return this.create(json, path);
  }

  /** Builds the list of handles `json` expands to (arrays flattened, `Pool|A` per server). */
  createList(json: unknown, path: string): RouteHandle[] {
    if (Array.isArray(json)) {
      const out: RouteHandle[] = [];
      json.forEach((item, i) => out.push(...this.createList(item, childPath(path, i))));
      return out;
    }
    if (typeof json === 'string') return this.fromString(json, path);
    if (isObject(json)) return this.fromObject(json, path);
    throw new ConfigError(path, 'expected a route: a string, an object with "type", or an array');
  }

  /**
   * A pool by name, or an inline pool object (`{"name": ..., "servers": [...]}`), as mcrouter's
   * `PoolFactory` resolves them (`mcrouter/routes/McRouteHandleProvider.cpp`): a name from `pools`; a name `file:<path>` read from
   * that JSON file (absolute, or relative to the working directory, as mcrouter); `inherit`
   * copies every key the pool does not set from the named pool (itself resolved the same way).
   * An inline pool whose name is already known is that pool.
   * @throws ConfigError for an unknown pool, an unreadable pool file, an inheritance cycle, or bad
   *   pool options
   */
  pool(ref: unknown, path: string): Pool {
    let name: string;
    if (typeof ref === 'string') {
      name = ref;
    } else if (isObject(ref)) {
      const n = ref.name;
      if (typeof n !== 'string' || n === '') {
        throw new ConfigError(path, 'an inline pool needs a "name"');
      }
      name = n;
      if (!this.resolvedPoolJson.has(name) && !(name in this.poolJson)) {
        this.resolvedPoolJson.set(name, { json: this.resolveInherit(name, ref, path), path });
      }
    } else {
      throw new ConfigError(path, 'expected a pool name or a pool object');
    }
    const known = this.pools.get(name);
    if (known !== undefined) return known;
    const resolved = this.poolJsonFor(name, path);
    return this.buildPool(name, resolved.json, resolved.path);
  }

  /** The pool's JSON with `inherit` applied. */
  private poolJsonFor(name: string, refPath: string): { json: unknown; path: string } {
    const done = this.resolvedPoolJson.get(name);
    if (done !== undefined) return done;
    let json: unknown;
    let path: string;
    if (name in this.poolJson) {
      json = this.poolJson[name];
      path = childPath('pools', name);
    } else if (name.startsWith('file:')) {
      json = this.readPoolFile(name, refPath);
      path = name;
    } else {
      throw new ConfigError(refPath, `unknown pool ${JSON.stringify(name)}`);
    }
    const out = { json: this.resolveInherit(name, json, path), path };
    this.resolvedPoolJson.set(name, out);
    return out;
  }

  private resolveInherit(name: string, json: unknown, path: string): unknown {
    if (!isObject(json) || json.inherit === undefined) return json;
    const parentName = json.inherit;
    const p = childPath(path, 'inherit');
    if (typeof parentName !== 'string') throw new ConfigError(p, `Pool ${name}: inherit is not a string`);
    if (this.poolsResolving.has(name)) throw new ConfigError(p, 'Cycle in pool inheritance');
    this.poolsResolving.add(name);
    try {
      const parent = this.poolJsonFor(parentName, p).json;
      const merged: Record<string, unknown> = isObject(parent) ? { ...parent } : {};
      for (const [k, v] of Object.entries(json)) merged[k] = v;
      delete merged.inherit;
      return merged;
    } finally {
      this.poolsResolving.delete(name);
    }
  }

  private readPoolFile(name: string, refPath: string): unknown {
    const file = resolve(name.slice(5));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        refPath,
        `Can not read pool: ${name} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    if (!this.files.includes(file)) this.files.push(file);
    try {
      return parseJsonc(text, file);
    } catch (err) {
      throw new ConfigError(refPath, `pool ${name}: ${(err as Error).message}`);
    }
  }

  private buildPool(name: string, json: unknown, path: string): Pool {
    if (this.poolsBuilding.has(name))
      throw new ConfigError(path, `pool ${JSON.stringify(name)} refers to itself`);
    this.poolsBuilding.add(name);
    try {
      const opts = parsePoolOptions(json, path);
      const timeoutMs = opts.server_timeout ?? this.options.serverTimeoutMs;
      const connectTimeoutMs = opts.connect_timeout ?? timeoutMs;
      const keepRoutingPrefix = opts.keep_routing_prefix ?? false;
      // mcrouter (McRouteHandleProvider.cpp): security_mech wins over the deprecated use_ssl.
      const securityMech = opts.security_mech ?? (opts.use_ssl === true ? 'ssl' : 'plain');
      const routes: RouteHandle[] = [];
      const members: TkoTracker[] = [];
      const domains = opts.failure_domains;
      if (domains !== undefined && domains.length !== opts.servers.length) {
        throw new ConfigError(
          childPath(path, 'failure_domains'),
          `failure_domains expected to be of the same size as servers, expected ${opts.servers.length}, got ${domains.length}`,
        );
      }
      opts.servers.forEach((entry, i) => {
        const p = childPath(childPath(path, 'servers'), i);
        if (isObject(entry)) {
          routes.push(this.create(entry, p));
          return;
        }
        if (typeof entry !== 'string') throw new ConfigError(p, 'expected a server string "host:port"');
        let address;
        try {
          address = parseServerAddress(entry, securityMech, opts.port_override);
        } catch (err) {
          throw new ConfigError(p, (err as Error).message);
        }
        const dest = this.destinationMap.get({
          address,
          timeoutMs,
          connectTimeoutMs,
          timeoutsUntilTko: opts.timeouts_until_tko,
        });
        this.destinations.add(dest);
        members.push(dest.tracker);
        routes.push(new DestinationRoute(dest, name, i, keepRoutingPrefix, null, domains?.[i] ?? 0));
      });
      let weights: number[] | null = null;
      if (opts.weights !== undefined) {
        weights = opts.weights.slice(0, routes.length);
        // mcrouter logs "CONFIG IS BROKEN" and uses 0.5 for missing weights.
        while (weights.length < routes.length) weights.push(0.5);
      }
      let tko: Pool['tko'] = null;
      if (opts.tko_tracker !== undefined) {
        const { upper, lower } = tkoThresholds(opts.tko_tracker, members.length);
        tko = { tracker: new PoolTkoTracker(name, upper, lower), members };
      }
      const pool: Pool = {
        name,
        destinationRoutes: routes,
        timeoutMs,
        connectTimeoutMs,
        keepRoutingPrefix,
        weights,
        errorOnEmpty: opts.error_on_empty ?? true,
        tko,
      };
      this.pools.set(name, pool);
      return pool;
    } finally {
      this.poolsBuilding.delete(name);
    }
  }

  private fromString(s: string, path: string): RouteHandle[] {
    if (s === '') return [];
    const cached = this.named.get(s);
    if (cached !== undefined) return cached;
    const named = this.namedJson.get(s);
    if (named !== undefined) return this.buildNamed(s, named.json, named.path, path);
    const bar = s.indexOf('|');
    const type = bar < 0 ? s : s.slice(0, bar);
    const rest = bar < 0 ? null : s.slice(bar + 1);
    let list: RouteHandle[];
    if (type === 'Pool') {
      if (rest === null) throw new ConfigError(path, '"Pool" needs a pool name: "Pool|<name>"');
      list = [...this.pool(rest, path).destinationRoutes];
    } else {
      list = this.build(type, rest, path);
    }
    this.named.set(s, list);
    return list;
  }

  private fromObject(obj: Record<string, unknown>, path: string): RouteHandle[] {
    const type = obj.type;
    if (typeof type !== 'string')
      throw new ConfigError(childPath(path, 'type'), 'a route object needs a string "type"');
    // `{"type": "Pool", "name": …, "servers": …}`: an inline pool's servers, one handle each, as
    // `Pool|<name>` (`McRouteHandleProvider<RouterInfo>::create` in
    // `mcrouter/routes/McRouteHandleProvider-inl.h`).
    if (type === 'Pool') return [...this.pool(obj, path).destinationRoutes];
    const name = obj.name;
    if (typeof name === 'string') {
      const cached = this.named.get(name);
      if (cached !== undefined) return cached;
    }
    const list = this.build(type, obj, path);
    if (typeof name === 'string') this.named.set(name, list);
    return list;
  }

  private build(type: string, json: unknown, path: string): RouteHandle[] {
    const builder = this.builders.get(type);
    if (builder === undefined) {
      // mcrouter's wording, with the line of the `"type"` in the file when it is found there
      // (`McRouteHandleProvider<RouterInfo>::create`, `mcrouter/routes/McRouteHandleProvider-inl.h`).
      const line = typeLine(this.options.sourceText, type);
      throw new ConfigError(
        path,
        `Unknown RouteHandle: ${type}${line > 0 ? ` line: ${line}` : ''} (and no named handle by that name)`,
      );
    }
    const built = builder(this, json, path);
    return Array.isArray(built) ? [...(built as readonly RouteHandle[])] : [built as RouteHandle];
  }

  private registerNamedHandles(json: unknown): void {
    if (json === undefined) return;
    if (Array.isArray(json)) {
      json.forEach((item, i) => {
        const p = childPath('named_handles', i);
        if (!isObject(item) || typeof item.name !== 'string')
          throw new ConfigError(p, 'a named handle needs a "name"');
        this.namedJson.set(item.name, { json: item, path: p });
      });
      // mcrouter builds the array form at once (`factory.create` per entry), the object form on
      // first reference.
      json.forEach((item, i) => this.createList(item, childPath('named_handles', i)));
      return;
    }
    if (!isObject(json)) throw new ConfigError('named_handles', 'expected an array or an object');
    for (const [name, value] of Object.entries(json)) {
      const p = childPath('named_handles', name);
      let item = value;
      if (isObject(value)) {
        if (value.name === undefined) item = { ...value, name };
        else if (value.name !== name)
          throw new ConfigError(p, `Ambiguous RouteHandle name: ${name} vs ${JSON.stringify(value.name)}`);
      }
      this.namedJson.set(name, { json: item, path: p });
    }
  }

  private buildNamed(name: string, json: unknown, path: string, refPath: string): RouteHandle[] {
    if (this.namedBuilding.has(name))
      throw new ConfigError(refPath, `named handle ${JSON.stringify(name)} refers to itself`);
    this.namedBuilding.add(name);
    try {
      const list = this.createList(json, path);
      this.named.set(name, list);
      return list;
    } finally {
      this.namedBuilding.delete(name);
    }
  }

  /** An ErrorRoute for a pool without servers (`HashRoute with empty children, name: <pool>`). */
  static emptyPoolRoute(poolName: string): RouteHandle {
    return new ErrorRoute(`HashRoute with empty children, name: ${poolName}`);
  }
}
