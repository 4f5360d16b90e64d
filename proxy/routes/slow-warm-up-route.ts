/**
 * SlowWarmUpRoute: PoolRoute's `slow_warmup` (`mcrouter/routes/SlowWarmUpRoute.h`,
 * `mcrouter/routes/SlowWarmUpRouteSettings.cpp`, wired in `mcrouter/routes/PoolRouteUtils.h`).
 * One per server of the pool: it counts the server's hits and misses (every request's reply), and
 * while the server is cold sends only a fraction of the gets to it; the others go straight to
 * `failoverTarget` (usually a miss, so that a FailoverRoute around the pool moves on).
 *
 * - hit rate = hits / (hits + misses), or 1 (warm) before `min_requests` (100) replies;
 * - the server starts warming up when the hit rate falls below `enable_threshold` and stops when
 *   it rises to `disable_threshold` (enable < disable, both in [0, 1]);
 * - while warming up, a get is sent to the server with probability `start + step × hitRate`
 *   (`start` 0.1 in (0, 1), `step` 1 in (0, 100)).
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isGetLike } from '../protocol/op.js';
import { Result, isHitResult } from '../protocol/result.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** `SlowWarmUpRouteSettings`. */
export interface SlowWarmUpSettings {
  readonly enableThreshold: number;
  readonly disableThreshold: number;
  /** Fraction of gets sent to a server whose hit rate is 0. */
  readonly start: number;
  /** Added to `start` per unit of hit rate. */
  readonly step: number;
  /** Replies counted before the hit rate is computed. */
  readonly minRequests: number;
}

/**
 * Counts one reply of the server, then passes it on to the request's sink. Reused: it goes back to
 * its route's free list when the reply arrived (a route calls `onReply` exactly once), so a request
 * through the route allocates nothing once as many are in flight as ever were.
 */
class CountingSink implements ReplySink {
  /** The sink of the request in flight; null while the object is free. */
  sink: ReplySink | null = null;

  constructor(private readonly route: SlowWarmUpRoute) {}

  onReply(reply: McReply): void {
    const sink = this.sink;
    if (sink === null) return;
    this.sink = null;
    this.route.count(reply.result, this);
    sink.onReply(reply);
  }
}

/** Free `CountingSink`s a route keeps, at most (more in flight at once are left to the GC). */
const MAX_FREE_SINKS = 1024;

/** See the file comment. */
export class SlowWarmUpRoute implements RouteHandle {
  readonly name = 'slow-warmup';
  private hits = 0;
  private misses = 0;
  private warming = false;
  /** `CountingSink`s whose reply arrived, for the next requests. */
  private readonly freeSinks: CountingSink[] = [];

  constructor(
    readonly target: RouteHandle,
    readonly failoverTarget: RouteHandle,
    readonly settings: SlowWarmUpSettings,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    if (isGetLike(req.op) && this.warmingUp() && !this.shouldSend()) {
      this.failoverTarget.route(req, sink);
      return;
    }
    const counting = this.freeSinks.pop() ?? new CountingSink(this);
    counting.sink = sink;
    this.target.route(req, counting);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.target, req, visit, depth);
    traverseOne(this.failoverTarget, req, visit, depth);
  }

  /** Counts a reply of the server (a hit, a miss, or neither) and takes back its `sink`. */
  count(result: Result, sink: CountingSink): void {
    if (isHitResult(result)) this.hits++;
    else if (result === Result.NotFound) this.misses++;
    if (this.freeSinks.length < MAX_FREE_SINKS) this.freeSinks.push(sink);
  }

  private hitRate(): number {
    const total = this.hits + this.misses;
    return total < this.settings.minRequests ? 1 : this.hits / total;
  }

  private warmingUp(): boolean {
    const s = this.settings;
    this.warming = this.hitRate() < (this.warming ? s.disableThreshold : s.enableThreshold);
    return this.warming;
  }

  private shouldSend(): boolean {
    return Math.random() <= this.settings.start + this.hitRate() * this.settings.step;
  }
}

const unit = (name: string) =>
  z
    .number({
      error: (iss) =>
        iss.input === undefined
          ? `SlowWarmUpSettings: Couldn't find '${name}' in config`
          : `SlowWarmUpSettings: '${name}' must be a number`,
    })
    .min(0, `SlowWarmUpSettings: '${name}' must be a double in [0,1] range`)
    .max(1, `SlowWarmUpSettings: '${name}' must be a double in [0,1] range`);

const settingsSchema = z
  .looseObject({
    enable_threshold: unit('enable_threshold'),
    disable_threshold: unit('disable_threshold'),
    start: z
      .number("SlowWarmUpSettings: 'start' must be a number")
      .gt(0, "SlowWarmUpSettings: 'start' must be a double in (0,1) range")
      .lt(1, "SlowWarmUpSettings: 'start' must be a double in (0,1) range")
      .optional(),
    step: z
      .number("SlowWarmUpSettings: 'step' must be a number")
      .gt(0, "SlowWarmUpSettings: 'step' must be in the (0,100) range")
      .lt(100, "SlowWarmUpSettings: 'step' must be in the (0,100) range")
      .optional(),
    min_requests: z
      .int("SlowWarmUpSettings: 'min_requests' must be an integer")
      .min(0, "SlowWarmUpSettings: 'min_requests' must be nonnegative")
      .optional(),
  })
  .refine(
    (o) => o.enable_threshold < o.disable_threshold,
    "SlowWarmUpSettings: 'enable_threshold' must be strictly less than 'disable_threshold'.",
  );

/** mcrouter's defaults (`SlowWarmUpRouteSettings.h`). */
const DEFAULTS: SlowWarmUpSettings = {
  enableThreshold: 0.7,
  disableThreshold: 0.9,
  start: 0.1,
  step: 1,
  minRequests: 100,
};

/**
 * Puts each of `servers` behind a SlowWarmUpRoute for PoolRoute's `slow_warmup`
 * `{"failoverTarget": route, "settings": {...}}` (`wrapPoolDestinations`).
 * @param path JSON path of `slow_warmup`
 * @throws ConfigError naming the path and mcrouter's reason
 */
export function wrapSlowWarmUp(
  factory: RouteFactory,
  json: unknown,
  servers: readonly RouteHandle[],
  path: string,
): RouteHandle[] {
  if (!isObject(json)) throw new ConfigError(path, 'slow_warmup must be a json object');
  if (json.failoverTarget === undefined)
    throw new ConfigError(path, "couldn't find 'failoverTarget' property in slow_warmup");
  const failoverTarget = factory.create(json.failoverTarget, childPath(path, 'failoverTarget'));
  let settings = DEFAULTS;
  if (json.settings !== undefined) {
    const p = childPath(path, 'settings');
    if (!isObject(json.settings))
      throw new ConfigError(p, "'settings' in slow_warmup must be a json object.");
    const o = parseWith(settingsSchema, json.settings, p);
    settings = {
      enableThreshold: o.enable_threshold,
      disableThreshold: o.disable_threshold,
      start: o.start ?? DEFAULTS.start,
      step: o.step ?? DEFAULTS.step,
      minRequests: o.min_requests ?? DEFAULTS.minRequests,
    };
  }
  return servers.map((s) => new SlowWarmUpRoute(s, failoverTarget, settings));
}
