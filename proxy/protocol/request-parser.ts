/**
 * Server-side ASCII request parser (client → proxy): mcrouter's ASCII commands, plus what
 * memcached 1.6 accepts (`memcached/proto_text.c`), with memcached's in-band replies.
 *
 * A cursor over the socket chunks: it never copies a chunk unless a line or a data block spans
 * chunks, and then it copies only the spanning piece once. Keys and values are `subarray` views.
 * It does no I/O: it calls a `RequestSink` for each request, in stream order.
 *
 * Error policy (memcached's where it keeps the connection, mcrouter's texts where they are ours):
 * - an unknown command, an empty line or a known command with the wrong number of tokens →
 *   `ERROR`, stream kept (memcached);
 * - a number out of range: storage flags/exptime/length → `CLIENT_ERROR bad command line format`
 *   (the data block is not skipped: its bytes are read as the next command); incr/decr delta →
 *   `CLIENT_ERROR invalid numeric delta argument`; touch/gat/flush_all exptime →
 *   `CLIENT_ERROR invalid exptime argument`; stream kept (memcached);
 * - a key longer than 250 bytes → `CLIENT_ERROR bad key` in that request's slot, stream kept
 *   (mcrouter; a storage command's data block is consumed first);
 * - a value longer than `maxItemSize` → `SERVER_ERROR object too large for cache` (memcached's
 *   text), the data block is skipped without buffering, stream kept;
 * - a data block not followed by `\r\n` → `CLIENT_ERROR bad data chunk`, then close; a line longer
 *   than the line limit → `CLIENT_ERROR malformed request` (mcrouter's `CLIENT_ERROR bad key` when
 *   its key is what is too long), then close (the stream cannot be resynchronised).
 */
import { McRequest } from './request.js';
import { McReply } from './reply.js';
import { Op, isArithmetic, isGetAndTouch, isGetLike, isUpdateLike } from './op.js';
import { Result } from './result.js';
import { ReplyMode } from './reply-mode.js';
import { CR, LF, MAX_KEY_LENGTH, SPACE, bytesEqual, parseInt32, parseUint } from './ascii.js';
import { parseUint64, parsed } from './uint64.js';
import { InputParser } from './input-bytes.js';
import { LocalCommand, type RequestSink } from './request-sink.js';
import { META_SET_HEAD, parseMetaLine } from './meta/meta-request-parser.js';
import type { MetaRequest } from './meta/meta-request.js';

export { LocalCommand, type RequestSink } from './request-sink.js';

/** Parser limits. */
export interface RequestParserOptions {
  /** Largest accepted value, bytes (memcached `-I`, default 1 MiB). */
  maxItemSize: number;
}

/**
 * Longest command line other than get/gets/gat/gats, bytes: memcached closes a connection whose
 * first 2048 bytes hold no LF unless they start a multi-get (`memcached/proto_text.c`,
 * `try_read_command_ascii`).
 */
export const MAX_LINE_LENGTH = 2048;
/** Longest get/gets/gat/gats line (many keys), bytes. */
export const MAX_GET_LINE_LENGTH = 1 << 20;

/** A line too long to be a command: the stream is lost (mcrouter's text). */
export const MALFORMED = McReply.error(Result.ClientError, 'malformed request');
/** An unknown command or a wrong token count: memcached's `ERROR`. */
export const UNKNOWN_COMMAND = McReply.error(Result.BadCommand);
/** A number out of range in a storage command (memcached). */
export const BAD_FORMAT = McReply.error(Result.ClientError, 'bad command line format');
/** delete with a hold time other than 0 (memcached's text). */
export const BAD_DELETE = McReply.error(
  Result.ClientError,
  'bad command line format.  Usage: delete <key> [noreply]',
);
/** incr/decr delta not a uint64 (memcached). */
export const BAD_DELTA = McReply.error(Result.ClientError, 'invalid numeric delta argument');
/** touch/gat/flush_all exptime not an int32 (memcached). */
export const BAD_EXPTIME = McReply.error(Result.ClientError, 'invalid exptime argument');
export const BAD_KEY = McReply.error(Result.BadKey);
export const BAD_DATA_CHUNK = McReply.error(Result.ClientError, 'bad data chunk');
export const TOO_LARGE = McReply.error(Result.BadValue, 'object too large for cache');
export const NOT_SUPPORTED = McReply.error(Result.LocalError, 'Command not supported');

const enum State {
  Line,
  Data,
  Swallow,
  Closed,
}

/**
 * The ASCII command words that are not a routable `Op` (`commandOf` returns the `Op` for those),
 * negative so that they never meet an `Op` value and one switch dispatches both.
 */
const enum Word {
  Unknown = -1,
  Stats = -2,
  Quit = -3,
  Shutdown = -4,
  Verbosity = -5,
  FlushRegex = -6,
  /** Recognised mcrouter commands that stock memcached cannot serve. */
  Unsupported = -7,
  /** lease-set: unsupported, but its data block must be consumed. */
  UnsupportedWithData = -8,
  /** A two-byte command starting with `m`: memcached's meta commands (`meta/`). */
  Meta = -9,
}

/** What a command line's first token names: a routable operation (>= 0) or another word (< 0). */
type Command = Op | Word;

function isOp(cmd: Command): cmd is Op {
  return cmd > Word.Unknown;
}

const NOREPLY = 'noreply';
const UINT32_MAX = 4294967295;
/** Values larger than this are treated as malformed lengths (mcrouter caps at 1 GiB). */
const MAX_DECLARED_LENGTH = 1 << 30;

/** The first bytes of a partial line, to read its command (longer than any command name + space). */
const commandPeek = Buffer.alloc(16);
/** The start of an over-long line: enough to see whether its key is over-long (cold path). */
const longLinePeek = Buffer.alloc(MAX_KEY_LENGTH + 32);

/**
 * The reply to a line over its limit (the connection is then closed): mcrouter's `CLIENT_ERROR bad
 * key` when it is a command whose key (second token, `buf[start, end)` as far as known) is longer
 * than 250 bytes — e.g. `set` with a 10,000-byte key (`mcrouter/lib/network/McAsciiParser.rl`, `mcrouter/lib/network/AsciiSerialized.cpp`)
 * — else `CLIENT_ERROR malformed request`.
 */
function overlongLineReply(buf: Buffer, start: number, end: number): McReply {
  let i = start;
  while (i < end && buf[i] === SPACE) i++;
  const s = i;
  while (i < end && buf[i] !== SPACE) i++;
  if (i === end || !isOp(commandOf(buf, s, i))) return MALFORMED;
  while (i < end && buf[i] === SPACE) i++;
  const k = i;
  while (i < end && buf[i] !== SPACE) i++;
  return i - k > MAX_KEY_LENGTH ? BAD_KEY : MALFORMED;
}

// Token positions of the line being parsed. Shared by all parsers: parsing is synchronous.
let tokStart = new Int32Array(64);
let tokEnd = new Int32Array(64);

/** See the file comment. One instance per client connection. */
export class RequestParser extends InputParser {
  private state = State.Line;
  /** While in Data: the header of the storage command whose block is awaited. */
  private dOp: Op = Op.Set;
  private dKey: Buffer = McRequest.EMPTY;
  private dFlags = 0;
  private dExptime = 0;
  private dCasHi = 0;
  private dCasLo = 0;
  private dNoreply = false;
  private dLength = 0;
  /** While in Data: the in-band error to reply once the block is consumed, if any. */
  private dError: McReply | null = null;
  /** While in Data: the meta request (`ms`) whose block is awaited, else null. */
  private dMeta: MetaRequest | null = null;
  /** While in Swallow: bytes still to skip, and the error to reply after. */
  private swallowLeft = 0;
  private readonly maxItemSize: number;

  constructor(
    private readonly sink: RequestSink,
    opts: RequestParserOptions,
  ) {
    super();
    this.maxItemSize = opts.maxItemSize;
  }

  /** True once a fatal error or `quit` stopped the parser. */
  get closed(): boolean {
    return this.state === State.Closed;
  }

  /** Stops parsing; later chunks are ignored. */
  override close(): void {
    this.state = State.Closed;
    super.close();
  }

  /** Parses one chunk from the socket. The chunk must not be modified afterwards. */
  feed(chunk: Buffer): void {
    let pos = 0;
    switch (this.state) {
      case State.Closed:
        return;
      case State.Swallow:
        if (chunk.length < this.swallowLeft) {
          this.swallowLeft -= chunk.length;
          return;
        }
        pos = this.swallowLeft;
        this.swallowLeft = 0;
        this.state = State.Line;
        break;
      case State.Data:
        pos = this.continueData(chunk);
        if (pos < 0) return;
        break;
      case State.Line:
        if (this.pending.length > 0) {
          pos = this.continueLine(chunk);
          if (pos < 0) return;
        }
        break;
    }
    this.parseFrom(chunk, pos);
  }

  protected parseFrom(buf: Buffer, pos: number): void {
    const len = buf.length;
    while (pos < len && this.state === State.Line) {
      if (this.holdRequested) {
        this.keepRest(buf, pos);
        return;
      }
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.savePartialLine(buf.subarray(pos));
        return;
      }
      pos = this.handleLine(buf, pos, nl, buf, nl + 1);
      if (pos < 0) break;
    }
    // Everything was parsed (or parsing stopped): a hold asked for now has nothing to keep.
    this.holdRequested = false;
  }

  /** A line started in an earlier chunk; finish it with this chunk. Returns where to go on, or -1. */
  private continueLine(chunk: Buffer): number {
    const nl = chunk.indexOf(LF);
    if (nl < 0) {
      this.savePartialLine(chunk);
      return -1;
    }
    const line = this.pending.complete(chunk, nl + 1);
    return this.handleLine(line, 0, line.length - 1, chunk, nl + 1);
  }

  private savePartialLine(piece: Buffer): void {
    const pending = this.pending;
    pending.push(piece);
    if (pending.length <= MAX_LINE_LENGTH) return;
    const n = pending.peek(commandPeek);
    if (pending.length > this.lineLimit(commandPeek, 0, n)) {
      const head = pending.peek(longLinePeek);
      this.fatal(overlongLineReply(longLinePeek, 0, head));
    }
  }

  /**
   * The length limit of the line starting at `buf[start]` (`end`: how far it is known), decided on
   * its command, wherever the bytes were split: get/gets/gat/gats lines (many keys) may be
   * `MAX_GET_LINE_LENGTH` long, every other line `MAX_LINE_LENGTH`. A line whose first token is not
   * complete within `end` is not a get (no command is that long).
   */
  private lineLimit(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && buf[i] === SPACE) i++;
    const s = i;
    while (i < end && buf[i] !== SPACE && i - s <= 4) i++;
    if (i === end || buf[i] !== SPACE) return MAX_LINE_LENGTH;
    const cmd = commandOf(buf, s, i);
    return isOp(cmd) && isGetLike(cmd) ? MAX_GET_LINE_LENGTH : MAX_LINE_LENGTH;
  }

  /** A data block started in an earlier chunk. Returns where to go on in `chunk`, or -1. */
  private continueData(chunk: Buffer): number {
    const need = this.dLength + 2 - this.pending.length;
    if (chunk.length < need) {
      this.pending.push(chunk);
      return -1;
    }
    const block = this.pending.complete(chunk, need);
    this.state = State.Line;
    if (!this.finishData(block, 0)) return -1;
    return need;
  }

  /**
   * Completes the awaited storage command with the block at `buf[pos, pos+dLength+2)`.
   * @returns false when the stream had to be closed
   */
  private finishData(buf: Buffer, pos: number): boolean {
    const end = pos + this.dLength;
    if (buf[end] !== CR || buf[end + 1] !== LF) {
      this.fatal(BAD_DATA_CHUNK);
      return false;
    }
    const key = this.dKey;
    const meta = this.dMeta;
    this.dKey = McRequest.EMPTY;
    this.dMeta = null;
    if (this.dError !== null) {
      this.sink.onRequestError(this.dError, modeOf(this.dNoreply), 0, 0);
      return true;
    }
    const req = new McRequest(
      this.dOp,
      key,
      this.dFlags,
      this.dExptime,
      buf.subarray(pos, end),
      this.dCasHi,
      this.dCasLo,
      0,
      0,
      modeOf(this.dNoreply),
    );
    req.meta = meta;
    this.sink.onRequest(req);
    return true;
  }

  private fatal(reply: McReply): void {
    this.close();
    this.sink.onFatalError(reply, 0, 0);
  }

  /**
   * Handles the command line `lineBuf[start, nl)` (nl = index of its LF). A data block, if any,
   * starts at `buf[dataPos]`. Returns the position in `buf` to go on from, or -1 to stop (data
   * awaited, skipping, or closed).
   */
  private handleLine(lineBuf: Buffer, start: number, nl: number, buf: Buffer, dataPos: number): number {
    let end = nl;
    if (end > start && lineBuf[end - 1] === CR) end--;
    // The same limit as for a line that arrived in pieces (savePartialLine).
    if (end - start > MAX_LINE_LENGTH && end - start > this.lineLimit(lineBuf, start, end)) {
      this.fatal(overlongLineReply(lineBuf, start, end));
      return -1;
    }
    const n = tokenize(lineBuf, start, end);
    if (n <= 0) return this.unknown(dataPos); // empty line or a control character
    const cmd = commandOf(lineBuf, tokStart[0] ?? 0, tokEnd[0] ?? 0);
    if (isOp(cmd)) {
      if (isGetLike(cmd)) return this.getLike(lineBuf, n, cmd, isGetAndTouch(cmd) ? 2 : 1, dataPos);
      if (isUpdateLike(cmd)) return this.storage(lineBuf, n, cmd, buf, dataPos);
      if (isArithmetic(cmd)) return this.arith(lineBuf, n, cmd, dataPos);
    }
    switch (cmd) {
      case Op.Delete:
        return this.delete(lineBuf, n, dataPos);
      case Op.Touch:
        return this.touch(lineBuf, n, dataPos);
      case Op.FlushAll:
        return this.flushAll(lineBuf, n, dataPos);
      case Op.Version:
        // memcached answers `version` whatever follows it, `noreply` included.
        this.sink.onLocalCommand(LocalCommand.Version, [], ReplyMode.Always, 0, 0);
        return dataPos;
      case Word.Verbosity:
        return this.verbosity(lineBuf, n, dataPos);
      case Word.Quit:
        // memcached closes on `quit` whatever follows it (memcached/proto_text.c).
        this.close();
        this.sink.onLocalCommand(LocalCommand.Quit, [], ReplyMode.Always, 0, 0);
        return -1;
      case Word.Stats:
        return this.local(lineBuf, n, LocalCommand.Stats, 8, dataPos);
      case Word.Shutdown:
        return this.local(lineBuf, n, LocalCommand.Shutdown, 1, dataPos);
      case Word.FlushRegex:
      case Word.Unsupported:
        this.sink.onRequestError(NOT_SUPPORTED, ReplyMode.Always, 0, 0);
        return dataPos;
      case Word.UnsupportedWithData:
        return this.unsupportedWithData(lineBuf, n, buf, dataPos);
      case Word.Meta:
        return this.meta(lineBuf, n, buf, dataPos);
      case Word.Unknown:
        break;
    }
    return this.unknown(dataPos);
  }

  /** `ERROR`, stream kept (memcached's answer to anything it cannot parse as a command). */
  private unknown(dataPos: number): number {
    this.sink.onRequestError(UNKNOWN_COMMAND, ReplyMode.Always, 0, 0);
    return dataPos;
  }

  /** An in-band error for the command being parsed; the stream goes on at `dataPos`. */
  private reject(reply: McReply, noreply: boolean, dataPos: number): number {
    this.sink.onRequestError(reply, modeOf(noreply), 0, 0);
    return dataPos;
  }

  /**
   * `verbosity <level> [noreply]` → `OK` (memcached). As memcached, a trailing `noreply` silences
   * even the error of a line without a level (`verbosity noreply`).
   */
  private verbosity(line: Buffer, n: number, dataPos: number): number {
    const noreply = n >= 2 && isNoreply(line, n - 1);
    const args = noreply ? n - 1 : n;
    if (args !== 2) return noreply ? dataPos : this.unknown(dataPos);
    if (parseUint(line, tokStart[1] ?? 0, tokEnd[1] ?? 0, UINT32_MAX) < 0) {
      return this.reject(BAD_FORMAT, noreply, dataPos);
    }
    this.sink.onLocalCommand(LocalCommand.Verbosity, [], modeOf(noreply), 0, 0);
    return dataPos;
  }

  private getLike(line: Buffer, n: number, op: Op, firstKey: number, dataPos: number): number {
    if (n <= firstKey) return this.unknown(dataPos);
    let exptime = 0;
    if (firstKey === 2) {
      exptime = parseInt32(line, tokStart[1] ?? 0, tokEnd[1] ?? 0);
      if (Number.isNaN(exptime)) return this.reject(BAD_EXPTIME, false, dataPos);
    }
    for (let i = firstKey; i < n; i++) {
      if ((tokEnd[i] ?? 0) - (tokStart[i] ?? 0) > MAX_KEY_LENGTH) return this.reject(BAD_KEY, false, dataPos);
    }
    if (n === firstKey + 1) {
      const key = line.subarray(tokStart[firstKey], tokEnd[firstKey]);
      this.sink.onRequest(new McRequest(op, key, 0, exptime));
      return dataPos;
    }
    const reqs: McRequest[] = new Array<McRequest>(n - firstKey);
    for (let i = firstKey; i < n; i++) {
      reqs[i - firstKey] = new McRequest(op, line.subarray(tokStart[i], tokEnd[i]), 0, exptime);
    }
    this.sink.onMultiGet(reqs);
    return dataPos;
  }

  /** `<cmd> <key> <flags> <exptime> <bytes> [<cas>] [noreply]` followed by a data block. */
  private storage(line: Buffer, n: number, op: Op, buf: Buffer, dataPos: number): number {
    const fixed = op === Op.Cas ? 6 : 5;
    let noreply = false;
    if (n === fixed + 1 && isNoreply(line, n - 1)) noreply = true;
    else if (n !== fixed) return this.unknown(dataPos);
    const flags = parseUint(line, tokStart[2] ?? 0, tokEnd[2] ?? 0, UINT32_MAX);
    const exptime = parseInt32(line, tokStart[3] ?? 0, tokEnd[3] ?? 0);
    const length = parseUint(line, tokStart[4] ?? 0, tokEnd[4] ?? 0, MAX_DECLARED_LENGTH);
    let casOk = true;
    if (op === Op.Cas) casOk = parseUint64(line, tokStart[5] ?? 0, tokEnd[5] ?? 0);
    // memcached answers a bad number on the line in-band and does not skip the data block: it
    // reads the block's bytes as the next command (memcached/proto_text.c process_update_command).
    if (length < 0 || flags < 0 || Number.isNaN(exptime) || !casOk) {
      return this.reject(BAD_FORMAT, noreply, dataPos);
    }
    const keyLen = (tokEnd[1] ?? 0) - (tokStart[1] ?? 0);
    if (length > this.maxItemSize) return this.swallow(length + 2, buf, dataPos, TOO_LARGE, noreply);
    this.dOp = op;
    this.dKey = line.subarray(tokStart[1], tokEnd[1]);
    this.dFlags = flags;
    this.dExptime = exptime;
    this.dCasHi = op === Op.Cas ? parsed.hi : 0;
    this.dCasLo = op === Op.Cas ? parsed.lo : 0;
    this.dNoreply = noreply;
    this.dLength = length;
    this.dError = keyLen > MAX_KEY_LENGTH ? BAD_KEY : null;
    return this.awaitData(buf, dataPos);
  }

  /** Consumes the data block of the command held in the d* fields. */
  private awaitData(buf: Buffer, dataPos: number): number {
    const total = this.dLength + 2;
    if (buf.length - dataPos >= total) {
      return this.finishData(buf, dataPos) ? dataPos + total : -1;
    }
    this.state = State.Data;
    if (dataPos < buf.length) this.pending.push(buf.subarray(dataPos));
    return -1;
  }

  /** Skips `count` bytes (a rejected data block) and replies `error`. */
  private swallow(count: number, buf: Buffer, dataPos: number, error: McReply, noreply: boolean): number {
    this.sink.onRequestError(error, modeOf(noreply), 0, 0);
    const avail = buf.length - dataPos;
    if (avail >= count) return dataPos + count;
    this.swallowLeft = count - avail;
    this.state = State.Swallow;
    return -1;
  }

  /** A meta command (`meta/meta-request-parser.ts`); an `ms` then reads its data block. */
  private meta(line: Buffer, n: number, buf: Buffer, dataPos: number): number {
    const length = parseMetaLine(line, tokStart, tokEnd, n, this.sink);
    if (length < 0) return dataPos;
    const h = META_SET_HEAD;
    if (length > this.maxItemSize) return this.swallow(length + 2, buf, dataPos, TOO_LARGE, false);
    this.dOp = h.op;
    this.dKey = h.key;
    this.dFlags = h.flags;
    this.dExptime = h.exptime;
    this.dCasHi = h.casHi;
    this.dCasLo = h.casLo;
    this.dNoreply = false;
    this.dLength = length;
    this.dError = null;
    this.dMeta = h.meta;
    h.meta = null;
    h.key = McRequest.EMPTY;
    return this.awaitData(buf, dataPos);
  }

  /** lease-set: `lease-set <key> <token> <flags> <exptime> <bytes> [noreply]` + data; not supported. */
  private unsupportedWithData(line: Buffer, n: number, buf: Buffer, dataPos: number): number {
    if (n < 6 || n > 7) return this.unknown(dataPos);
    const length = parseUint(line, tokStart[5] ?? 0, tokEnd[5] ?? 0, MAX_DECLARED_LENGTH);
    if (length < 0) return this.reject(BAD_FORMAT, false, dataPos);
    return this.swallow(length + 2, buf, dataPos, NOT_SUPPORTED, false);
  }

  /**
   * `delete <key> [0] [noreply]` (memcached/proto_text.c process_delete_command): a hold time
   * other than `0` is answered with memcached's usage error (silenced by a `noreply`), more than
   * four words or a missing key is `ERROR`.
   */
  private delete(line: Buffer, n: number, dataPos: number): number {
    if (n < 2 || n > 4) return this.unknown(dataPos);
    const noreply = n > 2 && isNoreply(line, n - 1);
    if (n > 2) {
      const holdIsZero = bytesEqual(line, tokStart[2] ?? 0, tokEnd[2] ?? 0, '0');
      const valid = (n === 3 && (holdIsZero || noreply)) || (n === 4 && holdIsZero && noreply);
      if (!valid) return this.reject(BAD_DELETE, noreply, dataPos);
    }
    return this.keyed(
      new McRequest(Op.Delete, keyOf(line), 0, 0, undefined, 0, 0, 0, 0, modeOf(noreply)),
      dataPos,
    );
  }

  /** `incr|decr <key> <delta> [noreply]`. */
  private arith(line: Buffer, n: number, op: Op, dataPos: number): number {
    const noreply = n === 4 && isNoreply(line, 3);
    if (n !== 3 && !noreply) return this.unknown(dataPos);
    if (!parseUint64(line, tokStart[2] ?? 0, tokEnd[2] ?? 0)) return this.reject(BAD_DELTA, noreply, dataPos);
    const req = new McRequest(op, keyOf(line), 0, 0, undefined, 0, 0, parsed.hi, parsed.lo, modeOf(noreply));
    return this.keyed(req, dataPos);
  }

  /** `touch <key> <exptime> [noreply]`. */
  private touch(line: Buffer, n: number, dataPos: number): number {
    const noreply = n === 4 && isNoreply(line, 3);
    if (n !== 3 && !noreply) return this.unknown(dataPos);
    const exptime = parseInt32(line, tokStart[2] ?? 0, tokEnd[2] ?? 0);
    if (Number.isNaN(exptime)) return this.reject(BAD_EXPTIME, noreply, dataPos);
    return this.keyed(
      new McRequest(Op.Touch, keyOf(line), 0, exptime, undefined, 0, 0, 0, 0, modeOf(noreply)),
      dataPos,
    );
  }

  /** Emits a keyed request after the key-length check. */
  private keyed(req: McRequest, dataPos: number): number {
    if (req.key.length > MAX_KEY_LENGTH) this.sink.onRequestError(BAD_KEY, req.replyMode, 0, 0);
    else this.sink.onRequest(req);
    return dataPos;
  }

  /** `flush_all [<delay>] [noreply]`. */
  private flushAll(line: Buffer, n: number, dataPos: number): number {
    let last = n;
    let noreply = false;
    if (n > 1 && isNoreply(line, n - 1)) {
      noreply = true;
      last--;
    }
    let delay = 0;
    if (last >= 2) {
      // memcached reads the delay and ignores further tokens; a negative delay means now.
      delay = parseInt32(line, tokStart[1] ?? 0, tokEnd[1] ?? 0);
      if (Number.isNaN(delay)) return this.reject(BAD_EXPTIME, noreply, dataPos);
      if (delay < 0) delay = 0;
    }
    this.sink.onRequest(
      new McRequest(Op.FlushAll, undefined, 0, delay, undefined, 0, 0, 0, 0, modeOf(noreply)),
    );
    return dataPos;
  }

  private local(line: Buffer, n: number, cmd: LocalCommand, maxArgs: number, dataPos: number): number {
    if (n - 1 > maxArgs) return this.unknown(dataPos);
    const args: string[] = [];
    for (let i = 1; i < n; i++) args.push(line.toString('latin1', tokStart[i], tokEnd[i]));
    this.sink.onLocalCommand(cmd, args, ReplyMode.Always, 0, 0);
    return this.closed ? -1 : dataPos;
  }
}

function modeOf(noreply: boolean): ReplyMode {
  return noreply ? ReplyMode.Never : ReplyMode.Always;
}

function keyOf(line: Buffer): Buffer {
  return line.subarray(tokStart[1], tokEnd[1]);
}

function isNoreply(line: Buffer, i: number): boolean {
  return bytesEqual(line, tokStart[i] ?? 0, tokEnd[i] ?? 0, NOREPLY);
}

/**
 * Splits `buf[start,end)` on spaces into the shared token arrays.
 * @returns the token count, 0 for an empty line, or -1 when the line holds a control character
 *   (keys cannot contain them; mcrouter's parser rejects such lines)
 */
function tokenize(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = start;
  while (i < end) {
    while (i < end && buf[i] === SPACE) i++;
    if (i >= end) break;
    const s = i;
    let c = buf[i] ?? 0;
    while (c > SPACE && c !== 0x7f) {
      if (++i >= end) break;
      c = buf[i] ?? 0;
    }
    if (i < end && c !== SPACE) return -1;
    if (n === tokStart.length) growTokens();
    tokStart[n] = s;
    tokEnd[n] = i;
    n++;
  }
  return n;
}

function growTokens(): void {
  const s = new Int32Array(tokStart.length * 2);
  s.set(tokStart);
  tokStart = s;
  const e = new Int32Array(tokEnd.length * 2);
  e.set(tokEnd);
  tokEnd = e;
}

/** Identifies the command token without building a string. */
function commandOf(buf: Buffer, s: number, e: number): Command {
  switch (e - s) {
    case 2:
      return buf[s] === 0x6d ? Word.Meta : Word.Unknown;
    case 3:
      if (bytesEqual(buf, s, e, 'get')) return Op.Get;
      if (bytesEqual(buf, s, e, 'set')) return Op.Set;
      if (bytesEqual(buf, s, e, 'gat')) return Op.Gat;
      if (bytesEqual(buf, s, e, 'add')) return Op.Add;
      if (bytesEqual(buf, s, e, 'cas')) return Op.Cas;
      return Word.Unknown;
    case 4:
      if (bytesEqual(buf, s, e, 'gets')) return Op.Gets;
      if (bytesEqual(buf, s, e, 'gats')) return Op.Gats;
      if (bytesEqual(buf, s, e, 'incr')) return Op.Incr;
      if (bytesEqual(buf, s, e, 'decr')) return Op.Decr;
      if (bytesEqual(buf, s, e, 'quit')) return Word.Quit;
      if (bytesEqual(buf, s, e, 'exec')) return Word.Unsupported;
      return Word.Unknown;
    case 5:
      if (bytesEqual(buf, s, e, 'touch')) return Op.Touch;
      if (bytesEqual(buf, s, e, 'stats')) return Word.Stats;
      if (bytesEqual(buf, s, e, 'admin')) return Word.Unsupported;
      return Word.Unknown;
    case 6:
      if (bytesEqual(buf, s, e, 'delete')) return Op.Delete;
      if (bytesEqual(buf, s, e, 'append')) return Op.Append;
      return Word.Unknown;
    case 7:
      if (bytesEqual(buf, s, e, 'replace')) return Op.Replace;
      if (bytesEqual(buf, s, e, 'prepend')) return Op.Prepend;
      if (bytesEqual(buf, s, e, 'version')) return Op.Version;
      if (bytesEqual(buf, s, e, 'metaget')) return Word.Unsupported;
      return Word.Unknown;
    case 9:
      if (bytesEqual(buf, s, e, 'verbosity')) return Word.Verbosity;
      if (bytesEqual(buf, s, e, 'flush_all')) return Op.FlushAll;
      if (bytesEqual(buf, s, e, 'lease-get')) return Word.Unsupported;
      if (bytesEqual(buf, s, e, 'lease-set')) return Word.UnsupportedWithData;
      return Word.Unknown;
    case 8:
      if (bytesEqual(buf, s, e, 'shutdown')) return Word.Shutdown;
      return Word.Unknown;
    case 11:
      if (bytesEqual(buf, s, e, 'flush_regex')) return Word.FlushRegex;
      return Word.Unknown;
    default:
      return Word.Unknown;
  }
}
