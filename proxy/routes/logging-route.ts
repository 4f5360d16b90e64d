/**
 * LoggingRoute: passes the request to `target` (NullRoute's reply without one) and logs one line
 * per request with the key, the result and the value length, as mcrouter's LoggingRoute does with
 * `LOG(INFO)` (`mcrouter/routes/LoggingRoute.h`):
 * `request key: <key> response: mc_res_<result> responseLength: <bytes> user ip: N/A`.
 *
 * This is the one route that logs per request, on purpose; use it for debugging a prefix, not for
 * a whole fleet's traffic. The client address is not known to routes here, so `user ip` is `N/A`.
 */
import { z } from 'zod';
import { McReply, type ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { resultFullName } from '../protocol/result.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { log } from '../logger.js';
import { traverseOne, type RouteHandle, type RouteVisitor } from './route-handle.js';

class LoggingSink implements ReplySink {
  constructor(
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {}

  onReply(reply: McReply): void {
    const key = this.req.keyString();
    const response = resultFullName(reply.result);
    const responseLength = reply.value?.length ?? 0;
    log.info(
      { key, response, responseLength },
      `request key: ${key} response: ${response} responseLength: ${responseLength} user ip: N/A`,
    );
    this.sink.onReply(reply);
  }
}

/** See the file comment. */
export class LoggingRoute implements RouteHandle {
  readonly name = 'logging';

  /** @param target where requests go, or null to answer like NullRoute */
  constructor(readonly target: RouteHandle | null) {}

  route(req: McRequest, sink: ReplySink): void {
    const s = new LoggingSink(req, sink);
    if (this.target === null) s.onReply(McReply.defaultFor(req.op));
    else this.target.route(req, s);
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    if (this.target !== null) traverseOne(this.target, req, visit, depth);
  }
}

const schema = z.looseObject({ target: z.unknown().optional() });

/** `LoggingRoute`, `LoggingRoute|<target>` or `{"target": route}`. */
export const buildLoggingRoute: RouteBuilder = (factory, json, path) => {
  if (typeof json === 'string') return new LoggingRoute(factory.create(json, path));
  if (!isObject(json)) return new LoggingRoute(null);
  const o = parseWith(schema, json, path);
  return new LoggingRoute(factory.createOptional(o.target, childPath(path, 'target')));
};
