/**
 * InvalidateRoute (our own route type, not in mcrouter): applies a write to `target` and, once
 * `target` has replied, deletes the key from every `invalidate` route in the background. It keeps
 * co-located copies coherent: the write goes to the central pool, whose reply the client gets, and
 * each instance's local memcached loses its copy, so its next get re-reads central through
 * WarmUpRoute. A delete carries no value, so the fan-out costs the same for a 1 MB set as for an
 * incr (docs/coherence.md has the measurements).
 *
 * ```json
 * {"type": "InvalidateRoute", "target": "PoolRoute|central",
 *  "invalidate": ["PoolRoute|local", "Pool|peers"], "cas_from": "PoolRoute|local"}
 * ```
 *
 * - Mutations — set, add, replace, append, prepend, cas, incr, decr, touch, delete: sent to
 *   `target`; when its reply arrives, a `delete <key>` goes to each `invalidate` route (replies
 *   ignored), then the reply goes to the client. The reply is the target's, whatever it is.
 *   Deletes are not sent when the target answered NOT_STORED or EXISTS: memcached
 *   (`memcached/proto_text.c`, `do_store_item` in `memcached/items.c`) stored nothing then, so no
 *   copy can be older than central's. Every other reply, errors and timeouts included, invalidates
 *   (the write may have been applied).
 * - Invalidating after the target's reply, not at the same time, keeps a get on another instance
 *   from re-reading central's old value into its local copy after the delete landed there.
 * - Everything else (gets, flush_all, version): `target` only.
 * - `cas_from` (optional): the route whose cas uniques clients may hold besides the target's — the
 *   local memcached that serves their `gets`. A `cas` the target answers EXISTS is then translated
 *   (proxy/routes/cas-translation.ts): if the `cas_from` copy still has the client's cas unique and
 *   the same value and flags as the target's item, the cas is retried on the target with the
 *   target's cas unique, and that reply is the client's (invalidating on STORED as above). This is
 *   sound because every acknowledged write through this route deletes every local copy, so a copy
 *   that exists equals the target's value; an identical value rewritten between the two reads (an
 *   ABA) goes unseen, which cas semantics on the value allow (docs/coherence.md). Without
 *   `cas_from`, or for any other reply or op, nothing extra is sent.
 *
 * A client's `noreply` write is routed with a reply from the target like any other (the proxy never
 * sends `noreply` downstream), so it invalidates too.
 */
import { z } from 'zod';
import type { McReply, ReplySink } from '../protocol/reply.js';
import { McRequest } from '../protocol/request.js';
import { CasTranslation, type CasTranslationDone } from './cas-translation.js';
import { Op, isArithmetic, isUpdateLike } from '../protocol/op.js';
import { Result } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import {
  DISCARD_SINK,
  traverseAll,
  traverseOne,
  type RouteHandle,
  type RouteVisitor,
} from './route-handle.js';

/** Whether `op` changes an item, so copies of it must go: updates, arithmetic, touch, delete. */
export function invalidates(op: Op): boolean {
  return isUpdateLike(op) || isArithmetic(op) || op === Op.Touch || op === Op.Delete;
}

/** Per-request state of a mutation: waits for the target's reply, then invalidates. */
class InvalidateAfterReply implements ReplySink {
  constructor(
    private readonly route: InvalidateRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    const route = this.route;
    if (reply.result === Result.Exists && route.casFrom !== null && this.req.op === Op.Cas) {
      new CasTranslation(route.casFrom, route.target, this.req, reply, route, this.sink).start();
      return;
    }
    route.finishWrite(this.req, reply, this.sink);
  }
}

/** See the file comment. */
export class InvalidateRoute implements RouteHandle, CasTranslationDone {
  readonly name = 'invalidate';

  /**
   * @param target route every request goes to, and whose reply the client gets (central)
   * @param invalidated routes that receive `delete <key>` after a mutation (every local copy)
   * @param casFrom route whose cas uniques clients may hold (the local memcached), or null: a cas
   *   the target answers EXISTS is then translated (see the file comment)
   */
  constructor(
    readonly target: RouteHandle,
    readonly invalidated: readonly RouteHandle[],
    readonly casFrom: RouteHandle | null = null,
  ) {}

  route(req: McRequest, sink: ReplySink): void {
    if (invalidates(req.op)) this.target.route(req, new InvalidateAfterReply(this, req, sink));
    else this.target.route(req, sink);
  }

  /** The target's final reply to a mutation: invalidates unless nothing was stored, then answers. */
  finishWrite(req: McRequest, reply: McReply, sink: ReplySink): void {
    if (reply.result !== Result.NotStored && reply.result !== Result.Exists) this.invalidate(req.key);
    sink.onReply(reply);
  }

  /** Sends `delete key` to every invalidated route; the replies are ignored. */
  invalidate(key: Buffer): void {
    const del = new McRequest(Op.Delete, key);
    for (const route of this.invalidated) route.route(del, DISCARD_SINK);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseOne(this.target, req, visit, depth);
    if (invalidates(req.op)) traverseAll(this.invalidated, req, visit, depth);
    if (req.op === Op.Cas && this.casFrom !== null) traverseOne(this.casFrom, req, visit, depth);
  }
}

const schema = z.looseObject({
  target: z.unknown().refine((v) => v !== undefined, 'InvalidateRoute needs "target"'),
  invalidate: z.unknown().refine((v) => v !== undefined, 'InvalidateRoute needs "invalidate"'),
  cas_from: z.unknown().optional(),
});

/**
 * `InvalidateRoute`: `{target, invalidate, cas_from?}`; `invalidate` is a route or a list
 * (`Pool|peers` expands to one route per server); `cas_from` one route. An empty `invalidate`
 * builds the target alone (no copies to keep coherent, so no cas to translate).
 * @throws ConfigError with the JSON path when either is missing or not a route
 */
export const buildInvalidateRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const target = factory.create(o.target, childPath(path, 'target'));
  const invalidated = factory.createList(o.invalidate, childPath(path, 'invalidate'));
  const casFrom = factory.createOptional(o.cas_from, childPath(path, 'cas_from'));
  if (invalidated.length === 0) return target;
  return new InvalidateRoute(target, invalidated, casFrom);
};
