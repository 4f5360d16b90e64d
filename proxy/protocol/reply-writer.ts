/**
 * Server-side ASCII reply serializer (proxy → client), `mcrouter/lib/network/AsciiSerialized.cpp`
 * (`mcrouter/lib/network/AsciiSerialized.cpp`).
 *
 * Replies are appended to a `ByteWriter`: fixed lines are pre-encoded literals, headers are composed
 * in its slab, and values travel as views (`ByteWriter.data`), never converted to strings.
 */
import { Op, OP_NAMES, isUpdateLike, returnsCas } from './op.js';
import { Result, isErrorResult, resultFullName } from './result.js';
import type { McReply } from './reply.js';
import { ByteWriter, asciiLiteral } from './byte-writer.js';
import { uint64Length } from './uint64.js';

const END = asciiLiteral('END\r\n');
const STORED = asciiLiteral('STORED\r\n');
const STALE_STORED = asciiLiteral('STALE_STORED\r\n');
const NOT_STORED = asciiLiteral('NOT_STORED\r\n');
const EXISTS = asciiLiteral('EXISTS\r\n');
const NOT_FOUND = asciiLiteral('NOT_FOUND\r\n');
const FOUND = asciiLiteral('FOUND\r\n');
const DELETED = asciiLiteral('DELETED\r\n');
const TOUCHED = asciiLiteral('TOUCHED\r\n');
const OK = asciiLiteral('OK\r\n');
const VALUE = asciiLiteral('VALUE ');
const CRLF = asciiLiteral('\r\n');

/** Fixed wire text of an error result without a message (`mcrouter/lib/network/AsciiSerialized.cpp` table). */
export function errorText(result: Result): string {
  switch (result) {
    case Result.Ooo:
      return 'SERVER_ERROR out of order';
    case Result.Timeout:
      return 'SERVER_ERROR timeout';
    case Result.ConnectTimeout:
      return 'SERVER_ERROR connection timeout';
    case Result.ConnectError:
      return 'SERVER_ERROR connection error';
    case Result.Busy:
      return 'SERVER_ERROR 307 busy';
    case Result.TryAgain:
      return 'SERVER_ERROR 302 try again';
    case Result.Shutdown:
      return 'SERVER_ERROR 301 shutdown';
    case Result.Tko:
      return 'SERVER_ERROR unavailable';
    case Result.DeadlineExceeded:
      return 'SERVER_ERROR request deadline exceeded';
    case Result.BadCommand:
      // An unknown command: memcached's reply (`memcached/proto_text.c`).
      return 'ERROR';
    case Result.BadKey:
      return 'CLIENT_ERROR bad key';
    case Result.BadFlags:
      return 'CLIENT_ERROR bad flags';
    case Result.BadExptime:
      return 'CLIENT_ERROR bad exptime';
    case Result.BadLeaseId:
      return 'CLIENT_ERROR bad lease_id';
    case Result.BadCasId:
      return 'CLIENT_ERROR bad cas_id';
    case Result.BadValue:
      return 'SERVER_ERROR bad value';
    case Result.Aborted:
      return 'SERVER_ERROR aborted';
    case Result.ClientError:
      return 'CLIENT_ERROR';
    case Result.LocalError:
      return 'SERVER_ERROR local error';
    case Result.RemoteError:
      return 'SERVER_ERROR remote error';
    case Result.PermissionDenied:
      return 'SERVER_ERROR permission denied';
    case Result.HotKey:
      return 'SERVER_ERROR hot key';
    case Result.Overloaded:
      return 'SERVER_ERROR overloaded';
    default:
      return 'SERVER_ERROR unknown result';
  }
}

/**
 * The error line (without CRLF) for an error reply: `CLIENT_ERROR <msg>` for CLIENT_ERROR with a
 * message, `SERVER_ERROR <msg>` for any other result with a message, else the fixed text.
 * CR and LF in a message are replaced by spaces so a reply can never break the stream.
 */
export function errorLine(reply: McReply): string {
  const msg = reply.message;
  if (msg === null || msg.length === 0) return errorText(reply.result);
  const safe = /[\r\n]/.test(msg) ? msg.replace(/[\r\n]+/g, ' ') : msg;
  return reply.result === Result.ClientError ? `CLIENT_ERROR ${safe}` : `SERVER_ERROR ${safe}`;
}

/** `SERVER_ERROR unexpected result mc_res_<name> (<n>) for <op>` (mcrouter's text). */
export function unexpectedLine(result: Result, op: Op): string {
  return `SERVER_ERROR unexpected result ${resultFullName(result)} (${result}) for ${OP_NAMES[op] ?? 'unknown'}`;
}

/** Appends ASCII replies to a scratch buffer; see the file comment. */
export class ReplyWriter extends ByteWriter {
  /** Appends `END\r\n`. */
  end(): void {
    this.literal(END);
  }

  /**
   * Appends `VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n` for a hit. `withCas` for gets/gats;
   * a hit without a cas prints 0. The data goes out as views (`ByteWriter.data`).
   */
  value(key: Buffer, reply: McReply, withCas: boolean): void {
    this.literal(VALUE);
    this.ensure(key.length + 1 + 10 + 1 + 16 + 1 + 20 + 2);
    this.pos += key.copy(this.buf, this.pos);
    this.byte(32);
    this.uint(reply.flags);
    this.byte(32);
    this.uint(reply.valueLength);
    if (withCas) {
      this.byte(32);
      this.uint64(reply.casHi, reply.casLo);
    }
    this.byte(13);
    this.byte(10);
    if (reply.pieces !== null) this.dataPieces(reply.pieces);
    else if (reply.value !== null) this.data(reply.value);
    this.literal(CRLF);
  }

  /** Appends the reply to a single-key (or keyless) request, `mcrouter/lib/network/AsciiSerialized.cpp` */
  reply(op: Op, key: Buffer, reply: McReply): void {
    const r = reply.result;
    if (isErrorResult(r)) {
      this.line(errorLine(reply));
      return;
    }
    if (isUpdateLike(op)) {
      this.storageReply(op, r);
      return;
    }
    switch (op) {
      case Op.Get:
      case Op.Gat:
      case Op.Gets:
      case Op.Gats:
        if (r === Result.Found) {
          this.value(key, reply, returnsCas(op));
          this.end();
        } else if (r === Result.NotFound) this.end();
        else this.line(unexpectedLine(r, op));
        return;
      case Op.Delete:
        if (r === Result.Deleted) this.literal(DELETED);
        else if (r === Result.NotFound) this.literal(NOT_FOUND);
        else this.line(unexpectedLine(r, op));
        return;
      case Op.Incr:
      case Op.Decr:
        if (r === Result.Stored || r === Result.Ok || r === Result.Found) {
          this.ensure(uint64Length(reply.numHi, reply.numLo) + 2);
          this.uint64(reply.numHi, reply.numLo);
          this.crlf();
        } else if (r === Result.NotFound) this.literal(NOT_FOUND);
        else this.line(unexpectedLine(r, op));
        return;
      case Op.Touch:
        if (r === Result.Touched) this.literal(TOUCHED);
        else if (r === Result.NotFound) this.literal(NOT_FOUND);
        else this.line(unexpectedLine(r, op));
        return;
      case Op.FlushAll:
        if (r === Result.Ok) this.literal(OK);
        else this.line(unexpectedLine(r, op));
        return;
      case Op.Version:
        if (reply.value !== null) {
          this.line(`VERSION ${reply.value.toString('latin1')}`);
        } else this.line(unexpectedLine(r, op));
        return;
    }
  }

  private storageReply(op: Op, r: Result): void {
    switch (r) {
      case Result.Stored:
      case Result.Ok:
        this.literal(STORED);
        return;
      case Result.StaleStored:
        this.literal(STALE_STORED);
        return;
      case Result.NotStored:
        this.literal(NOT_STORED);
        return;
      case Result.Exists:
        this.literal(EXISTS);
        return;
      case Result.NotFound:
        this.literal(NOT_FOUND);
        return;
      case Result.Found:
        this.literal(FOUND);
        return;
      default:
        this.line(unexpectedLine(r, op));
    }
  }

  /**
   * Appends one key's reply of a multi-key get, streamed in key order: a VALUE block for a hit,
   * nothing for a miss (`mcrouter/lib/network/AsciiSerialized.cpp`).
   */
  multiGetPart(op: Op, key: Buffer, reply: McReply): void {
    if (reply.result === Result.Found) this.value(key, reply, returnsCas(op));
  }

  /**
   * Ends a multi-key get: `END`, or the first error (in key order) instead of it, as mcrouter's
   * `MultiOpParent` replaces the end reply with the first error (`mcrouter/lib/network/MultiOpParent.cpp`);
   * keys after the error print nothing.
   */
  multiGetEnd(error: McReply | null): void {
    if (error === null) this.end();
    else this.line(errorLine(error));
  }
}
