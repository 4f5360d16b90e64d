/**
 * Pools (`mcrouter/routes/McRouteHandleProvider.cpp`, `makePool` in `mcrouter/routes/McRouteHandleProvider-inl.h`): a named list of
 * servers with their timeouts and key handling. A pool's servers become one DestinationRoute each
 * (`Pool|name`), sharing destinations process-wide.
 */
import { z } from 'zod';
import { parseWith, timeoutMs } from './schema.js';
import type { RouteHandle } from '../routes/route-handle.js';
import { parseSecurityMech } from './server-address.js';
import type { PoolTkoTracker, TkoTracker } from '../destination/tko-tracker.js';

/** A pool as the route factory uses it. */
export interface Pool {
  readonly name: string;
  /** One leaf handle per server, in config order (`Pool|name`). */
  readonly destinationRoutes: readonly RouteHandle[];
  /** Server timeout, ms. */
  readonly timeoutMs: number;
  /** Connect timeout, ms. */
  readonly connectTimeoutMs: number;
  readonly keepRoutingPrefix: boolean;
  /** `weights` (switches PoolRoute to WeightedCh3), or null. */
  readonly weights: readonly number[] | null;
  /** False → an empty pool routes as NullRoute instead of an error. */
  readonly errorOnEmpty: boolean;
  /** The pool's `tko_tracker` fail-open rule and its servers' trackers, or null. */
  readonly tko: { readonly tracker: PoolTkoTracker; readonly members: readonly TkoTracker[] } | null;
}

const tkoTrackerSchema = z
  .looseObject({
    num_tko_threshold_upper: z.int().min(1).optional(),
    num_tko_threshold_lower: z.int().min(0).optional(),
    percent_tko_threshold_upper: z.number().min(0).max(100).optional(),
    percent_tko_threshold_lower: z.number().min(0).max(100).optional(),
  })
  .refine(
    (t) =>
      (t.num_tko_threshold_upper !== undefined && t.num_tko_threshold_lower !== undefined) !==
      (t.percent_tko_threshold_upper !== undefined && t.percent_tko_threshold_lower !== undefined),
    'give num_tko_threshold_upper and _lower, or percent_tko_threshold_upper and _lower',
  )
  .refine(
    (t) =>
      (t.num_tko_threshold_lower ?? t.percent_tko_threshold_lower ?? 0) <=
      (t.num_tko_threshold_upper ?? t.percent_tko_threshold_upper ?? 0),
    'the lower threshold must not exceed the upper one',
  );

/**
 * Turns a pool's `tko_tracker` into (upper, lower) server counts for `size` servers; percentages
 * round up (at least one server).
 */
export function tkoThresholds(
  t: z.output<typeof tkoTrackerSchema>,
  size: number,
): { upper: number; lower: number } {
  if (t.num_tko_threshold_upper !== undefined) {
    return { upper: t.num_tko_threshold_upper, lower: t.num_tko_threshold_lower ?? 0 };
  }
  const pct = (p: number | undefined): number => Math.ceil(((p ?? 0) * size) / 100);
  return {
    upper: Math.max(1, pct(t.percent_tko_threshold_upper)),
    lower: pct(t.percent_tko_threshold_lower),
  };
}

/** The pool options we read; other keys are ignored, as in mcrouter. */
export const poolSchema = z.looseObject({
  servers: z.array(z.unknown(), 'expected "servers": an array of server strings'),
  server_timeout: timeoutMs.optional(),
  connect_timeout: timeoutMs.optional(),
  keep_routing_prefix: z.boolean('expected a boolean').optional(),
  weights: z
    .array(z.number().min(0, 'weights must be in [0, 1]').max(1, 'weights must be in [0, 1]'))
    .optional(),
  protocol: z
    .string()
    .refine((p) => p.toLowerCase() === 'ascii', 'only the ascii protocol is supported')
    .optional(),
  error_on_empty: z.boolean('expected a boolean').optional(),
  /** mcrouter's pool-wide default for server strings that name no mechanism (docs/tls.md). */
  security_mech: z
    .string('expected a string: plain, ssl or tls')
    .transform((m, ctx) => {
      try {
        return parseSecurityMech(m);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  /** mcrouter's deprecated form of `security_mech: "ssl"`. */
  use_ssl: z.boolean('expected a boolean').optional(),
  /** Every server's port (servers may then omit it), `mcrouter/lib/network/AccessPoint.cpp`. */
  port_override: z
    .int('port_override is not an integer')
    .min(1, 'port_override must be in [1, 65535]')
    .max(65535, 'port_override must be in [1, 65535]')
    .optional(),
  name: z.string().optional(),
  /** One failure domain per server (`mcrouter/routes/McRouteHandleProvider-inl.h`), read by DeterministicOrderPolicy. */
  failure_domains: z
    .array(z.int('failure domains must be integers'), 'failure_domains is not an array')
    .optional(),
  tko_tracker: tkoTrackerSchema.optional(),
  /** Our extension (docs/failures.md): `--timeouts-until-tko` for this pool's destinations. */
  timeouts_until_tko: z
    .int('timeouts_until_tko is not an integer')
    .min(1, 'timeouts_until_tko must be ≥ 1')
    .optional(),
});

/** Parsed pool options. */
export type PoolOptions = z.output<typeof poolSchema>;

/** Validates a pool object. @throws ConfigError with the JSON path */
export function parsePoolOptions(json: unknown, path: string): PoolOptions {
  return parseWith(poolSchema, json, path);
}
