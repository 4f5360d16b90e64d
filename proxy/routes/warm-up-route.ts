/**
 * WarmUpRoute: serves reads from a "cold" route and fills it from a "warm" one on a miss
 * (`mcrouter/routes/WarmUpRoute.h`). In the co-located sidecar, cold is the local
 * memcached and warm the central ElastiCache pool.
 *
 * - get: cold; a hit is returned. Otherwise warm; if warm hits, an `add` of warm's value and flags
 *   goes to cold in the background (fire and forget). Warm's reply is returned, hit, miss or error.
 * - gets: cold; hit → returned. Otherwise warm `get`; on a hit a synchronous `add` to cold, then a
 *   second `gets` to cold whose reply (with a fresh cas) is returned. Otherwise cold's reply.
 * - gat/gats: like gets, but the fill uses the request's exptime and the re-read is gat/gats.
 * - everything else (set, delete, touch, incr, …) goes to cold only; warm is never written.
 *
 * Fill exptime: the configured `exptime` (seconds), else 0 — mcrouter OSS behaviour, since
 * memcached has no `metaget` (`mcrouter/routes/WarmUpRoute.h`).
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import {
  DISCARD_SINK,
  routeAsync,
  traverseOne,
  type RouteHandle,
  type RouteVisitor,
} from './route-handle.js';

const enum Stage {
  Cold,
  Warm,
}

/** Per-request state of a `get` through WarmUpRoute. */
class WarmUpGet implements ReplySink {
  private stage = Stage.Cold;

  constructor(
    private readonly route: WarmUpRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    if (this.stage === Stage.Cold) {
      if (reply.result === Result.Found) {
        this.sink.onReply(reply);
        return;
      }
      this.stage = Stage.Warm;
      this.route.warm.route(this.req, this);
      return;
    }
    if (reply.result === Result.Found) this.route.fillCold(this.req.key, reply);
    this.sink.onReply(reply);
  }
}

/** See the file comment. */
export class WarmUpRoute implements RouteHandle {
  readonly name = 'warm-up';

  /**
   * @param cold route read first and filled (local memcached)
   * @param warm route read on a cold miss (central pool)
   * @param exptime exptime of fills, seconds (0 = no expiry)
   */
  constructor(
    readonly cold: RouteHandle,
    readonly warm: RouteHandle,
    readonly exptime: number,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    switch (req.op) {
      case Op.Get:
        this.cold.route(req, new WarmUpGet(this, req, sink));
        return;
      case Op.Gets:
      case Op.Gat:
      case Op.Gats:
        void this.readThrough(req).then((reply) => {
          sink.onReply(reply);
        });
        return;
      default:
        this.cold.route(req, sink);
    }
  }

  /** Sends `add key` with a warm hit's value and flags to cold, in the background. */
  fillCold(key: Buffer, hit: McReply): void {
    const value = hit.value ?? McRequest.EMPTY;
    this.cold.route(new McRequest(Op.Add, key, hit.flags, this.exptime, value), DISCARD_SINK);
  }

  /** gets / gat / gats: synchronous fill, then re-read cold (`mcrouter/routes/WarmUpRoute.h` table). */
  private async readThrough(req: McRequest): Promise<McReply> {
    const coldReply = await routeAsync(this.cold, req);
    if (coldReply.result === Result.Found) return coldReply;
    const warmReply = await routeAsync(this.warm, new McRequest(Op.Get, req.key));
    if (warmReply.result !== Result.Found) return coldReply;
    const exptime = req.op === Op.Gets ? this.exptime : req.exptime;
    const value = warmReply.value ?? McRequest.EMPTY;
    await routeAsync(this.cold, new McRequest(Op.Add, req.key, warmReply.flags, exptime, value));
    return routeAsync(this.cold, req);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.cold, req, visit, depth);
    if (req.op === Op.Get || req.op === Op.Gets || req.op === Op.Gat || req.op === Op.Gats) {
      traverseOne(this.warm, req, visit, depth);
    }
  }
}

const schema = z.looseObject({
  cold: z.unknown().refine((v) => v !== undefined, 'WarmUpRoute needs "cold"'),
  warm: z.unknown().refine((v) => v !== undefined, 'WarmUpRoute needs "warm"'),
  exptime: z.int('expected an integer number of seconds').optional(),
  enable_metaget: z.boolean().optional(),
});

/** `WarmUpRoute`: `{cold, warm, exptime}`; `enable_metaget` is accepted and has no effect. */
export const buildWarmUpRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const cold = factory.create(o.cold, childPath(path, 'cold'));
  const warm = factory.create(o.warm, childPath(path, 'warm'));
  return new WarmUpRoute(cold, warm, o.exptime ?? 0);
};
