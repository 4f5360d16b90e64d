/**
 * KeySplitRoute: spreads a hot key over `replicas` copies so one server does not take all its
 * traffic (`mcrouter/routes/KeySplitRoute.h`, `mcrouter/routes/`). This host's replica is
 * `hostid % replicas` (mcsidecar's host id, `--hostid`); replica 0 uses the key unchanged, replica
 * k > 0 the key with `::k` inserted before the `|#|` hash stop (appended when there is none), so
 * each copy hashes to its own server.
 *
 * - get: this host's replica; with `first_hit: true` every replica at once, the first hit wins,
 *   else the last reply;
 * - set: this host's replica; with `all_sync: true` also every other replica, in the background;
 * - delete: every replica (this host's answers, the others in the background);
 * - everything else: this host's replica.
 *
 * Keys too long to take the suffix within memcached's 250 bytes go to `destination` unchanged
 * (mcrouter's limit is 255, which memcached would refuse).
 */
import { z } from 'zod';
import type { ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { isHitResult } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { FirstReplyState } from './first-reply-state.js';
import { DISCARD_SINK, traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

const MAX_KEY_LENGTH = 250;
/** `::` plus up to three digits (replicas ≤ 1000). */
const EXTRA = 5;

/** See the file comment. */
export class KeySplitRoute implements RouteHandle {
  readonly name: string;
  /** This host's replica. */
  readonly replicaId: number;
  private readonly suffixes: Buffer[];

  constructor(
    readonly destination: RouteHandle,
    readonly replicas: number,
    readonly allSync: boolean,
    readonly firstHit: boolean,
    hostId: number,
  ) {
    this.replicaId = hostId % replicas;
    this.suffixes = Array.from({ length: replicas }, (_, i) => Buffer.from(`::${i}`, 'latin1'));
    this.name = `keysplit|replicas=${replicas}|all-sync=${allSync}|first-hit=${firstHit}|replicaId=${this.replicaId}`;
  }

  /** `req` for replica `id` (replica 0 is `req` itself). */
  replicaRequest(req: McRequest, id: number): McRequest {
    if (id === 0) return req;
    const key = req.key;
    const stop = req.routingKeyEnd;
    const suffix = this.suffixes[id] as Buffer;
    return req.withKey(Buffer.concat([key.subarray(0, stop), suffix, key.subarray(stop)]));
  }

  route(req: McRequest, sink: ReplySink): void {
    if (req.key.length + EXTRA > MAX_KEY_LENGTH) {
      this.destination.route(req, sink);
      return;
    }
    const own = this.replicaId;
    switch (req.op) {
      case Op.Get:
        if (this.firstHit) {
          const state = new FirstReplyState(sink, this.replicas, isHitResult);
          for (let id = 0; id < this.replicas; id++)
            this.destination.route(this.replicaRequest(req, id), state);
          return;
        }
        break;
      case Op.Set:
        if (this.allSync) this.routeOthers(req);
        break;
      case Op.Delete:
        this.routeOthers(req);
        break;
      default:
        break;
    }
    this.destination.route(this.replicaRequest(req, own), sink);
  }

  private routeOthers(req: McRequest): void {
    for (let id = 0; id < this.replicas; id++) {
      if (id !== this.replicaId) this.destination.route(this.replicaRequest(req, id), DISCARD_SINK);
    }
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.destination, this.replicaRequest(req, this.replicaId), visit, depth);
  }
}

const schema = z.looseObject({
  destination: z.unknown().refine((v) => v !== undefined, 'KeySplitRoute: no destination route'),
  replicas: z
    .int('KeySplitRoute: replicas is not an integer')
    .min(2, 'KeySplitRoute: there should at least be 2 replicas')
    .max(1000, 'KeySplitRoute: there should no more than 1000 replicas'),
  all_sync: z.boolean('KeySplitRoute: all_sync is not a boolean'),
  first_hit: z.boolean('KeySplitRoute: first_hit is not a boolean').optional(),
});

/** `KeySplitRoute`: `{destination, replicas, all_sync, first_hit}`. */
export const buildKeySplitRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  return new KeySplitRoute(
    factory.create(o.destination, childPath(path, 'destination')),
    o.replicas,
    o.all_sync,
    o.first_hit ?? false,
    factory.hostId,
  );
};
