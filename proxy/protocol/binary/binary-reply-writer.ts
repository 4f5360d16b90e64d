/**
 * Binary protocol response packets (proxy → client), as memcached writes them
 * (`memcached/proto_bin.c`: `add_bin_header`, `write_bin_response`, `write_bin_error`,
 * `process_bin_get_or_touch`, `process_bin_stat`).
 *
 * Header: magic 0x81, the request's opcode, key length, extras length, datatype 0, status, body
 * length, the request's opaque, cas — all big-endian. Errors carry memcached's text (or the
 * proxy's error text for statuses memcached never sends), no extras, no key, cas 0; a GetK/GatK
 * miss carries the key instead of a text.
 */
import { ByteWriter } from '../byte-writer.js';
import { Op, isArithmetic } from '../op.js';
import { Result } from '../result.js';
import type { McReply } from '../reply.js';
import { errorLine } from '../reply-writer.js';
import {
  BINARY_RESPONSE_MAGIC,
  BinOp,
  BinStatus,
  HEADER_LENGTH,
  returnsKey,
  statusText,
} from './binary-protocol.js';

const EMPTY = Buffer.alloc(0);

/**
 * The binary status for a reply to `op` (our `Op`, not the opcode), memcached's mapping where
 * memcached has one (`complete_update_bin`: a failed add is KEY_EEXISTS, a failed replace
 * KEY_ENOENT), and for the proxy's own failures: BUSY/OVERLOADED → Busy; timeouts, TKO, connect
 * errors, try-again, shutdown and backend connection errors → Temporary failure; a backend
 * `SERVER_ERROR out of memory …` (or the proxy's own memory refusal) → Out of memory, `… too large …`
 * → Too large; routing errors → Internal error. See docs/binary-protocol.md.
 */
export function binaryStatus(op: Op, reply: McReply): BinStatus {
  switch (reply.result) {
    case Result.Found:
    case Result.Deleted:
    case Result.Touched:
    case Result.Ok:
    case Result.Stored:
    case Result.StaleStored:
      return BinStatus.Success;
    case Result.NotFound:
    case Result.NotFoundHot:
      return BinStatus.KeyNotFound;
    case Result.NotStored:
      if (op === Op.Add) return BinStatus.KeyExists;
      if (op === Op.Replace) return BinStatus.KeyNotFound;
      return BinStatus.NotStored;
    case Result.Exists:
      return BinStatus.KeyExists;
    case Result.BadValue:
      return BinStatus.TooLarge;
    case Result.BadKey:
    case Result.BadFlags:
    case Result.BadExptime:
    case Result.BadCasId:
    case Result.BadLeaseId:
      return BinStatus.InvalidArguments;
    case Result.ClientError:
      return isArithmetic(op) ? BinStatus.DeltaBadValue : BinStatus.InvalidArguments;
    case Result.BadCommand:
      return BinStatus.UnknownCommand;
    case Result.PermissionDenied:
      return BinStatus.AuthError;
    case Result.Busy:
    case Result.Overloaded:
      return BinStatus.Busy;
    case Result.RemoteError: {
      const m = reply.message ?? '';
      if (m.startsWith('out of memory')) return BinStatus.OutOfMemory;
      if (m.includes('too large')) return BinStatus.TooLarge;
      return BinStatus.TemporaryFailure;
    }
    case Result.Timeout:
    case Result.ConnectTimeout:
    case Result.ConnectError:
    case Result.Tko:
    case Result.TryAgain:
    case Result.Shutdown:
    case Result.DeadlineExceeded:
    case Result.Aborted:
    case Result.Ooo:
      return BinStatus.TemporaryFailure;
    case Result.LocalError:
      if (reply.message === 'Command not supported') return BinStatus.NotSupported;
      // The memory budget's refusal (proxy/server/memory-budget.ts), memcached's ENOMEM.
      if (reply.message?.startsWith('out of memory') === true) return BinStatus.OutOfMemory;
      return BinStatus.InternalError;
    default:
      return BinStatus.InternalError;
  }
}

/**
 * Appends binary response packets to a `ByteWriter`; values travel as views (`ByteWriter.data`).
 * See the file comment.
 */
export class BinaryReplyWriter extends ByteWriter {
  /**
   * Appends a 24-byte header; the body (`bodyLength` bytes) must follow. Ensures room for `inline`
   * body bytes composed in the slab right after (all of the body by default).
   */
  header(
    opcode: number,
    keyLength: number,
    extrasLength: number,
    status: number,
    bodyLength: number,
    opaque: number,
    casHi: number,
    casLo: number,
    inline = bodyLength,
  ): void {
    this.ensure(HEADER_LENGTH + inline);
    const b = this.buf;
    const p = this.pos;
    b[p] = BINARY_RESPONSE_MAGIC;
    b[p + 1] = opcode;
    b.writeUInt16BE(keyLength, p + 2);
    b[p + 4] = extrasLength;
    b[p + 5] = 0;
    b.writeUInt16BE(status, p + 6);
    b.writeUInt32BE(bodyLength, p + 8);
    b.writeUInt32BE(opaque, p + 12);
    b.writeUInt32BE(casHi, p + 16);
    b.writeUInt32BE(casLo, p + 20);
    this.pos = p + HEADER_LENGTH;
  }

  /** Appends a uint32 (big-endian). Caller has ensured room. */
  private u32(n: number): void {
    this.buf.writeUInt32BE(n >>> 0, this.pos);
    this.pos += 4;
  }

  /** Appends a packet with no extras, key or body, status Success. */
  empty(opcode: number, opaque: number, casHi = 0, casLo = 0): void {
    this.header(opcode, 0, 0, BinStatus.Success, 0, opaque, casHi, casLo);
  }

  /** Appends a packet whose body is `text` (latin1), no extras or key. */
  textPacket(opcode: number, status: number, opaque: number, text: string, key = ''): void {
    const bodyLen = key.length + text.length;
    this.header(opcode, key.length, 0, status, bodyLen, opaque, 0, 0);
    this.pos += this.buf.write(key, this.pos, 'latin1');
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** Appends an error packet for `status` (memcached's text, else `fallback`). */
  error(opcode: number, status: number, opaque: number, fallback: string): void {
    this.textPacket(opcode, status, opaque, statusText(status) ?? fallback);
  }

  /**
   * Appends the reply to a routed request. `opcode` is the client's opcode (quiet ones
   * included); the caller has applied the reply mode.
   */
  reply(opcode: number, op: Op, key: Buffer, reply: McReply, status: BinStatus, opaque: number): void {
    if (status !== BinStatus.Success) {
      if (status === BinStatus.KeyNotFound && returnsKey(opcode)) {
        this.header(opcode, key.length, 0, status, key.length, opaque, 0, 0);
        this.pos += key.copy(this.buf, this.pos);
        return;
      }
      this.error(opcode, status, opaque, errorLine(reply));
      return;
    }
    switch (op) {
      case Op.Get:
      case Op.Gets:
      case Op.Gat:
      case Op.Gats: {
        // Touch is asked as gats: memcached's Touch reply has the flags and cas, no value.
        const touch = opcode === BinOp.Touch;
        const valueLength = touch ? 0 : reply.valueLength;
        const k = returnsKey(opcode) ? key : EMPTY;
        this.header(
          opcode,
          k.length,
          4,
          status,
          4 + k.length + valueLength,
          opaque,
          reply.casHi,
          reply.casLo,
          4 + k.length,
        );
        this.u32(reply.flags);
        this.pos += k.copy(this.buf, this.pos);
        if (touch) return;
        if (reply.pieces !== null) this.dataPieces(reply.pieces);
        else if (reply.value !== null) this.data(reply.value);
        return;
      }
      case Op.Incr:
      case Op.Decr:
        this.header(opcode, 0, 0, status, 8, opaque, reply.casHi, reply.casLo);
        this.u32(reply.numHi);
        this.u32(reply.numLo);
        return;
      case Op.Delete:
      case Op.FlushAll:
        this.empty(opcode, opaque);
        return;
      default:
        this.empty(opcode, opaque, reply.casHi, reply.casLo);
    }
  }

  /**
   * Appends the stats reply: one packet per `STAT <name> <value>` line of `text`, then the empty
   * terminator (`memcached/proto_bin.c` `process_bin_stat`); an error line (unknown group) is
   * KEY_ENOENT, as memcached.
   */
  stats(text: string, opaque: number): void {
    if (text.startsWith('RESET')) {
      this.empty(BinOp.Stat, opaque);
      return;
    }
    if (!text.startsWith('STAT ') && !text.startsWith('END')) {
      this.error(BinOp.Stat, BinStatus.KeyNotFound, opaque, '');
      return;
    }
    for (const line of text.split('\r\n')) {
      if (!line.startsWith('STAT ')) continue;
      const sp = line.indexOf(' ', 5);
      const name = sp < 0 ? line.slice(5) : line.slice(5, sp);
      const value = sp < 0 ? '' : line.slice(sp + 1);
      this.textPacket(BinOp.Stat, BinStatus.Success, opaque, value, name);
    }
    this.empty(BinOp.Stat, opaque);
  }
}
