/**
 * LatencyInjectionRoute: delays requests on their way to `child` and replies on their way back
 * (`mcrouter/routes/LatencyInjectionRoute.h`), to test how clients and routes above cope with a
 * slow server.
 *
 * - `before_latency_ms`: wait before the request goes to the child;
 * - `after_latency_ms`: wait after the child's reply;
 * - `total_latency_ms`: if the request took less than this in all (both waits included), wait out
 *   the rest before replying; `total_latency_percentile_ms` (`[[percentile, ms], …]`, percentiles
 *   strictly increasing in (0, 100]) draws the total per request instead: a uniform r in [0, 100)
 *   picks the first entry with r < percentile, else the last. A fixed total wins.
 * - `request_payload_latency`, `max_request_latency_us`: accepted; they read latencies carried in
 *   the request, which memcached's protocols have no field for, so they inject nothing.
 *
 * With no latency at all the route is its child (mcrouter optimizes it away). Each delayed
 * request holds one timer; the waits are not counted in any stat.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** Latencies of one LatencyInjectionRoute, ms. */
export interface LatencySettings {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly totalMs: number;
  /** `[percentile, ms]` pairs, percentiles strictly increasing in (0, 100]; empty = none. */
  readonly totalPercentiles: readonly (readonly [number, number])[];
}

/** One request's trip through the route. */
class Delayed implements ReplySink {
  private readonly start = performance.now();
  private reply: McReply | null = null;

  constructor(
    private readonly route: LatencyInjectionRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  send(): void {
    this.route.child.route(this.req, this);
  }

  onReply(reply: McReply): void {
    this.reply = reply;
    const after = this.route.settings.afterMs;
    if (after > 0)
      setTimeout(() => {
        this.finish();
      }, after);
    else this.finish();
  }

  private finish(): void {
    const reply = this.reply as McReply;
    const total = this.route.sampleTotalMs();
    const rest = total - (performance.now() - this.start);
    if (rest > 0)
      setTimeout(() => {
        this.sink.onReply(reply);
      }, rest);
    else this.sink.onReply(reply);
  }
}

/** See the file comment. */
export class LatencyInjectionRoute implements RouteHandle {
  readonly name: string;

  constructor(
    readonly child: RouteHandle,
    readonly settings: LatencySettings,
  ) {
    const s = settings;
    this.name =
      `latency-injection|before:${s.beforeMs}ms|after:${s.afterMs}ms|total:${s.totalMs}ms|` +
      `total_pctl_points:${s.totalPercentiles.length}|request_payload:false|max_request_latency_us:0`;
  }

  route(req: McRequest, sink: ReplySink): void {
    const trip = new Delayed(this, req, sink);
    const before = this.settings.beforeMs;
    if (before > 0)
      setTimeout(() => {
        trip.send();
      }, before);
    else trip.send();
  }

  /** The total latency for one request, ms (0 = none). */
  sampleTotalMs(): number {
    const { totalMs, totalPercentiles } = this.settings;
    if (totalMs > 0 || totalPercentiles.length === 0) return totalMs;
    const r = Math.random() * 100;
    for (const [pct, ms] of totalPercentiles) if (r < pct) return ms;
    return (totalPercentiles.at(-1) as readonly [number, number])[1];
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.child, req, visit, depth);
  }
}

const ms = (name: string): z.ZodInt => z.int(`LatencyInjectionRoute: '${name}' must be an integer.`);

const schema = z
  .looseObject({
    child: z.unknown().refine((v) => v !== undefined, "LatencyInjectionRoute: 'child' property is missing."),
    before_latency_ms: ms('before_latency_ms').optional(),
    after_latency_ms: ms('after_latency_ms').optional(),
    total_latency_ms: ms('total_latency_ms').optional(),
    request_payload_latency: z
      .boolean("LatencyInjectionRoute: 'request_payload_latency' is not a bool")
      .optional(),
    max_request_latency_us: z.int("LatencyInjectionRoute: 'max_request_latency_us' is not an int").optional(),
    total_latency_percentile_ms: z
      .array(
        z.tuple(
          [
            z.number().gt(0, 'percentile must be in (0, 100]').max(100, 'percentile must be in (0, 100]'),
            z.int().min(0, 'latency_ms must be non-negative'),
          ],
          'each entry must be a [percentile, latency_ms] array',
        ),
        "LatencyInjectionRoute: 'total_latency_percentile_ms' must be an array.",
      )
      .refine(
        (a) => a.every((e, i) => i === 0 || e[0] > (a[i - 1] as [number, number])[0]),
        'percentiles must be strictly increasing',
      )
      .optional(),
  })
  .refine(
    (o) =>
      o.before_latency_ms !== undefined ||
      o.after_latency_ms !== undefined ||
      o.total_latency_ms !== undefined ||
      o.request_payload_latency !== undefined ||
      o.total_latency_percentile_ms !== undefined,
    "LatencyInjectionRoute must specify either 'before_latency_ms', 'after_latency_ms', " +
      "'total_latency_ms', 'total_latency_percentile_ms' or 'request_payload_latency'",
  );

/** `LatencyInjectionRoute`: `{child, before_latency_ms, after_latency_ms, total_latency_ms, …}`. */
export const buildLatencyInjectionRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const child = factory.create(o.child, childPath(path, 'child'));
  const settings: LatencySettings = {
    beforeMs: Math.max(0, o.before_latency_ms ?? 0),
    afterMs: Math.max(0, o.after_latency_ms ?? 0),
    totalMs: Math.max(0, o.total_latency_ms ?? 0),
    totalPercentiles: o.total_latency_percentile_ms ?? [],
  };
  if (
    settings.beforeMs === 0 &&
    settings.afterMs === 0 &&
    settings.totalMs === 0 &&
    settings.totalPercentiles.length === 0
  ) {
    return child;
  }
  return new LatencyInjectionRoute(child, settings);
};
