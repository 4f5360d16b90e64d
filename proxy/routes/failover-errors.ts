/**
 * Which replies make FailoverRoute try the next child: `failover_errors`
 * (`mcrouter/lib/FailoverErrorsSettingsBase.cpp`, `mcrouter/routes/FailoverRoute.h`).
 *
 * - absent: the failover errors of `mcrouter/lib/McResUtil.h` (BUSY, SHUTDOWN, TKO, TRY_AGAIN, LOCAL_ERROR,
 *   CONNECT_ERROR, CONNECT_TIMEOUT, TIMEOUT, REMOTE_ERROR, DEADLINE_EXCEEDED);
 * - an array of result names without `mc_res_` (`["remote_error", "timeout"]`): that list for
 *   gets, updates and deletes;
 * - an object `{"gets": [...], "updates": [...], "deletes": [...]}`: per group, a missing group
 *   keeps the default; `[]` means never fail over for that group.
 *
 * Other operations (touch, incr, decr) always use the default list. Only error results are valid
 * names.
 */
import { z } from 'zod';
import { Op, isDeleteLike, isGetLike, isUpdateLike } from '../protocol/op.js';
import {
  RESULT_NAMES,
  isErrorResult,
  isFailoverErrorResult,
  resultFromName,
  type Result,
} from '../protocol/result.js';
import { ConfigError } from '../errors.js';
import { childPath } from '../config/json-path.js';
import { isObject } from '../config/schema.js';

/** A set of results, or null for the default failover errors. */
type ResultSet = Uint8Array | null;

const listSchema = z.array(
  z.string('Failover error is not a string'),
  'List of failover errors is not an array.',
);

function parseList(json: unknown, path: string): Uint8Array {
  const parsed = listSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(path, parsed.error.issues[0]?.message ?? 'invalid list');
  const set = new Uint8Array(RESULT_NAMES.length);
  parsed.data.forEach((name, i) => {
    const r = resultFromName(name);
    if (r === undefined || !isErrorResult(r)) {
      throw new ConfigError(childPath(path, i), `Failover error '${name}' is not a valid error type.`);
    }
    set[r] = 1;
  });
  return set;
}

/** See the file comment. Immutable. */
export class FailoverErrors {
  /** The default: every failover error of `mcrouter/lib/McResUtil.h`, for every operation. */
  static readonly DEFAULT = new FailoverErrors(null, null, null);

  private constructor(
    private readonly gets: ResultSet,
    private readonly updates: ResultSet,
    private readonly deletes: ResultSet,
  ) {}

  /**
   * Parses `failover_errors` (undefined → the default).
   * @throws ConfigError naming the path for a non-array/object value or an unknown result name
   */
  static parse(json: unknown, path: string): FailoverErrors {
    if (json === undefined) return FailoverErrors.DEFAULT;
    if (Array.isArray(json)) {
      const l = parseList(json, path);
      return new FailoverErrors(l, l, l);
    }
    if (!isObject(json)) {
      throw new ConfigError(path, 'Failover errors must be either an array or an object.');
    }
    const part = (k: string): ResultSet =>
      json[k] === undefined ? null : parseList(json[k], childPath(path, k));
    return new FailoverErrors(part('gets'), part('updates'), part('deletes'));
  }

  /** True when `result` for an `op` request should be failed over. */
  shouldFailover(result: Result, op: Op): boolean {
    let set: ResultSet = null;
    if (isGetLike(op)) set = this.gets;
    else if (isUpdateLike(op)) set = this.updates;
    else if (isDeleteLike(op)) set = this.deletes;
    return set === null ? isFailoverErrorResult(result) : set[result] === 1;
  }
}
