/**
 * ErrorRoute: answers every request with an error reply, LOCAL_ERROR by default, with the
 * configured message (`mcrouter/routes/ErrorRoute.h`, `mcrouter/routes/`). Client text:
 * `SERVER_ERROR <response>`, or the result's fixed text when the response is empty.
 */
import { McReply, type ReplySink } from '../protocol/reply.js';
import { z } from 'zod';
import { Result, isErrorResult, resultFromName, resultFullName } from '../protocol/result.js';
import { ConfigError } from '../errors.js';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import type { RouteHandle } from './route-handle.js';

/** See the file comment. */
export class ErrorRoute implements RouteHandle {
  readonly name: string;
  private readonly reply: McReply;

  /**
   * @param response the error message ('' → the result's fixed text)
   * @param result an error result (default LOCAL_ERROR)
   */
  constructor(
    readonly response = '',
    readonly result: Result = Result.LocalError,
  ) {
    this.reply = McReply.error(result, response === '' ? null : response);
    this.name = `error|log|${resultFullName(result)}|${response}`;
  }

  route(_req: unknown, sink: ReplySink): void {
    sink.onReply(this.reply);
  }

  traverse(): void {
    /* leaf */
  }
}

const schema = z.looseObject({
  response: z.string().optional(),
  result: z.string().optional(),
  enable_logging: z.boolean().optional(),
});

/**
 * `ErrorRoute`, `ErrorRoute|<message>` or `{"response": msg, "result": "mc_res_busy"}`; the result
 * must be an error result.
 */
export const buildErrorRoute: RouteBuilder = (_factory, json, path) => {
  if (json === null || json === undefined) return new ErrorRoute();
  if (typeof json === 'string') return new ErrorRoute(json);
  const o = parseWith(schema, json, path);
  let result = Result.LocalError;
  if (o.result !== undefined) {
    const r = resultFromName(o.result);
    if (r === undefined || !isErrorResult(r)) {
      throw new ConfigError(childPath(path, 'result'), `${JSON.stringify(o.result)} is not an error result`);
    }
    result = r;
  }
  return new ErrorRoute(o.response ?? '', result);
};
