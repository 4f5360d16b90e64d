/**
 * WarmUpRoute: serves reads from a "cold" route and fills it from a "warm" one on a miss
 * (`mcrouter/routes/WarmUpRoute.h`). In the co-located sidecar, cold is the local
 * memcached and warm the central ElastiCache pool.
 *
 * - get: cold; a hit is returned. Otherwise warm; if warm hits, an `add` of warm's value and flags
 *   goes to cold in the background (fire and forget). Warm's reply is returned, hit, miss or error.
 * - gets: cold; hit → returned. Otherwise warm `get`; on a hit a synchronous `add` to cold, then a
 *   second `gets` to cold whose reply (with a fresh cas) is returned. Otherwise cold's reply. If
 *   that second `gets` misses (the fill was deleted in between), warm's `gets` reply is returned
 *   (our extension: mcrouter returns the miss; docs/coherence.md).
 * - gat/gats: like gets, but the fill uses the request's exptime and the re-read is gat/gats.
 * - everything else (set, delete, touch, incr, …) goes to cold only; warm is never written.
 *
 * Fill exptime (our extension, docs/meta-protocol.md): warm is read with meta `mg <key> v f t`
 * (memcached ≥ 1.6), which also gives the warm copy's remaining TTL, and the fill keeps it: the
 * warm TTL, capped by the configured `exptime` when one is set; a warm value without expiry gets
 * the configured `exptime` (default 0); a warm value about to expire (TTL 0) is not copied. This
 * is what mcrouter does with `metaget` (`enable_metaget`, `mcrouter/routes/WarmUpRoute.h`), which
 * its open-source build cannot send. `enable_metaget: false` restores the open-source behaviour:
 * warm read with `get`, fills with the configured `exptime`, else 0.
 *
 * Meta requests (`mg`) take the get path with their own bytes to warm, so the client sees warm's
 * reply as memcached wrote it; when the client did not ask for `v f t`, a separate `mg v f t`
 * reads what the fill needs. Other meta commands go to cold only, as their classic equivalents.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op, isGetLike } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import { MetaKind, fillReadMeta } from '../protocol/meta/meta-request.js';
import { MetaReply, TTL_UNKNOWN } from '../protocol/meta/meta-reply.js';
import { REALTIME_MAXDELTA } from '../warm/meta-request.js';
import { isTextKey } from '../warm/uri-key.js';
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
      this.route.warm.route(this.route.warmRead(this.req), this);
      return;
    }
    if (reply.result === Result.Found) this.route.fillFrom(this.req, reply);
    this.sink.onReply(reply);
  }
}

/** A warm read made only for the fill (a meta client's `mg` without `v f t`). */
class FillRead implements ReplySink {
  constructor(
    private readonly route: WarmUpRoute,
    private readonly key: Buffer,
  ) {}

  onReply(reply: McReply): void {
    if (reply.result === Result.Found) this.route.fillCold(this.key, reply);
  }
}

/** See the file comment. */
export class WarmUpRoute implements RouteHandle {
  readonly name = 'warm-up';

  /**
   * @param cold route read first and filled (local memcached)
   * @param warm route read on a cold miss (central pool)
   * @param exptime exptime of fills, seconds (0 = no expiry); with `keepWarmTtl`, the cap of the
   *   warm TTL and the exptime of warm values that never expire
   * @param keepWarmTtl read warm with meta `mg … v f t` and keep its TTL (see the file comment)
   */
  constructor(
    readonly cold: RouteHandle,
    readonly warm: RouteHandle,
    readonly exptime: number,
    readonly keepWarmTtl = true,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    if (req.meta !== null && req.meta.kind !== MetaKind.Get) {
      this.cold.route(req, sink);
      return;
    }
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

  /**
   * The request that reads warm for a classic get-like request: `mg <key> v f t` (its reply reads
   * as a classic hit: value and flags), or `get` without `keepWarmTtl`. A meta `mg` goes as is.
   */
  warmRead(req: McRequest): McRequest {
    if (req.meta !== null || !this.keepWarmTtl)
      return req.op === Op.Get ? req : new McRequest(Op.Get, req.key);
    const read = new McRequest(Op.Get, req.key);
    read.meta = fillReadMeta(req.key);
    return read;
  }

  /** Fills cold from warm's hit to `req`; a meta `mg` without `v f t` reads warm again for it. */
  fillFrom(req: McRequest, hit: McReply): void {
    const meta = req.meta;
    if (meta !== null && this.keepWarmTtl && !(meta.has('v') && meta.has('f') && meta.has('t'))) {
      this.warm.route(this.warmRead(new McRequest(Op.Get, req.key)), new FillRead(this, req.key));
      return;
    }
    this.fillCold(req.key, hit);
  }

  /** Sends `add key` with a warm hit's value and flags to cold, in the background. */
  fillCold(key: Buffer, hit: McReply): void {
    const exptime = this.fillExptime(hit);
    // A base64 meta key that is not a text token cannot go out in a classic `add`.
    if (exptime === null || !isTextKey(key, 0, key.length)) return;
    const value = hit.value ?? McRequest.EMPTY;
    this.cold.route(new McRequest(Op.Add, key, hit.flags, exptime, value), DISCARD_SINK);
  }

  /**
   * The exptime of a fill from warm's hit (seconds, as memcached reads an exptime), or null when
   * the warm copy is about to expire and is not copied. See the file comment.
   */
  fillExptime(hit: McReply): number | null {
    const ttl = hit instanceof MetaReply ? hit.ttl : TTL_UNKNOWN;
    if (!this.keepWarmTtl || ttl === TTL_UNKNOWN || ttl === -1) return this.exptime;
    if (ttl <= 0) return null;
    const now = Math.floor(Date.now() / 1000);
    const cap = this.exptime;
    if (cap !== 0 && ttl >= (cap > REALTIME_MAXDELTA ? cap - now : cap)) return cap;
    return ttl > REALTIME_MAXDELTA ? now + ttl : ttl;
  }

  /** gets / gat / gats: synchronous fill, then re-read cold (`mcrouter/routes/WarmUpRoute.h` table). */
  private async readThrough(req: McRequest): Promise<McReply> {
    const coldReply = await routeAsync(this.cold, req);
    if (coldReply.result === Result.Found) return coldReply;
    const warmReply = await routeAsync(this.warm, this.warmRead(req));
    if (warmReply.result !== Result.Found) return coldReply;
    const exptime = req.op === Op.Gets ? this.fillExptime(warmReply) : req.exptime;
    if (exptime === null) return coldReply;
    const value = warmReply.value ?? McRequest.EMPTY;
    await routeAsync(this.cold, new McRequest(Op.Add, req.key, warmReply.flags, exptime, value));
    const again = await routeAsync(this.cold, req);
    if (again.result !== Result.NotFound) return again;
    // The fill was removed before the re-read (an invalidation racing it, or a cold route that
    // drops adds): answer from warm with its own cas rather than a miss for a key warm has.
    return routeAsync(this.warm, new McRequest(Op.Gets, req.key));
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.cold, req, visit, depth);
    if (isGetLike(req.op)) {
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

/**
 * `WarmUpRoute`: `{cold, warm, exptime, enable_metaget}`; `enable_metaget` (default true) keeps
 * the warm copy's TTL (see the file comment; false = mcrouter's open-source behaviour).
 */
export const buildWarmUpRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const cold = factory.create(o.cold, childPath(path, 'cold'));
  const warm = factory.create(o.warm, childPath(path, 'warm'));
  return new WarmUpRoute(cold, warm, o.exptime ?? 0, o.enable_metaget ?? true);
};
