/**
 * When a request's reply goes back to the client. ASCII has `noreply` (never); the binary
 * protocol's quiet opcodes answer only errors (SetQ, DeleteQ, IncrQ …) or only hits (GetQ, GetKQ,
 * GATQ, GATKQ), as `memcached/proto_bin.c` (`write_bin_response`, `process_bin_get_or_touch`).
 */
import { Result } from './result.js';

/** See the file comment. */
export enum ReplyMode {
  /** Every reply is written (the default). */
  Always = 0,
  /** No reply at all (ASCII `noreply`). */
  Never = 1,
  /** Only failures: a success is suppressed (binary quiet updates, deletes, arithmetic, flush). */
  OnlyOnError = 2,
  /** Only hits: a miss is suppressed (binary quiet gets); errors other than a miss are written. */
  OnlyOnHit = 3,
}

/** True when `result` must be written to the client under `mode`. */
export function repliesWith(mode: ReplyMode, result: Result, success: boolean): boolean {
  switch (mode) {
    case ReplyMode.Always:
      return true;
    case ReplyMode.Never:
      return false;
    case ReplyMode.OnlyOnError:
      return !success;
    case ReplyMode.OnlyOnHit:
      return result !== Result.NotFound;
  }
}
