/**
 * L1L2SizeSplitRoute: small values live in `l1`, large ones in `l2` with an empty sentinel in `l1`
 * (`mcrouter/routes/L1L2SizeSplitRoute.h`, `mcrouter/routes/L1L2SizeSplitRoute-inl.h`).
 *
 * - set: to l1 when `threshold` is 0, the value is shorter than `threshold` bytes, the exptime is
 *   below a nonzero `ttl_threshold`, or the key is too long for a suffixed l2 key (key + 24 bytes
 *   > 255). Otherwise, by default: the set to l2 first; if STORED, a sentinel to l1 (same key,
 *   empty value, flags | 0x20 = `MC_MSG_FLAG_SIZE_SPLIT` of `mcrouter/lib/mc/msg.h`), whose reply
 *   the client gets; else l2's reply. With `both_full_set`: the set to l1, and when STORED the same
 *   set to l2 in the background; the client gets l1's reply.
 * - get: l1. A hit carrying the sentinel flag is resolved in l2: with an empty sentinel value, l2's
 *   reply for the same key is returned as it is; with a non-empty one (a suffix, written by
 *   mcrouter's lease-set) `key|==|<suffix>` is read from l2: a hit is returned (l2's flags and
 *   value); an error is returned (a failover error deletes the sentinel first); a miss deletes the
 *   sentinel and answers LOCAL_ERROR.
 * - gets: l1; a reply without the sentinel flag is returned. Otherwise l2 is read as above; a hit
 *   is returned with l2's flags and value and l1's cas unique (so a `cas` to l1 replaces the
 *   sentinel); an error is returned (a failover error deletes the sentinel first); a miss deletes
 *   the sentinel and retries, up to `retries` (1, at most 10) times, then LOCAL_ERROR.
 * - everything else (add, replace, append, prepend, cas, delete, incr, decr, touch, gat, gats): l1.
 *
 * Deleting the sentinel: `gets` to l1, and if it still holds the same sentinel value, a `cas` with
 * exptime -1 (it expires at once), so a concurrent writer's new value is left alone.
 * `failure_ttl` (60, > 0) is accepted; mcrouter applies it only to lease-sets, which memcached has
 * no command for.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { Result, isErrorResult, isFailoverErrorResult, isHitResult } from '../protocol/result.js';
import {
  DISCARD_SINK,
  routeAsync,
  traverseOne,
  type RouteHandle,
  type RouteVisitor,
} from './route-handle.js';

/** `MC_MSG_FLAG_SIZE_SPLIT` (`mcrouter/lib/mc/msg.h`): the l1 item is a sentinel. */
export const SIZE_SPLIT_FLAG = 0x20;
const HASH_ALIAS = Buffer.from('|==|', 'latin1');
const MAX_KEY_LENGTH = 255;
/** `|==|` plus the digits of the largest uint64 (`kExtraKeySpaceNeeded`). */
const EXTRA_KEY_SPACE = HASH_ALIAS.length + 20;
const MAX_RETRIES = 10;

/** Settings besides the two routes. */
export interface SizeSplitSettings {
  /** Values of at least this many bytes go to l2 (0 = never). */
  readonly threshold: number;
  /** Sets with an exptime below this (nonzero) stay in l1, seconds. */
  readonly ttlThreshold: number;
  readonly bothFullSet: boolean;
  /** gets retries after a sentinel whose l2 item is missing. */
  readonly retries: number;
}

/** See the file comment. */
export class L1L2SizeSplitRoute implements RouteHandle {
  readonly name = 'l1l2-sizesplit';

  constructor(
    readonly l1: RouteHandle,
    readonly l2: RouteHandle,
    readonly settings: SizeSplitSettings,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    switch (req.op) {
      case Op.Set:
        if (this.setGoesToL1(req)) this.l1.route(req, sink);
        else
          void this.splitSet(req).then((r) => {
            sink.onReply(r);
          });
        return;
      case Op.Get:
        void this.get(req).then((r) => {
          sink.onReply(r);
        });
        return;
      case Op.Gets:
        void this.gets(req, this.settings.retries).then((r) => {
          sink.onReply(r);
        });
        return;
      default:
        this.l1.route(req, sink);
    }
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.l1, req, visit, depth);
    traverseOne(this.l2, req, visit, depth);
  }

  private setGoesToL1(req: McRequest): boolean {
    const { threshold, ttlThreshold } = this.settings;
    return (
      threshold === 0 ||
      req.value.length < threshold ||
      (ttlThreshold !== 0 && req.exptime < ttlThreshold) ||
      req.key.length + EXTRA_KEY_SPACE > MAX_KEY_LENGTH
    );
  }

  private async splitSet(req: McRequest): Promise<McReply> {
    const full = new McRequest(Op.Set, req.key, req.flags, req.exptime, req.value);
    if (this.settings.bothFullSet) {
      const l1Reply = await routeAsync(this.l1, full);
      if (l1Reply.result === Result.Stored) this.l2.route(full, DISCARD_SINK);
      return l1Reply;
    }
    const l2Reply = await routeAsync(this.l2, full);
    if (l2Reply.result !== Result.Stored) return l2Reply;
    const sentinel = new McRequest(Op.Set, req.key, (req.flags | SIZE_SPLIT_FLAG) >>> 0, req.exptime);
    return routeAsync(this.l1, sentinel);
  }

  private async get(req: McRequest): Promise<McReply> {
    const l1Reply = await routeAsync(this.l1, new McRequest(Op.Get, req.key));
    if (!isHitResult(l1Reply.result) || (l1Reply.flags & SIZE_SPLIT_FLAG) === 0) return l1Reply;
    const sentinel = l1Reply.value ?? McRequest.EMPTY;
    if (sentinel.length === 0) return routeAsync(this.l2, new McRequest(Op.Get, req.key));
    const l2Reply = await routeAsync(this.l2, new McRequest(Op.Get, l2Key(req.key, sentinel)));
    if (isHitResult(l2Reply.result)) return l2Reply;
    if (isErrorResult(l2Reply.result)) {
      if (isFailoverErrorResult(l2Reply.result)) await this.deleteSentinel(req.key, sentinel);
      return l2Reply;
    }
    await this.deleteSentinel(req.key, sentinel);
    return McReply.error(Result.LocalError);
  }

  private async gets(req: McRequest, retriesLeft: number): Promise<McReply> {
    const l1Reply = await routeAsync(this.l1, new McRequest(Op.Gets, req.key));
    if ((l1Reply.flags & SIZE_SPLIT_FLAG) === 0) return l1Reply;
    const sentinel = l1Reply.value ?? McRequest.EMPTY;
    const key = sentinel.length === 0 ? req.key : l2Key(req.key, sentinel);
    const l2Reply = await routeAsync(this.l2, new McRequest(Op.Get, key));
    if (isHitResult(l2Reply.result)) {
      return new McReply(Result.Found, l2Reply.value, l2Reply.flags, l1Reply.casHi, l1Reply.casLo);
    }
    if (isErrorResult(l2Reply.result)) {
      if (isFailoverErrorResult(l2Reply.result)) await this.deleteSentinel(req.key, sentinel);
      return l2Reply;
    }
    if (retriesLeft === 0) return McReply.error(Result.LocalError);
    await this.deleteSentinel(req.key, sentinel);
    return this.gets(req, retriesLeft - 1);
  }

  /** Expires l1's sentinel if it still holds `value` (`deleteSentinel`). */
  private async deleteSentinel(key: Buffer, value: Buffer): Promise<void> {
    const cur = await routeAsync(this.l1, new McRequest(Op.Gets, key));
    if (!isHitResult(cur.result) || !(cur.value ?? McRequest.EMPTY).equals(value)) return;
    await routeAsync(
      this.l1,
      new McRequest(Op.Cas, key, cur.flags, -1, McRequest.EMPTY, cur.casHi, cur.casLo),
    );
  }
}

/** `<key>|==|<suffix>` (`makeL2Key`). */
function l2Key(key: Buffer, suffix: Buffer): Buffer {
  return Buffer.concat([key, HASH_ALIAS, suffix]);
}

const int = (name: string): z.ZodInt => z.int(`L1L2SizeSplitRoute: ${name} is not an integer`);

const schema = z.looseObject({
  l1: z.unknown().refine((v) => v !== undefined, 'L1L2SizeSplitRoute: no l1 route'),
  l2: z.unknown().refine((v) => v !== undefined, 'L1L2SizeSplitRoute: no l2 route'),
  threshold: z
    .int({
      error: (iss) =>
        iss.input === undefined
          ? 'L1L2SizeSplitRoute: no threshold'
          : 'L1L2SizeSplitRoute: threshold is not an integer',
    })
    .min(0, 'L1L2SizeSplitRoute: threshold must be nonnegative'),
  ttl_threshold: int('ttl_threshold')
    .min(0, 'L1L2SizeSplitRoute: ttl_threshold must be nonnegative')
    .optional(),
  failure_ttl: int('failure_ttl').min(1, 'L1L2SizeSplitRoute: failure_ttl must be positive').optional(),
  both_full_set: z.boolean('L1L2SizeSplitRoute: both_full_set is not a boolean').optional(),
  retries: int('number of retries')
    .min(1, 'L1L2SizeSplitRoute: number of retries must be > 0')
    .max(MAX_RETRIES, `L1L2SizeSplitRoute: maximum number of retries is ${MAX_RETRIES}`)
    .optional(),
});

/** `L1L2SizeSplitRoute`: `{l1, l2, threshold, ttl_threshold, failure_ttl, both_full_set, retries}`. */
export const buildL1L2SizeSplitRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  return new L1L2SizeSplitRoute(
    factory.create(o.l1, childPath(path, 'l1')),
    factory.create(o.l2, childPath(path, 'l2')),
    {
      threshold: o.threshold,
      ttlThreshold: o.ttl_threshold ?? 0,
      bothFullSet: o.both_full_set ?? false,
      retries: o.retries ?? 1,
    },
  );
};
