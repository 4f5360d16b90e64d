/**
 * BigValueRoute: values over a threshold are split into chunks stored under derived keys, plus an
 * index item under the original key; gets reassemble them (`mcrouter/routes/BigValueRoute.h`,
 * `mcrouter/routes/BigValueRoute-inl.h`, `mcrouter/routes/BigValueRoute.cpp`). Items are laid out
 * exactly as mcrouter writes them, so mcproxy and mcrouter read each other's big values:
 *
 * - chunk `i` (0-based) of `key`: `<key>:<i>:<suffix>`, a plain `set` with the request's flags and
 *   exptime and at most `split_threshold` bytes of the value;
 * - index: the original request (set, add, replace, append, prepend or cas) with the value
 *   `1-<chunks>-<suffix>` and flags `| 0x8000` (`MC_MSG_FLAG_BIG_VALUE`, `mcrouter/lib/mc/msg.h`),
 *   sent only when every chunk was STORED; otherwise the client gets the worst chunk result.
 *   The suffix is a 32-bit hash of the value (mcrouter: folly's IOBufHash; here the first 32 bits
 *   of its MD5): readers take it from the index, so the two hashes interoperate.
 * - get, gets, gat, gats: the request goes to `target`; a reply without the 0x8000 flag is
 *   returned as it is. An index hit fetches every chunk with `get` (by `batch_size` at a time;
 *   0 = all at once) and answers a hit with the chunks' bytes in order and the index's flags (0x8000
 *   cleared with `hide_reply_flag`) and CAS unique, or the worst chunk result (a missing chunk
 *   = a miss). An index that does not parse as `1-<n>-<suffix>` is a miss.
 * - everything else, values of at most `split_threshold` bytes, and meta commands (which mcrouter
 *   does not serve): `target` unchanged.
 *
 * `--big-value-split-threshold N` (N > 0) puts one BigValueRoute in front of every route
 * (`mcrouter/routes/ProxyRoute-inl.h`); `{"type": "BigValueRoute", "target", "split_threshold",
 * "batch_size", "hide_reply_flag"}` places one in a config.
 *
 * Memory: chunk replies held while a value is reassembled count in the process budget
 * (`--max-memory-bytes`, docs/memory.md) until the whole reply is handed to the client session
 * (which then counts it as a held reply); when the process is past its budget before a batch, the
 * get is answered `SERVER_ERROR out of memory storing object` and the chunks held are dropped.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { McReply, type ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { Op, isGetLike, isUpdateLike } from '../protocol/op.js';
import { Result, isHitResult, resultSeverity } from '../protocol/result.js';
import { OUT_OF_MEMORY, REPLY_OVERHEAD, type MemoryBudget } from '../server/memory-budget.js';
import { routeAsync, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

/** `MC_MSG_FLAG_BIG_VALUE` (`mcrouter/lib/mc/msg.h`): the item is a big value's index. */
export const BIG_VALUE_FLAG = 0x8000;
/** The index format version mcrouter writes and accepts (`ChunksInfo::infoVersion_`). */
const INFO_VERSION = 1;
const UINT32_MAX = 0xffffffff;
const UINT64_MAX = (1n << 64n) - 1n;

/** BigValueRoute's settings (`BigValueRouteOptions`, `mcrouter/routes/BigValueRouteIf.h`). */
export interface BigValueSettings {
  /** Values longer than this many bytes are split (> 0). */
  readonly threshold: number;
  /** Chunks read or written at a time; 0 = all at once. */
  readonly batchSize: number;
  /** Clear 0x8000 from the flags of reassembled replies. */
  readonly hideReplyFlag: boolean;
}

/** A parsed index value (`ChunksInfo`). */
export interface ChunksInfo {
  readonly numChunks: number;
  /** The key suffix, a uint64 in decimal. */
  readonly suffix: string;
}

/**
 * Parses an index value `<version>-<chunks>-<suffix>` (`detail::parseChunksInfo`).
 * @returns null unless it has three unsigned decimal fields in range and version 1
 */
export function parseChunksInfo(value: Buffer): ChunksInfo | null {
  const m = /^(\d{1,20})-(\d{1,20})-(\d{1,20})$/.exec(value.toString('latin1'));
  if (m === null) return null;
  const [, version, chunks, suffix] = m as unknown as [string, string, string, string];
  const numChunks = Number(chunks);
  const s = BigInt(suffix);
  if (Number(version) !== INFO_VERSION || numChunks > UINT32_MAX || s > UINT64_MAX) return null;
  return { numChunks, suffix: s.toString() };
}

/** The index value for `numChunks` chunks (`ChunksInfo::toStringType`). */
export function formatChunksInfo(info: ChunksInfo): Buffer {
  return Buffer.from(`${INFO_VERSION}-${info.numChunks}-${info.suffix}`, 'latin1');
}

/** `<key>:<index>:<suffix>` (`createChunkKey`). */
export function chunkKey(key: Buffer, index: number, suffix: string): Buffer {
  return Buffer.concat([key, Buffer.from(`:${index}:${suffix}`, 'latin1')]);
}

/** The 32-bit suffix for `value`: the first 4 bytes of its MD5, big-endian, in decimal. */
function valueSuffix(value: Buffer): string {
  return createHash('md5').update(value).digest().readUInt32BE(0).toString();
}

/** The worst of `replies` by `resultSeverity`, the first of equals (`detail::reduce`). */
function worst(replies: readonly McReply[]): McReply {
  let w = replies[0] as McReply;
  for (const r of replies) if (resultSeverity(r.result) > resultSeverity(w.result)) w = r;
  return w;
}

/** The first reply of a get-like request: passed on unless it is a big value's index. */
class IndexSink implements ReplySink {
  constructor(
    private readonly route: BigValueRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    if ((reply.flags & BIG_VALUE_FLAG) === 0) this.sink.onReply(reply);
    else if (!isHitResult(reply.result)) this.sink.onReply(new McReply(reply.result));
    else
      void this.route.assemble(this.req, reply).then((r) => {
        this.sink.onReply(r);
      });
  }
}

/** See the file comment. */
export class BigValueRoute implements RouteHandle {
  readonly name: string;

  /**
   * @param target where every request (and chunk) goes
   * @param memory the process budget reassembly is counted in, or null (not counted)
   */
  constructor(
    readonly target: RouteHandle,
    readonly settings: BigValueSettings,
    private readonly memory: MemoryBudget | null,
  ) {
    this.name =
      `big-value|split_threshold=${settings.threshold}|batch_size=${settings.batchSize}` +
      `|hide_reply_flag=${settings.hideReplyFlag}`;
  }

  route(req: McRequest, sink: ReplySink): void {
    if (req.meta === null) {
      if (isGetLike(req.op)) {
        this.target.route(req, new IndexSink(this, req, sink));
        return;
      }
      if (isUpdateLike(req.op) && req.value.length > this.settings.threshold) {
        void this.split(req).then((r) => {
          sink.onReply(r);
        });
        return;
      }
    }
    this.target.route(req, sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.target, req, visit, depth);
  }

  /** Writes the chunks, then the index (the update route of `BigValueRoute-inl.h`). */
  private async split(req: McRequest): Promise<McReply> {
    const { threshold } = this.settings;
    const value = req.value;
    const info: ChunksInfo = { numChunks: Math.ceil(value.length / threshold), suffix: valueSuffix(value) };
    const chunks: McRequest[] = [];
    for (let i = 0; i < info.numChunks; i++) {
      const piece = value.subarray(i * threshold, Math.min(value.length, (i + 1) * threshold));
      chunks.push(new McRequest(Op.Set, chunkKey(req.key, i, info.suffix), req.flags, req.exptime, piece));
    }
    const replies = await this.inBatches(chunks, null);
    const w = worst(replies);
    if (w.result !== Result.Stored && w.result !== Result.StaleStored) return new McReply(w.result);
    const index = new McRequest(
      req.op,
      req.key,
      (req.flags | BIG_VALUE_FLAG) >>> 0,
      req.exptime,
      formatChunksInfo(info),
      req.casHi,
      req.casLo,
    );
    return routeAsync(this.target, index);
  }

  /**
   * Reads the chunks an index hit names and joins them (`mergeChunkGetReplies`).
   * @param index the hit carrying `BIG_VALUE_FLAG`
   */
  async assemble(req: McRequest, index: McReply): Promise<McReply> {
    const info = parseChunksInfo(index.value ?? McRequest.EMPTY);
    if (info === null || info.numChunks === 0) return McReply.NOT_FOUND;
    const gets: McRequest[] = [];
    for (let i = 0; i < info.numChunks; i++)
      gets.push(new McRequest(Op.Get, chunkKey(req.key, i, info.suffix)));
    const held = { bytes: 0 };
    try {
      const replies = await this.inBatches(gets, held);
      if (replies === null) return OUT_OF_MEMORY;
      const w = worst(replies);
      if (!isHitResult(w.result)) return new McReply(w.result);
      const pieces: Buffer[] = [];
      for (const r of replies) {
        if (r.pieces !== null) pieces.push(...r.pieces);
        else if (r.value !== null) pieces.push(r.value);
      }
      const flags = this.settings.hideReplyFlag ? (index.flags & ~BIG_VALUE_FLAG) >>> 0 : index.flags;
      return new McReply(w.result, null, flags, index.casHi, index.casLo, null, 0, 0, pieces);
    } finally {
      this.memory?.add(-held.bytes);
    }
  }

  /**
   * Routes `reqs` to the target `batchSize` at a time (`collectAllByBatches`).
   * @param held when given, hit bytes are counted in the memory budget (and in `held.bytes`), and
   *   the run stops before a batch when the process is past its budget
   * @returns every reply in request order, or null when stopped for memory
   */
  private inBatches(reqs: readonly McRequest[], held: null): Promise<McReply[]>;
  private inBatches(reqs: readonly McRequest[], held: { bytes: number }): Promise<McReply[] | null>;
  private async inBatches(
    reqs: readonly McRequest[],
    held: { bytes: number } | null,
  ): Promise<McReply[] | null> {
    const size = this.settings.batchSize === 0 ? reqs.length : this.settings.batchSize;
    const budget = held === null ? null : this.memory;
    const out: McReply[] = [];
    for (let b = 0; b < reqs.length; b += size) {
      if (budget?.wouldExceed(0) === true) return null;
      const replies = await Promise.all(reqs.slice(b, b + size).map((r) => routeAsync(this.target, r)));
      for (const r of replies) {
        out.push(r);
        if (held !== null && budget !== null) {
          const n = r.valueLength + REPLY_OVERHEAD;
          held.bytes += n;
          budget.add(n);
        }
      }
    }
    return out;
  }
}

/**
 * Puts `route` behind a BigValueRoute when `settings.threshold` > 0 (`--big-value-split-threshold`,
 * `detail::wrapWithBigValueRoute` in `mcrouter/routes/ProxyRoute-inl.h`), else returns it.
 */
export function wrapWithBigValueRoute(
  route: RouteHandle,
  settings: BigValueSettings,
  memory: MemoryBudget | null,
): RouteHandle {
  return settings.threshold > 0 ? new BigValueRoute(route, settings, memory) : route;
}

const count = (name: string) =>
  z
    .int({
      error: (iss) =>
        iss.input === undefined
          ? `BigValueRoute: '${name}' is missing`
          : `BigValueRoute: ${name} is not an integer`,
    })
    .min(0, `BigValueRoute: ${name} must be nonnegative`);

const schema = z.looseObject({
  target: z.unknown().refine((v) => v !== undefined, 'BigValueRoute: Missing target parameter'),
  split_threshold: count('split_threshold').min(1, 'BigValueRoute: split_threshold must be positive'),
  batch_size: count('batch_size'),
  hide_reply_flag: z.boolean('BigValueRoute: hide_reply_flag is not a boolean').optional(),
});

/** `BigValueRoute`: `{target, split_threshold, batch_size, hide_reply_flag}` (`makeBigValueRoute`). */
export const buildBigValueRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  return new BigValueRoute(
    factory.create(o.target, childPath(path, 'target')),
    { threshold: o.split_threshold, batchSize: o.batch_size, hideReplyFlag: o.hide_reply_flag ?? false },
    factory.memory,
  );
};
