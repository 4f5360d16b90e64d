/**
 * CarbonLookasideRoute (`mcrouter/routes/CarbonLookasideRoute.h`, `CarbonLookasideRoute.cpp`,
 * `McRouteHandleProvider-CarbonLookasideRoute.cpp`): a look-aside cache in front of `child`, kept
 * in memcached through a second router described by a flavor file.
 *
 * Config: `{"type": "CarbonLookasideRoute", "child": <route>, "ttl": <int>, "ttl_unit_ms": false,
 * "prefix": "", "flavor": "file:<path>" | "<path>", "flavor_overrides": {...}, "key_split_size": 1,
 * "lease_settings": {...}, "helper_config": {...}}`.
 *
 * The flavor is an mcrouter flavor file, `{"options": {"config": "file:<config>", ...}}`: its
 * `config` (or `config_file` / `config_str`) is a whole mcrouter config (pools and routes of its
 * own) that the lookaside requests go through; `server_timeout_ms` and `default_route` apply to that
 * router, as in mcrouter. Its other options are process settings that the lookaside shares with this
 * proxy here (workers, TKO tracking, logging), listed in `SHARED_FLAVOR_OPTIONS`; any other option is
 * a config error. The flavor file and the config it names are watched like the main config.
 *
 * Per request, as mcrouter's memcache helper does for a get:
 * 1. a `get` (ASCII or binary; not gets/gat/gats or meta gets, which carry CAS or TTL data a
 *    cached copy cannot give) is looked up under the lookaside key `prefix + key` (+ `:ks<hostid %
 *    key_split_size>` when `key_split_size` > 1; + `:<ms bucket>` with `ttl_unit_ms`) through the
 *    flavor's router; a hit is the reply;
 * 2. otherwise the request goes to `child`; a hit from `child` is stored under the lookaside key in
 *    the background (`set`, the child's value and flags, exptime `ttl` seconds — or 1 s with
 *    `ttl_unit_ms`, where the key's ms bucket of width `ttl` gives the sub-second lifetime);
 * 3. every other request goes to `child` unchanged.
 * Differences from mcrouter (docs/config.md, "CarbonLookasideRoute"): mcrouter stores a carbon-serialized reply, for every
 * keyed request and for misses too; here only get hits are cached, as plain values, so a lookaside
 * entry is the item itself. `lease_settings.enable_leases: true` is a config error: memcached has
 * no lease-get/lease-set. A flavor that cannot be read is a config error (mcrouter logs it and
 * routes straight to `child`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { isHitResult } from '../protocol/result.js';
import { ConfigError } from '../errors.js';
import type { RouteBuilder, RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { parseJsonc } from '../config/jsonc.js';
import { readConfigSource } from '../config/config-source.js';
import { buildConfig } from '../config/proxy-config.js';
import { DISCARD_SINK, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** mcrouter's name for the memcache helper (`McRouteHandleProvider-CarbonLookasideRoute.cpp`). */
const HELPER_NAME = 'MemcacheCarbonLookasideHelper';

/** A get through the lookaside, then `child`. */
class LookasideGet implements ReplySink {
  private fromChild = false;

  constructor(
    private readonly route: CarbonLookasideRoute,
    private readonly req: McRequest,
    private readonly key: Buffer,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    const route = this.route;
    if (!this.fromChild) {
      if (isHitResult(reply.result)) {
        this.sink.onReply(reply);
        return;
      }
      this.fromChild = true;
      route.child.route(this.req, this);
      return;
    }
    if (isHitResult(reply.result)) route.store(this.key, reply);
    this.sink.onReply(reply);
  }
}

/** See the file comment. */
export class CarbonLookasideRoute implements RouteHandle {
  readonly name: string;
  private readonly prefix: Buffer;
  private readonly suffix: Buffer;
  /** Exptime of lookaside entries, seconds. */
  private readonly exptime: number;

  /**
   * @param child the route the lookaside is in front of
   * @param lookaside the flavor's router (its RootRoute)
   * @param prefix prepended to the key (latin1 bytes)
   * @param keySuffix `:ks<n>` for `key_split_size` > 1, else ''
   * @param ttl lifetime of an entry: seconds, or ms (10..999, dividing 1000) with `subSecondTtl`
   * @param subSecondTtl `ttl_unit_ms`
   */
  constructor(
    readonly child: RouteHandle,
    readonly lookaside: RouteHandle,
    prefix: string,
    keySuffix: string,
    private readonly ttl: number,
    private readonly subSecondTtl: boolean,
  ) {
    this.prefix = Buffer.from(prefix, 'latin1');
    this.suffix = Buffer.from(keySuffix, 'latin1');
    this.exptime = subSecondTtl ? 1 : ttl;
    this.name = `lookaside-cache|name=${HELPER_NAME}|ttl=${ttl}${subSecondTtl ? 'm' : ''}s|leases=false`;
  }

  route(req: McRequest, sink: ReplySink): void {
    if (req.op !== Op.Get || req.meta !== null) {
      this.child.route(req, sink);
      return;
    }
    const key = this.lookasideKey(req.key);
    this.lookaside.route(new McRequest(Op.Get, key), new LookasideGet(this, req, key, sink));
  }

  /** The lookaside key of `key` (mcrouter's `buildKey`). */
  lookasideKey(key: Buffer): Buffer {
    if (!this.subSecondTtl) return Buffer.concat([this.prefix, key, this.suffix]);
    // mcrouter's getSubSecondTtlKeySuffix: the bucket of width `ttl` ms within the current second.
    const bucket = Buffer.from(`:${Math.floor((Date.now() % 1000) / this.ttl)}`, 'latin1');
    return Buffer.concat([this.prefix, key, this.suffix, bucket]);
  }

  /** Stores the child's hit under `key`, in the background. */
  store(key: Buffer, hit: McReply): void {
    const req = new McRequest(Op.Set, key, hit.flags, this.exptime, hit.value ?? McRequest.EMPTY);
    this.lookaside.route(req, DISCARD_SINK);
  }

  /** As mcrouter: the dry run follows `child` only. */
  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.child, req, visit, depth);
  }
}

/**
 * Flavor options that are process settings of mcrouter's second router: here the lookaside runs
 * inside this proxy and shares its workers, TKO tracking, asynclog and logging, so they are accepted
 * and have no separate effect.
 */
export const SHARED_FLAVOR_OPTIONS: readonly string[] = [
  'asynclog_disable',
  'failures_until_tko',
  'timeouts_until_tko',
  'num_proxies',
  'probe_delay_initial_ms',
  'probe_delay_max_ms',
  'scuba_sample_period',
  'service_name',
  'router_name',
  'flavor_name',
  'stats_root',
  'log_path',
  'disable_reload_configs',
];
/** Flavor options that configure the lookaside router itself. */
const ROUTER_FLAVOR_OPTIONS = ['config', 'config_file', 'config_str', 'server_timeout_ms', 'default_route'];

const intValue = (what: string): z.ZodInt => z.int(`CarbonLookasideRoute: '${what}' is not an int`);
const leaseSchema = z.looseObject({
  enable_leases: z.boolean("CarbonLookasideRoute: 'enable_leases' is not bool").optional(),
  initial_wait_interval_ms: intValue('initial_wait_interval_ms').min(0).optional(),
  max_wait_interval_ms: intValue('max_wait_interval_ms').min(0).optional(),
  num_retries: intValue('num_retries').min(0).optional(),
});
const optionValue = z.union([z.string(), z.number(), z.boolean()]);
const schema = z.looseObject({
  child: z.unknown().refine((v) => v !== undefined, "CarbonLookasideRoute: 'child' property is missing"),
  ttl: z.unknown().refine((v) => v !== undefined, "CarbonLookasideRoute: 'ttl' property is missing"),
  ttl_unit_ms: z.boolean("CarbonLookasideRoute: 'ttl_unit_ms' is not a bool").optional(),
  prefix: z.string("CarbonLookasideRoute: 'prefix' is not a string").optional(),
  flavor: z.string("CarbonLookasideRoute: 'flavor' is not a string").optional(),
  flavor_overrides: z
    .record(z.string(), optionValue, "CarbonLookasideRoute: error parsing 'flavor_overrides'")
    .optional(),
  key_split_size: z
    .int("CarbonLookasideRoute: 'key_split_size' must be a positive integer")
    .min(1, "CarbonLookasideRoute: 'key_split_size' must be a positive integer")
    .optional(),
  lease_settings: z.unknown().optional(),
  helper_config: z.looseObject({}, "CarbonLookasideRoute: 'helper_config' is not an object").optional(),
});

/**
 * Reads a flavor file's `options` (mcrouter's `readLibmcrouterFlavor`, `mcrouter/flavor.cpp`): values
 * as strings. `flavor` is `file:<path>` or a path, relative to the working directory.
 * @throws ConfigError at `path`
 */
function readFlavorOptions(flavor: string, path: string): { file: string; options: Map<string, string> } {
  const file = resolve(flavor.startsWith('file:') ? flavor.slice(5) : flavor);
  let json: unknown;
  try {
    json = parseJsonc(readFileSync(file, 'utf8'), file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(path, `Can not read flavor ${file}: ${e.code ?? e.message}`);
  }
  const opts = isObject(json) ? json.options : undefined;
  if (!isObject(opts)) throw new ConfigError(path, `flavor ${file}: "options" is not an object`);
  const options = new Map<string, string>();
  for (const [k, v] of Object.entries(opts)) {
    if (!optionValue.safeParse(v).success)
      throw new ConfigError(path, `flavor ${file}: options.${k} is not a string`);
    options.set(k, String(v));
  }
  return { file, options };
}

/**
 * Builds the flavor's router: its config, with the flavor's `server_timeout_ms` and `default_route`
 * (mcrouter's defaults 1000 ms and `/././` otherwise). Its destinations and files join `factory`'s.
 * @throws ConfigError at `path`
 */
function buildLookasideRouter(
  factory: RouteFactory,
  flavor: string,
  overrides: Readonly<Record<string, string | number | boolean>>,
  path: string,
): RouteHandle {
  const { file, options } = readFlavorOptions(flavor, path);
  for (const [k, v] of Object.entries(overrides)) options.set(k, String(v));
  for (const k of options.keys()) {
    if (!ROUTER_FLAVOR_OPTIONS.includes(k) && !SHARED_FLAVOR_OPTIONS.includes(k)) {
      throw new ConfigError(path, `flavor ${file}: option ${k} is not supported by mcproxy`);
    }
  }
  const timeoutText = options.get('server_timeout_ms') ?? '1000';
  const serverTimeoutMs = Number(timeoutText);
  if (!Number.isInteger(serverTimeoutMs) || serverTimeoutMs < 1) {
    throw new ConfigError(
      path,
      `flavor ${file}: server_timeout_ms ${JSON.stringify(timeoutText)} is not a positive integer`,
    );
  }
  try {
    const source = readConfigSource({
      config: options.get('config') ?? '',
      configFile: options.get('config_file') ?? '',
      configStr: options.get('config_str') ?? '',
    });
    const config = buildConfig(source, factory.destinationMap, {
      routePrefix: options.get('default_route') ?? '/././',
      sendInvalidRouteToDefault: false,
      serverTimeoutMs,
      hostId: factory.hostId,
    });
    for (const d of config.destinations) factory.destinations.add(d);
    for (const f of [file, ...config.files]) if (!factory.files.includes(f)) factory.files.push(f);
    return config.root;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(path, `flavor ${file}: ${err.message}`);
  }
}

/** See the file comment. */
export const buildCarbonLookasideRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const child = factory.create(o.child, childPath(path, 'child'));
  const subSecondTtl = o.ttl_unit_ms === true;
  const ttl = o.ttl;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl)) {
    throw new ConfigError(childPath(path, 'ttl'), "CarbonLookasideRoute: 'ttl' is not an integer");
  }
  if (subSecondTtl && !(ttl >= 10 && ttl < 1000 && 1000 % ttl === 0)) {
    throw new ConfigError(
      childPath(path, 'ttl'),
      'CarbonLookasideRoute: for sub-second ttl, you must use a number that is >= 10, < 1000, and 1000 must be a multiple of ttl.',
    );
  }
  if (o.lease_settings !== undefined) {
    const leasePath = childPath(path, 'lease_settings');
    if (!isObject(o.lease_settings))
      throw new ConfigError(leasePath, "CarbonLookasideRoute: 'lease_settings' is not an object");
    const leases = parseWith(leaseSchema, o.lease_settings, leasePath);
    if (leases.enable_leases === true) {
      throw new ConfigError(
        childPath(leasePath, 'enable_leases'),
        'memcached has no lease-get/lease-set; set enable_leases to false',
      );
    }
  }
  const keySplitSize = o.key_split_size ?? 1;
  const keySuffix = keySplitSize > 1 ? `:ks${factory.hostId % keySplitSize}` : '';
  const lookaside = buildLookasideRouter(
    factory,
    o.flavor ?? 'web',
    o.flavor_overrides ?? {},
    childPath(path, 'flavor'),
  );
  return new CarbonLookasideRoute(child, lookaside, o.prefix ?? '', keySuffix, ttl, subSecondTtl);
};
