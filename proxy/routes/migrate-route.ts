/**
 * MigrateRoute: moves traffic from `from` to `to` over time (`mcrouter/lib/routes/MigrateRoute.h`,
 * `mcrouter/routes/MigrateRouteFactory.h`, `mcrouter/routes/`). With `start_time` (unix seconds) and
 * `interval` (seconds, default 3600):
 *
 * - before `start_time`: everything goes to `from`;
 * - from `start_time` to `start_time + interval`: deletes go to both (the worse reply is
 *   returned), everything else to `from`;
 * - from `start_time + interval` to `start_time + 2·interval`: deletes to both, the rest to `to`;
 * - afterwards: everything to `to`.
 *
 * The phase is read from the wall clock for every request, as mcrouter's `TimeProviderFunc`.
 */
import { z } from 'zod';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { Op } from '../protocol/op.js';
import { resultSeverity } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

const FROM = 1;
const TO = 2;

/** Waits for both delete replies and answers with the worse one (the first on a tie). */
class BothState implements ReplySink {
  private first: McReply | null = null;

  constructor(private readonly sink: ReplySink) {}

  onReply(reply: McReply): void {
    const first = this.first;
    if (first === null) {
      this.first = reply;
      return;
    }
    this.sink.onReply(resultSeverity(reply.result) > resultSeverity(first.result) ? reply : first);
  }
}

/** See the file comment. */
export class MigrateRoute implements RouteHandle {
  readonly name = 'migrate';

  /**
   * @param startTime unix seconds
   * @param interval seconds
   * @param now the clock, unix seconds (a parameter for tests)
   */
  constructor(
    readonly from: RouteHandle,
    readonly to: RouteHandle,
    readonly startTime: number,
    readonly interval: number,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  /** Which of `from` (1) and `to` (2) `req` goes to now; 3 = both. */
  mask(req: McRequest): number {
    const t = this.now();
    if (req.op === Op.Delete) {
      if (t < this.startTime) return FROM;
      if (t < this.startTime + 2 * this.interval) return FROM | TO;
      return TO;
    }
    return t < this.startTime + this.interval ? FROM : TO;
  }

  route(req: McRequest, sink: ReplySink): void {
    const m = this.mask(req);
    if (m === FROM) this.from.route(req, sink);
    else if (m === TO) this.to.route(req, sink);
    else {
      const both = new BothState(sink);
      this.from.route(req, both);
      this.to.route(req, both);
    }
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    const m = this.mask(req);
    if ((m & FROM) !== 0) traverseOne(this.from, req, visit, depth);
    if ((m & TO) !== 0) traverseOne(this.to, req, visit, depth);
  }
}

const schema = z.looseObject({
  from: z.unknown().refine((v) => v !== undefined, "MigrateRoute has no 'from' route"),
  to: z.unknown().refine((v) => v !== undefined, "MigrateRoute has no 'to' route"),
  start_time: z.int('MigrateRoute has no/invalid start_time'),
  interval: z.int('MigrateRoute interval is not integer').optional(),
});

/** `MigrateRoute`: `{from, to, start_time, interval}`. */
export const buildMigrateRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  return new MigrateRoute(
    factory.create(o.from, childPath(path, 'from')),
    factory.create(o.to, childPath(path, 'to')),
    o.start_time,
    o.interval ?? 3600,
  );
};
