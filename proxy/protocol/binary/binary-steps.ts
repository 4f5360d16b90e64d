/**
 * The binary protocol's semantics that an ASCII backend cannot give in one request
 * (`memcached/proto_bin.c`), as extra routed requests for the same client request:
 *
 * - A successful Set/Add/Replace/Append/Prepend and Increment/Decrement report the item's new
 *   CAS unique (clients use it for the next cas): after the update, a `gets` of the key fetches
 *   it (only when the reply is written: quiet opcodes skip it). A concurrent writer between the
 *   two can make it the next version's cas, which a later cas then rejects with KEY_EEXISTS.
 * - Increment/Decrement with an initial value create the item on a miss unless the expiration is
 *   0xffffffff (`complete_incr_bin`): `incr` → NOT_FOUND → `add <initial>` → NOT_STORED (another
 *   client created it first) → `incr` again.
 */
import { McReply } from '../reply.js';
import { McRequest } from '../request.js';
import { Op, isArithmetic, isUpdateLike } from '../op.js';
import { Result } from '../result.js';
import { ReplyMode } from '../reply-mode.js';
import { parseUint64, parsed } from '../uint64.js';
import type { RequestSteps, StepState } from '../client-codec.js';

/** `StepState.step` values. */
const FIRST = 0;
const FETCH_CAS = 1;
const ADD_INITIAL = 2;
const INCR_AGAIN = 3;

function isSuccess(r: Result): boolean {
  return r === Result.Stored || r === Result.Ok || r === Result.Found;
}

/** See the file comment. Stateless: the state lives in the session's slot. */
export class BinarySteps implements RequestSteps {
  next(state: StepState, reply: McReply): McRequest | null {
    const req = state.req;
    switch (state.step) {
      case FIRST:
        if (isArithmetic(req.op) && reply.result === Result.NotFound && req.exptime !== -1) {
          state.step = ADD_INITIAL;
          return new McRequest(Op.Add, req.key, 0, req.exptime, req.value);
        }
        if (isUpdateLike(req.op) || isArithmetic(req.op)) return this.fetchCas(state, reply);
        state.reply = reply;
        return null;
      case FETCH_CAS:
        state.reply =
          reply.result === Result.Found ? state.saved.withCas(reply.casHi, reply.casLo) : state.saved;
        return null;
      case ADD_INITIAL:
        if (reply.result === Result.Stored) {
          parseUint64(req.value, 0, req.value.length);
          return this.fetchCas(state, McReply.counter(parsed.hi, parsed.lo));
        }
        if (reply.result === Result.NotStored) {
          state.step = INCR_AGAIN;
          return req;
        }
        state.reply = reply;
        return null;
      default:
        return this.fetchCas(state, reply);
    }
  }

  /** Ends with `reply`, after fetching the item's cas when the reply is a written success. */
  private fetchCas(state: StepState, reply: McReply): McRequest | null {
    if (!isSuccess(reply.result) || state.req.replyMode !== ReplyMode.Always) {
      state.reply = reply;
      return null;
    }
    state.step = FETCH_CAS;
    state.saved = reply;
    return new McRequest(Op.Gets, state.req.key);
  }
}
