/**
 * L1L2CacheRoute: a two-level cache (`mcrouter/lib/routes/L1L2CacheRoute.h`, `mcrouter/routes/`).
 *
 * Gets (get, gets, gat, gats) read `l1`; a hit is returned. On an L1 miss `l2` is read and its
 * reply returned; an L2 hit is copied into L1 in the background with `add` (L2's value and flags,
 * exptime `upgradingL1Exptime` seconds).
 *
 * Negative caching, with `ncacheUpdatePeriod` > 0: an L2 miss stores the value `ncache` with flag
 * 0x10000 in L1 (`add`, exptime `ncacheExptime`). An L1 hit carrying that flag is answered as a
 * miss; every `ncacheUpdatePeriod`-th such hit re-reads L2 in the background and `set`s L1 to
 * L2's value (or renews the ncache entry when L2 still misses).
 *
 * Everything else (set, delete, touch, …) goes to `l1` only: the client keeps L2 consistent.
 */
import { z } from 'zod';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op, isGetLike } from '../protocol/op.js';
import { Result, isHitResult } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { DISCARD_SINK, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** mcrouter's `MC_MSG_FLAG_NEGATIVE_CACHE`. */
export const NEGATIVE_CACHE_FLAG = 0x10000;
const NCACHE_VALUE = Buffer.from('ncache', 'latin1');

/** A get through L1, then L2. */
class L1L2Get implements ReplySink {
  private l2 = false;

  constructor(
    private readonly route: L1L2CacheRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    const route = this.route;
    if (!this.l2) {
      if (isHitResult(reply.result)) {
        if ((reply.flags & NEGATIVE_CACHE_FLAG) !== 0) {
          route.onNcacheHit(this.req);
          this.sink.onReply(McReply.defaultFor(this.req.op));
          return;
        }
        this.sink.onReply(reply);
        return;
      }
      this.l2 = true;
      route.l2.route(this.req, this);
      return;
    }
    if (isHitResult(reply.result)) {
      route.l1.route(route.fromL2(this.req.key, reply, Op.Add), DISCARD_SINK);
    } else if (reply.result === Result.NotFound && route.ncacheUpdatePeriod > 0) {
      route.l1.route(route.ncache(this.req.key, Op.Add), DISCARD_SINK);
    }
    this.sink.onReply(reply);
  }
}

/** Background refresh of an ncache entry: read L2, then set L1. */
class NcacheRefresh implements ReplySink {
  constructor(
    private readonly route: L1L2CacheRoute,
    private readonly key: Buffer,
  ) {}

  onReply(reply: McReply): void {
    const r = this.route;
    const req = isHitResult(reply.result) ? r.fromL2(this.key, reply, Op.Set) : r.ncache(this.key, Op.Set);
    r.l1.route(req, DISCARD_SINK);
  }
}

/** See the file comment. */
export class L1L2CacheRoute implements RouteHandle {
  readonly name = 'l1l2-cache';
  private ncacheCounter: number;

  /**
   * @param upgradingL1Exptime exptime of L2 → L1 copies, seconds
   * @param ncacheExptime exptime of ncache entries, seconds
   * @param ncacheUpdatePeriod 0 = no negative caching
   */
  constructor(
    readonly l1: RouteHandle,
    readonly l2: RouteHandle,
    readonly upgradingL1Exptime: number,
    readonly ncacheExptime: number,
    readonly ncacheUpdatePeriod: number,
  ) {
    this.ncacheCounter = ncacheUpdatePeriod;
  }

  route(req: McRequest, sink: ReplySink): void {
    if (isGetLike(req.op)) this.l1.route(req, new L1L2Get(this, req, sink));
    else this.l1.route(req, sink);
  }

  /** An `op` (add/set) of L2's hit into L1. */
  fromL2(key: Buffer, hit: McReply, op: Op): McRequest {
    return new McRequest(op, key, hit.flags, this.upgradingL1Exptime, hit.value ?? McRequest.EMPTY);
  }

  /** An `op` (add/set) of the ncache marker into L1. */
  ncache(key: Buffer, op: Op): McRequest {
    return new McRequest(op, key, NEGATIVE_CACHE_FLAG, this.ncacheExptime, NCACHE_VALUE);
  }

  /** Counts an L1 ncache hit; every `ncacheUpdatePeriod`-th refreshes the entry from L2. */
  onNcacheHit(req: McRequest): void {
    if (this.ncacheUpdatePeriod === 0) return;
    if (this.ncacheCounter === 1) {
      this.ncacheCounter = this.ncacheUpdatePeriod;
      this.l2.route(new McRequest(Op.Get, req.key), new NcacheRefresh(this, req.key));
    } else {
      this.ncacheCounter--;
    }
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.l1, req, visit, depth);
    if (isGetLike(req.op)) traverseOne(this.l2, req, visit, depth);
  }
}

const count = (what: string): z.ZodInt => z.int(`L1L2CacheRoute: ${what} is not an integer`).min(0);

const schema = z.looseObject({
  l1: z.unknown().refine((v) => v !== undefined, 'L1L2CacheRoute: no l1 route'),
  l2: z.unknown().refine((v) => v !== undefined, 'L1L2CacheRoute: no l2 route'),
  upgradingL1Exptime: z.int('L1L2CacheRoute: upgradingL1Exptime is not an integer'),
  ncacheExptime: count('ncacheExptime').optional(),
  ncacheUpdatePeriod: count('ncacheUpdatePeriod').optional(),
});

/** `L1L2CacheRoute`: `{l1, l2, upgradingL1Exptime, ncacheExptime, ncacheUpdatePeriod}`. */
export const buildL1L2CacheRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  return new L1L2CacheRoute(
    factory.create(o.l1, childPath(path, 'l1')),
    factory.create(o.l2, childPath(path, 'l2')),
    o.upgradingL1Exptime,
    o.ncacheExptime ?? 0,
    o.ncacheUpdatePeriod ?? 0,
  );
};
