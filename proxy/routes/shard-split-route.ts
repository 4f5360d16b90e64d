/**
 * ShardSplitRoute: PoolRoute's `shard_splits` (`mcrouter/routes/ShardSplitRoute.h`,
 * `ShardSplitRoute.cpp`, `ShardSplitter.cpp`, `ShardHashFunc.cpp`; built by `makePoolRoute` in
 * `mcrouter/routes/McRouteHandleProvider-inl.h`). A shard whose data outgrew one server is split
 * into copies: key `prefix:<shard>:rest` has copies `prefix:<shard>aa:rest`, `…ba…`, … (copy i > 0
 * appends `'a' + (i-1) % 26` and `'a' + (i-1) / 26`), which hash to other servers.
 *
 * - The shard id is the text between the routing key's first and second `:`, ending in a digit;
 *   keys without one, and shards not listed, go to the pool unchanged.
 * - Deletes (with `fanout_deletes`, on by default for the plain-number form) go to the primary key,
 *   whose reply is returned, and to every copy in the background.
 * - Everything else goes to copy `hostid % splits` (0 = the key itself): each host always uses
 *   the same copy, so its own writes and reads agree.
 * - `{"shard": n}` or `{"shard": {"old_split_size", "new_split_size", "split_start" (unix s),
 *   "migration_period" (s), "fanout_deletes"}}`: during a migration each host moves from the old
 *   to the new size at its own point of the period (`hostid % 16384 / 16384`). Sizes above 677
 *   (26 × 26 + 1) are clamped, as mcrouter.
 * - `split_shard_fanout` spreads requests by their fbid / assoc id; ASCII requests carry neither,
 *   so it is validated and has no effect (as mcrouter for such requests).
 */
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isDeleteLike } from '../protocol/op.js';
import { childPath } from '../config/json-path.js';
import { ConfigError } from '../errors.js';
import { DISCARD_SINK, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

const MAX_SPLITS = 26 * 26 + 1;
const HOST_ID_MODULO = 16384;
const COLON = 0x3a;

/** One shard's split: sizes, migration window (ms since the epoch) and delete fan-out. */
export interface ShardSplit {
  readonly oldSize: number;
  readonly newSize: number;
  readonly startMs: number;
  readonly periodMs: number;
  readonly fanoutDeletes: boolean;
}

/** The split size this host uses now (`ShardSplitInfo::getSplitSizeForCurrentHost`). */
export function splitSizeFor(split: ShardSplit, hostId: number, nowMs: number): number {
  if (split.oldSize === split.newSize || nowMs >= split.startMs + split.periodMs) return split.newSize;
  if (nowMs < split.startMs) return split.oldSize;
  const point = (nowMs - split.startMs) / split.periodMs;
  return (hostId % HOST_ID_MODULO) / HOST_ID_MODULO < point ? split.newSize : split.oldSize;
}

function splitSize(v: unknown, path: string): number {
  if (!Number.isInteger(v)) throw new ConfigError(path, 'ShardSplitter: not an int');
  if ((v as number) <= 0) throw new ConfigError(path, 'ShardSplitter: value is <= 0');
  return Math.min(v as number, MAX_SPLITS);
}

function nonNegativeInt(v: unknown, path: string): number {
  if (!Number.isInteger(v)) throw new ConfigError(path, 'ShardSplitter: not an int');
  if ((v as number) < 0) throw new ConfigError(path, 'ShardSplitter: is negative');
  return v as number;
}

/**
 * Parses `shard_splits` (`ShardSplitter.cpp`'s `parseSplit`).
 * @throws ConfigError naming the JSON path of a bad entry
 */
export function parseShardSplits(json: unknown, path: string): Map<string, ShardSplit> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ConfigError(path, 'ShardSplitter: config is not an object');
  const out = new Map<string, ShardSplit>();
  for (const [shard, v] of Object.entries(json as Record<string, unknown>)) {
    const p = childPath(path, shard);
    if (typeof v === 'number') {
      const n = splitSize(v, p);
      if (n !== 1) out.set(shard, { oldSize: n, newSize: n, startMs: 0, periodMs: 0, fanoutDeletes: true });
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ConfigError(p, 'ShardSplitter: split config is not an int or object');
    const o = v as Record<string, unknown>;
    const known = ['old_split_size', 'new_split_size', 'split_start', 'migration_period', 'fanout_deletes'];
    for (const k of Object.keys(o))
      if (!known.includes(k)) throw new ConfigError(childPath(p, k), 'ShardSplitter: unknown key');
    const oldSize =
      o.old_split_size === undefined ? 1 : splitSize(o.old_split_size, childPath(p, 'old_split_size'));
    const newSize =
      o.new_split_size === undefined ? 1 : splitSize(o.new_split_size, childPath(p, 'new_split_size'));
    const start =
      o.split_start === undefined ? 0 : nonNegativeInt(o.split_start, childPath(p, 'split_start'));
    const period =
      o.migration_period === undefined
        ? 0
        : nonNegativeInt(o.migration_period, childPath(p, 'migration_period'));
    if (o.fanout_deletes !== undefined && typeof o.fanout_deletes !== 'boolean')
      throw new ConfigError(childPath(p, 'fanout_deletes'), 'ShardSplitter: fanout_deletes is not bool');
    const split = {
      oldSize,
      newSize,
      startMs: start * 1000,
      periodMs: period * 1000,
      fanoutDeletes: o.fanout_deletes === true,
    };
    if (split.oldSize !== split.newSize || split.newSize !== 1) out.set(shard, split);
  }
  return out;
}

/**
 * The shard id of `key[start, end)` (`getShardId` in `mcrouter/routes/ShardHashFunc.cpp`): the
 * bytes between the first and second `:`, which must end in a digit.
 * @returns `[from, to)` offsets in `key`, or null
 */
export function shardIdRange(key: Buffer, start: number, end: number): [number, number] | null {
  const first = key.indexOf(COLON, start);
  if (first < 0 || first >= end) return null;
  const second = key.indexOf(COLON, first + 1);
  if (second < 0 || second >= end || second === first + 1) return null;
  const last = key[second - 1] as number;
  if (last < 0x30 || last > 0x39) return null;
  return [first + 1, second];
}

/** Key of copy `offset` (> 0): two letters after the shard id (`detail::createSplitKey`). */
export function splitKey(key: Buffer, shardEnd: number, offset: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 2);
  key.copy(out, 0, 0, shardEnd);
  out[shardEnd] = 0x61 + ((offset - 1) % 26);
  out[shardEnd + 1] = 0x61 + Math.floor((offset - 1) / 26);
  key.copy(out, shardEnd + 2, shardEnd);
  return out;
}

/** See the file comment. */
export class ShardSplitRoute implements RouteHandle {
  readonly name = 'shard-split';

  constructor(
    readonly target: RouteHandle,
    private readonly splits: ReadonlyMap<string, ShardSplit>,
    private readonly hostId: number,
  ) {}

  /** The split for `req` and its shard id's end offset, or null for a plain route. */
  private lookup(req: McRequest): { split: ShardSplit; shardEnd: number; size: number } | null {
    const range = shardIdRange(req.key, req.routingKeyStart, req.routingKeyEnd);
    if (range === null) return null;
    const split = this.splits.get(req.key.toString('latin1', range[0], range[1]));
    if (split === undefined) return null;
    const size = splitSizeFor(split, this.hostId, Date.now());
    return size === 1 ? null : { split, shardEnd: range[1], size };
  }

  route(req: McRequest, sink: ReplySink): void {
    const s = this.splits.size === 0 ? null : this.lookup(req);
    if (s === null) {
      this.target.route(req, sink);
      return;
    }
    if (isDeleteLike(req.op) && s.split.fanoutDeletes) {
      for (let i = 1; i < s.size; i++)
        this.target.route(req.withKey(splitKey(req.key, s.shardEnd, i)), DISCARD_SINK);
      this.target.route(req, sink);
      return;
    }
    const i = this.hostId % s.size;
    this.target.route(i === 0 ? req : req.withKey(splitKey(req.key, s.shardEnd, i)), sink);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    const s = this.lookup(req);
    if (s === null) {
      traverseOne(this.target, req, visit, depth);
      return;
    }
    if (isDeleteLike(req.op) && s.split.fanoutDeletes) {
      traverseOne(this.target, req, visit, depth);
      for (let i = 1; i < s.size; i++)
        traverseOne(this.target, req.withKey(splitKey(req.key, s.shardEnd, i)), visit, depth);
      return;
    }
    const i = this.hostId % s.size;
    traverseOne(this.target, i === 0 ? req : req.withKey(splitKey(req.key, s.shardEnd, i)), visit, depth);
  }
}
