/**
 * Backend-side ASCII reply parser (memcached → proxy), `mcrouter/lib/network/AsciiSerialized.cpp` and `mcrouter/lib/network/McAsciiParser.rl`
 * (`mcrouter/lib/network/McAsciiParser.rl`, client side).
 *
 * Replies arrive in request order (FIFO), so the parser asks its sink which operation the oldest
 * outstanding request has and accepts only the replies that operation can get. Anything else
 * (memcached's `ERROR`, a truncated or malformed `VALUE`, an unexpected line) is a protocol error:
 * the destination tears the connection down and fails only that connection's requests.
 *
 * Values of `VALUE_VIEW_MIN` bytes or more are `subarray` views of the socket chunk, or a list of
 * views when they span chunks (`McReply.pieces`): such a hit pins the chunks it arrived in until
 * its reply is written (accounted by the memory budget). Shorter values are copied out, so a small
 * reply never pins a chunk (up to 64 KiB of socket memory).
 *
 * A chunk fed as transient (`feed(chunk, Feed.Copy)`: a read buffer the caller reuses once `feed`
 * returns, `destination/backend-reader.ts`) is copied out of where the parser holds a part of it
 * past the call (a partial line or value, a version string). With `Feed.Adopt` the same, except
 * for a long value's data: a hit of `VALUE_VIEW_MIN` bytes or more, or a part of at least
 * `ADOPT_MIN` bytes of one, stays a view and the parser adopts the chunk (`takeLongData()` says
 * so): the caller must then not reuse that memory.
 */
import { McReply } from './reply.js';
import { Op, isGetLike, isUpdateLike, returnsCas } from './op.js';
import { Result } from './result.js';
import { CR, LF, SPACE, bytesEqual, parseUint } from './ascii.js';
import { PendingBytes, trimTail } from './pending-bytes.js';
import { parseUint64, parsed } from './uint64.js';
import { MetaKind, metaKindOfOp } from './meta/meta-request.js';
import { parseMetaReply, valueLength } from './meta/meta-reply.js';

/** How `ReplyParser.feed` may keep its chunk (see the file comment). */
export const enum Feed {
  /** The chunk is never modified afterwards: views of it may be kept. */
  Keep,
  /** The caller reuses the chunk once `feed` returns: whatever is kept is copied. */
  Copy,
  /** As `Copy`, but a long value's data stays a view (the chunk is adopted, `takeLongData`). */
  Adopt,
}

/** Receives parsed replies. */
export interface ReplyParserSink {
  /** The op of the oldest request still awaiting a reply, or -1 when none is outstanding. */
  expectedOp(): Op | -1;
  /** The reply to the oldest outstanding request. */
  onReply(reply: McReply): void;
  /** The stream is unusable; `message` says why. No more replies will be delivered. */
  onProtocolError(message: string): void;
}

const enum State {
  Line,
  Value,
  Failed,
}

/** Longest reply line accepted (a VALUE line holds a ≤250-byte key). */
const MAX_LINE = 8192;
const END_TAIL = '\r\nEND\r\n';
const END_TAIL_BYTES = Buffer.from(END_TAIL, 'latin1');
const UINT32_MAX = 4294967295;
const MAX_VALUE = 1 << 30;
/**
 * Values at least this long (bytes) are kept as views of the chunks they arrived in; shorter ones
 * are copied (a 16 KiB copy costs about a microsecond, and a view would pin its whole chunk).
 */
export const VALUE_VIEW_MIN = 16 * 1024;
/**
 * A part of a long value at least this long (bytes) in a transient chunk is kept as a view and the
 * chunk adopted; a shorter part is copied (cheaper than pinning the chunk for it).
 */
export const ADOPT_MIN = 16 * 1024;

/** See the file comment. One instance per backend connection. */
export class ReplyParser {
  private state = State.Line;
  private readonly pending = new PendingBytes();
  /** While in Value: the header of the hit whose data is awaited. */
  private vFlags = 0;
  private vLength = 0;
  private vCasHi = 0;
  private vCasLo = 0;
  /** While in Value for a meta `VA`: its status line (else null) and its command. */
  private vMetaHead: Buffer | null = null;
  private vMetaKind = MetaKind.Get;
  /** How the chunk being fed may be kept. */
  private mode = Feed.Keep;
  /** A long value's data was met in a transient chunk since `takeLongData` (see there). */
  private longData = false;

  constructor(private readonly sink: ReplyParserSink) {}

  /** Forgets any partial reply (after the connection was reset). */
  reset(): void {
    this.state = State.Line;
    this.pending.clear();
    this.vMetaHead = null;
  }

  /**
   * Parses one chunk from the backend socket. With `Feed.Keep` the chunk must not be modified
   * afterwards; with `Feed.Copy` the caller may reuse its memory as soon as `feed` returns (the
   * parser copies what it keeps); with `Feed.Adopt` too, unless `takeLongData()` then says true.
   */
  feed(chunk: Buffer, mode = Feed.Keep): void {
    this.mode = mode;
    let pos = 0;
    if (this.state === State.Failed) return;
    if (this.state === State.Value) {
      pos = this.continueValue(chunk);
      if (pos < 0) return;
    } else if (this.pending.length > 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.savePartial(chunk);
        return;
      }
      const line = this.pending.complete(chunk, nl + 1);
      pos = this.handleLine(line, 0, line.length - 1, chunk, nl + 1);
      if (pos < 0) return;
    }
    const len = chunk.length;
    while (pos < len && this.state === State.Line) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.savePartial(chunk.subarray(pos));
        return;
      }
      pos = this.handleLine(chunk, pos, nl, chunk, nl + 1);
      if (pos < 0) return;
    }
  }

  /**
   * Bytes still awaited for the value being read (data and tail), 0 between replies: a reader
   * can give the next read a buffer the value's views may keep (`destination/backend-reader.ts`).
   */
  get awaitedBytes(): number {
    return this.state === State.Value ? this.vLength + this.tailLength() - this.pending.length : 0;
  }

  /**
   * True once after a transient `feed` met a long value's data (a hit of `VALUE_VIEW_MIN` bytes or
   * more, or `ADOPT_MIN` bytes of one): with `Feed.Adopt` the parser kept a view of the chunk, and
   * the caller must read the next chunk elsewhere instead of reusing that memory; with `Feed.Copy`
   * it copied the data, and the caller may switch to `Feed.Adopt` buffers for what follows.
   */
  takeLongData(): boolean {
    const a = this.longData;
    this.longData = false;
    return a;
  }

  /** `piece` to hold past this `feed`: itself, or a copy when the chunk is transient. */
  private keep(piece: Buffer): Buffer {
    return this.mode === Feed.Keep ? piece : Buffer.from(piece);
  }

  /**
   * A long value's data `piece` to hold past this `feed`: itself when the chunk is kept, or adopted
   * and the piece is `min` bytes or more; else a copy.
   */
  private keepData(piece: Buffer, min: number): Buffer {
    if (this.mode === Feed.Keep) return piece;
    if (piece.length < min) return Buffer.from(piece);
    this.longData = true;
    return this.mode === Feed.Adopt ? piece : Buffer.from(piece);
  }

  /** The value `buf[start, end)`: a view when long (see `VALUE_VIEW_MIN`), else a copy. */
  private valueOf(buf: Buffer, start: number, end: number): Buffer {
    if (end - start >= VALUE_VIEW_MIN) return this.keepData(buf.subarray(start, end), 0);
    const out = Buffer.allocUnsafe(end - start);
    buf.copy(out, 0, start, end);
    return out;
  }

  private savePartial(piece: Buffer): void {
    this.pending.push(this.keep(piece));
    if (this.pending.length > MAX_LINE) this.fail('reply line too long');
  }

  private fail(message: string): number {
    this.state = State.Failed;
    this.pending.clear();
    this.sink.onProtocolError(message);
    return -1;
  }

  /**
   * Handles the reply line `line[start, nl)`; a VALUE's data starts at `buf[dataPos]`.
   * @returns where to go on in `buf`, or -1 (data awaited or failed)
   */
  private handleLine(line: Buffer, start: number, nl: number, buf: Buffer, dataPos: number): number {
    if (nl === start || line[nl - 1] !== CR) return this.fail('reply line not terminated by CRLF');
    const end = nl - 1;
    const op = this.sink.expectedOp();
    if (op === -1)
      return this.fail(`unexpected reply with no request outstanding: ${preview(line, start, end)}`);
    const metaKind = metaKindOfOp(op);
    if (metaKind !== -1) return this.metaLine(line, start, end, metaKind, buf, dataPos);
    const c = line[start];
    if (isGetLike(op)) {
      if (c === 0x56 /* V */ && end - start > 6 && bytesEqual(line, start, start + 6, 'VALUE ')) {
        return this.valueHeader(line, start + 6, end, op, buf, dataPos);
      }
      if (bytesEqual(line, start, end, 'END')) {
        this.sink.onReply(McReply.NOT_FOUND);
        return dataPos;
      }
      return this.errorOrFail(line, start, end, op, dataPos);
    }
    let reply: McReply | null = null;
    if (isUpdateLike(op)) {
      if (bytesEqual(line, start, end, 'STORED')) reply = McReply.STORED;
      else if (bytesEqual(line, start, end, 'NOT_STORED')) reply = McReply.NOT_STORED;
      else if (bytesEqual(line, start, end, 'EXISTS')) reply = McReply.EXISTS;
      else if (bytesEqual(line, start, end, 'NOT_FOUND')) reply = McReply.NOT_FOUND;
    }
    switch (op) {
      case Op.Delete:
        if (bytesEqual(line, start, end, 'DELETED')) reply = McReply.DELETED;
        else if (bytesEqual(line, start, end, 'NOT_FOUND')) reply = McReply.NOT_FOUND;
        break;
      case Op.Incr:
      case Op.Decr:
        if (c !== undefined && c >= 48 && c <= 57) {
          // memcached may pad the number with spaces after an in-place decr; trim them.
          let e = end;
          while (e > start && line[e - 1] === SPACE) e--;
          if (parseUint64(line, start, e)) reply = McReply.counter(parsed.hi, parsed.lo);
        } else if (bytesEqual(line, start, end, 'NOT_FOUND')) reply = McReply.NOT_FOUND;
        break;
      case Op.Touch:
        if (bytesEqual(line, start, end, 'TOUCHED')) reply = McReply.TOUCHED;
        else if (bytesEqual(line, start, end, 'NOT_FOUND')) reply = McReply.NOT_FOUND;
        break;
      case Op.FlushAll:
        if (bytesEqual(line, start, end, 'OK')) reply = McReply.OK;
        break;
      case Op.Version:
        if (end - start > 8 && bytesEqual(line, start, start + 8, 'VERSION ')) {
          reply = new McReply(Result.Ok, this.keep(line.subarray(start + 8, end)));
        }
        break;
    }
    if (reply !== null) {
      this.sink.onReply(reply);
      return dataPos;
    }
    return this.errorOrFail(line, start, end, op, dataPos);
  }

  /** SERVER_ERROR / CLIENT_ERROR lines are replies; anything else is a protocol error. */
  private errorOrFail(line: Buffer, start: number, end: number, op: Op, dataPos: number): number {
    if (end - start >= 12 && bytesEqual(line, start, start + 12, 'SERVER_ERROR')) {
      const msg = line.toString('latin1', Math.min(start + 13, end), end);
      this.sink.onReply(serverError(msg));
      return dataPos;
    }
    if (end - start >= 12 && bytesEqual(line, start, start + 12, 'CLIENT_ERROR')) {
      const msg = line.toString('latin1', Math.min(start + 13, end), end);
      this.sink.onReply(McReply.error(Result.ClientError, msg));
      return dataPos;
    }
    if (bytesEqual(line, start, end, 'ERROR')) return this.fail('ERROR reply received from server.');
    return this.fail(`unexpected reply for ${Op[op]}: ${preview(line, start, end)}`);
  }

  /** A reply to a meta request (`meta/meta-reply.ts`): a status line, for `VA` a data block. */
  private metaLine(
    line: Buffer,
    start: number,
    end: number,
    kind: MetaKind,
    buf: Buffer,
    dataPos: number,
  ): number {
    const length = valueLength(line, start, end);
    if (length >= 0) {
      this.vMetaHead = this.keep(line.subarray(start, end));
      this.vMetaKind = kind;
      return this.awaitValue(length, buf, dataPos);
    }
    const reply = parseMetaReply(line, start, end, kind, null);
    if (reply === null) return this.errorOrFail(line, start, end, Op.Get, dataPos);
    this.sink.onReply(reply);
    return dataPos;
  }

  /** `VALUE <key> <flags> <bytes>[ <cas>]`; the fields start at `line[s]`. */
  private valueHeader(line: Buffer, s: number, end: number, op: Op, buf: Buffer, dataPos: number): number {
    // Fields: key flags bytes [cas]. Split on single spaces from the key onwards.
    const k = line.indexOf(SPACE, s);
    if (k < 0 || k >= end) return this.fail('malformed VALUE line');
    const f = line.indexOf(SPACE, k + 1);
    if (f < 0 || f >= end) return this.fail('malformed VALUE line');
    let b = line.indexOf(SPACE, f + 1);
    if (b < 0 || b > end) b = end;
    const flags = parseUint(line, k + 1, f, UINT32_MAX);
    const length = parseUint(line, f + 1, b, MAX_VALUE);
    if (flags < 0 || length < 0) return this.fail('malformed VALUE line');
    let casHi = 0;
    let casLo = 0;
    if (b < end) {
      if (!parseUint64(line, b + 1, end)) return this.fail('malformed VALUE line');
      casHi = parsed.hi;
      casLo = parsed.lo;
    } else if (returnsCas(op)) {
      return this.fail('VALUE without cas for gets');
    }
    this.vFlags = flags;
    this.vCasHi = casHi;
    this.vCasLo = casLo;
    this.vMetaHead = null;
    return this.awaitValue(length, buf, dataPos);
  }

  /** Reads the `length`-byte value at `buf[dataPos]` and its tail, now or from later chunks. */
  private awaitValue(length: number, buf: Buffer, dataPos: number): number {
    this.vLength = length;
    const total = length + this.tailLength();
    if (buf.length - dataPos >= total) return this.finishValue(buf, dataPos) ? dataPos + total : -1;
    this.state = State.Value;
    if (dataPos < buf.length) this.pending.push(this.keepPart(buf.subarray(dataPos)));
    return -1;
  }

  /** A part of the value being read, to hold: a long value's part of `ADOPT_MIN` bytes stays a view. */
  private keepPart(piece: Buffer): Buffer {
    const long = this.vLength >= VALUE_VIEW_MIN && this.vMetaHead === null;
    return long ? this.keepData(piece, ADOPT_MIN) : this.keep(piece);
  }

  /** What follows a value: `\r\nEND\r\n` after a VALUE, `\r\n` after a meta VA. */
  private tailLength(): number {
    return this.vMetaHead === null ? END_TAIL.length : 2;
  }

  private continueValue(chunk: Buffer): number {
    const need = this.vLength + this.tailLength() - this.pending.length;
    if (chunk.length < need) {
      this.pending.push(this.keepPart(chunk));
      return -1;
    }
    this.state = State.Line;
    // A meta VA value (WarmUpRoute's `mg`) is parsed from one block: parseMetaReply takes a Buffer.
    if (this.vLength < VALUE_VIEW_MIN || this.vMetaHead !== null) {
      const block = this.pending.complete(chunk, need);
      return this.finishValue(block, 0) ? need : -1;
    }
    const pieces = this.pending.takeViews(this.keepPart(chunk.subarray(0, need)), need);
    if (!trimTail(pieces, this.vLength, END_TAIL_BYTES)) {
      this.fail('value not followed by END');
      return -1;
    }
    this.sink.onReply(
      new McReply(Result.Found, null, this.vFlags, this.vCasHi, this.vCasLo, null, 0, 0, pieces),
    );
    return need;
  }

  /** Emits the hit whose data is at `buf[pos, pos+vLength)`, followed by `\r\nEND\r\n`. */
  private finishValue(buf: Buffer, pos: number): boolean {
    const end = pos + this.vLength;
    const head = this.vMetaHead;
    if (head !== null) {
      this.vMetaHead = null;
      const reply =
        buf[end] === CR && buf[end + 1] === LF
          ? parseMetaReply(head, 0, head.length, this.vMetaKind, this.valueOf(buf, pos, end))
          : null;
      if (reply === null) {
        this.fail('malformed meta VA reply');
        return false;
      }
      this.sink.onReply(reply);
      return true;
    }
    if (!bytesEqual(buf, end, end + END_TAIL.length, END_TAIL)) {
      this.fail('value not followed by END');
      return false;
    }
    this.sink.onReply(
      new McReply(Result.Found, this.valueOf(buf, pos, end), this.vFlags, this.vCasHi, this.vCasLo),
    );
    return true;
  }
}

/**
 * Classifies a backend `SERVER_ERROR <msg>`: codes 307/302/301 are BUSY/TRY_AGAIN/SHUTDOWN, the
 * rest REMOTE_ERROR; the message is kept whole so the client sees the same text (`mcrouter/lib/network/AsciiSerialized.cpp`).
 */
export function serverError(msg: string): McReply {
  let result = Result.RemoteError;
  if (msg.length >= 3 && (msg.length === 3 || msg.charCodeAt(3) === SPACE)) {
    const code = msg.slice(0, 3);
    if (code === '307') result = Result.Busy;
    else if (code === '302') result = Result.TryAgain;
    else if (code === '301') result = Result.Shutdown;
  }
  return McReply.error(result, msg.length > 0 ? msg : null);
}

function preview(line: Buffer, start: number, end: number): string {
  return JSON.stringify(line.toString('latin1', start, Math.min(end, start + 60)));
}
