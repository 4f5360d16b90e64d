/**
 * Reply results with mcrouter's carbon numbering (`mcrouter/lib/carbon/carbon_result.thrift`)
 * and the result classes routes use (`mcrouter/lib/McResUtil.h`).
 */

/** A reply result. Values equal carbon's so `mc_res_<name> (<n>)` texts match mcrouter's. */
export enum Result {
  Unknown = 0,
  Deleted = 1,
  Touched = 2,
  Found = 3,
  FoundStale = 4,
  NotFound = 5,
  NotFoundHot = 6,
  NotStored = 7,
  StaleStored = 8,
  Ok = 9,
  Stored = 10,
  Exists = 11,
  Ooo = 12,
  Timeout = 13,
  ConnectTimeout = 14,
  ConnectError = 15,
  Busy = 16,
  TryAgain = 17,
  Shutdown = 18,
  Tko = 19,
  BadCommand = 20,
  BadKey = 21,
  BadFlags = 22,
  BadExptime = 23,
  BadLeaseId = 24,
  BadCasId = 25,
  BadValue = 26,
  Aborted = 27,
  ClientError = 28,
  LocalError = 29,
  RemoteError = 30,
  Waiting = 31,
  DeadlineExceeded = 32,
  PermissionDenied = 33,
  HotKey = 34,
  Overloaded = 35,
}

/** `mc_res_*` suffixes by result value (e.g. `connect_error`). */
export const RESULT_NAMES: readonly string[] = [
  'unknown',
  'deleted',
  'touched',
  'found',
  'foundstale',
  'notfound',
  'notfoundhot',
  'notstored',
  'stalestored',
  'ok',
  'stored',
  'exists',
  'ooo',
  'timeout',
  'connect_timeout',
  'connect_error',
  'busy',
  'try_again',
  'shutdown',
  'tko',
  'bad_command',
  'bad_key',
  'bad_flags',
  'bad_exptime',
  'bad_lease_id',
  'bad_cas_id',
  'bad_value',
  'aborted',
  'client_error',
  'local_error',
  'remote_error',
  'waiting',
  'deadline_exceeded',
  'permission_denied',
  'hot_key',
  'overloaded',
];

// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- index i is the Result value
const RESULT_BY_NAME = new Map<string, Result>(RESULT_NAMES.map((n, i) => [n, i as Result]));

/** Parses `busy` or `mc_res_busy` into a Result; undefined when unknown. */
export function resultFromName(name: string): Result | undefined {
  return RESULT_BY_NAME.get(name.startsWith('mc_res_') ? name.slice(7) : name);
}

/** `mc_res_<name>` for a result. */
export function resultFullName(result: Result): string {
  return `mc_res_${RESULT_NAMES[result] ?? 'unknown'}`;
}

/** Any result at or above OOO except WAITING (`isErrorResult`). */
export function isErrorResult(r: Result): boolean {
  return r >= Result.Ooo && r !== Result.Waiting;
}

/** BUSY, SHUTDOWN, TKO, TRY_AGAIN, LOCAL_ERROR, CONNECT_ERROR, CONNECT_TIMEOUT, TIMEOUT, REMOTE_ERROR, DEADLINE_EXCEEDED. */
export function isFailoverErrorResult(r: Result): boolean {
  switch (r) {
    case Result.Busy:
    case Result.Shutdown:
    case Result.Tko:
    case Result.TryAgain:
    case Result.LocalError:
    case Result.ConnectError:
    case Result.ConnectTimeout:
    case Result.Timeout:
    case Result.RemoteError:
    case Result.DeadlineExceeded:
      return true;
    default:
      return false;
  }
}

/** DELETED, FOUND, TOUCHED. */
export function isHitResult(r: Result): boolean {
  return r === Result.Deleted || r === Result.Found || r === Result.Touched;
}

/** TIMEOUT: counts towards a soft TKO (`mcrouter/TkoTracker.cpp`). */
export function isSoftTkoError(r: Result): boolean {
  return r === Result.Timeout;
}

/** CONNECT_ERROR, CONNECT_TIMEOUT, SHUTDOWN: mark a destination hard TKO at once (`mcrouter/TkoTracker.cpp`). */
export function isHardTkoError(r: Result): boolean {
  return r === Result.ConnectError || r === Result.ConnectTimeout || r === Result.Shutdown;
}

/** TKO, CONNECT_ERROR, CONNECT_TIMEOUT, SHUTDOWN: failures that cost no failover tokens (`mcrouter/routes/FailoverRoute.h`). */
export function isTkoLikeError(r: Result): boolean {
  return r === Result.Tko || isHardTkoError(r);
}

/**
 * Severity used by AllSyncRoute to pick the worst reply (`resultSeverity`, `mcrouter/lib/routes/AllSyncRoute.h`).
 * Higher is worse. Note mcrouter's quirk: TOUCHED and the BAD_* results rank 10, above every error.
 */
export function resultSeverity(r: Result): number {
  switch (r) {
    case Result.Ok:
    case Result.Stored:
    case Result.StaleStored:
    case Result.Exists:
    case Result.Deleted:
    case Result.Found:
      return 1;
    case Result.Waiting:
      return 2;
    case Result.NotFound:
    case Result.NotStored:
      return 4;
    case Result.Ooo:
    case Result.Timeout:
    case Result.ConnectTimeout:
    case Result.ConnectError:
    case Result.Busy:
    case Result.Shutdown:
    case Result.TryAgain:
    case Result.Tko:
      return 5;
    case Result.BadKey:
    case Result.BadValue:
    case Result.Aborted:
    case Result.DeadlineExceeded:
    case Result.Overloaded:
      return 6;
    case Result.RemoteError:
    case Result.Unknown:
      return 7;
    case Result.LocalError:
      return 8;
    case Result.ClientError:
      return 9;
    default:
      return 10;
  }
}
