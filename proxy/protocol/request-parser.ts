/**
 * Server-side ASCII request parser (client → proxy), spec §10 and §7.
 *
 * A cursor over the socket chunks: it never copies a chunk unless a line or a data block spans
 * chunks, and then it copies only the spanning piece once. Keys and values are `subarray` views.
 * It does no I/O: it calls a `RequestSink` for each request, in stream order.
 *
 * Error policy, as mcrouter's `McAsciiParser` + `McServerSession`:
 * - an unknown command or a malformed line → `CLIENT_ERROR malformed request`, then close;
 * - a key longer than 250 bytes → `CLIENT_ERROR bad key` in that request's slot, stream kept
 *   (a storage command's data block is consumed first);
 * - a value longer than `maxItemSize` → `SERVER_ERROR object too large for cache` (memcached's
 *   text), the data block is skipped without buffering, stream kept;
 * - a data block not followed by `\r\n` → `CLIENT_ERROR bad data chunk`, then close.
 */
import { McRequest } from './request.js';
import { Op } from './op.js';
import { CR, LF, MAX_KEY_LENGTH, SPACE, bytesEqual, isUint64, parseInt32, parseUint } from './ascii.js';
import { PendingBytes } from './pending-bytes.js';

/** Commands the proxy answers itself instead of routing. */
export enum LocalCommand {
  Version,
  Stats,
  Quit,
  Shutdown,
}

/** Receives what the parser finds, in stream order. */
export interface RequestSink {
  /** A routable request with one key, or a keyless one (flush_all). */
  onRequest(req: McRequest): void;
  /** A get-like request with two or more keys, one request per key in line order. */
  onMultiGet(reqs: McRequest[]): void;
  /** A command the proxy answers itself; `args` are the remaining tokens as strings. */
  onLocalCommand(cmd: LocalCommand, args: string[]): void;
  /**
   * A request rejected in-band: `line` (without CRLF) is its whole reply; the stream stays in sync.
   * With `noreply` the client asked for no reply.
   */
  onRequestError(line: string, noreply: boolean): void;
  /** The stream cannot be resynchronised: reply `line` after earlier replies, then close. */
  onFatalError(line: string): void;
}

/** Parser limits. */
export interface RequestParserOptions {
  /** Largest accepted value, bytes (memcached `-I`, default 1 MiB). */
  maxItemSize: number;
  /** Longest command line other than get/gets/gat/gats, bytes. */
  maxLineLength?: number;
  /** Longest get/gets/gat/gats line (many keys), bytes. */
  maxGetLineLength?: number;
}

export const MALFORMED = 'CLIENT_ERROR malformed request';
export const BAD_KEY = 'CLIENT_ERROR bad key';
export const BAD_DATA_CHUNK = 'CLIENT_ERROR bad data chunk';
export const TOO_LARGE = 'SERVER_ERROR object too large for cache';
export const NOT_SUPPORTED = 'SERVER_ERROR Command not supported';

const enum State {
  Line,
  Data,
  Swallow,
  Closed,
}

const enum Cmd {
  Unknown,
  Get,
  Gets,
  Gat,
  Gats,
  Set,
  Add,
  Replace,
  Append,
  Prepend,
  Cas,
  Delete,
  Incr,
  Decr,
  Touch,
  Version,
  Stats,
  Quit,
  FlushAll,
  Shutdown,
  FlushRegex,
  /** Recognised mcrouter commands that stock memcached cannot serve. */
  Unsupported,
  /** lease-set: unsupported, but its data block must be consumed. */
  UnsupportedWithData,
}

const NOREPLY = 'noreply';
const UINT32_MAX = 4294967295;
/** Values larger than this are treated as malformed lengths (mcrouter caps at 1 GiB). */
const MAX_DECLARED_LENGTH = 1 << 30;

// Token positions of the line being parsed. Shared by all parsers: parsing is synchronous.
let tokStart = new Int32Array(64);
let tokEnd = new Int32Array(64);

/** See the file comment. One instance per client connection. */
export class RequestParser {
  private state = State.Line;
  /** Bytes of an incomplete line or data block, not yet parsed. */
  private readonly pending = new PendingBytes();
  /** While in Data: the header of the storage command whose block is awaited. */
  private dOp: Op = Op.Set;
  private dKey: Buffer = McRequest.EMPTY;
  private dFlags = 0;
  private dExptime = 0;
  private dCas: Buffer | null = null;
  private dNoreply = false;
  private dLength = 0;
  /** While in Data: the in-band error to reply once the block is consumed, if any. */
  private dError: string | null = null;
  /** While in Swallow: bytes still to skip, and the error to reply after. */
  private swallowLeft = 0;
  private readonly maxItemSize: number;
  private readonly maxLineLength: number;
  private readonly maxGetLineLength: number;

  constructor(
    private readonly sink: RequestSink,
    opts: RequestParserOptions,
  ) {
    this.maxItemSize = opts.maxItemSize;
    this.maxLineLength = opts.maxLineLength ?? 2048;
    this.maxGetLineLength = opts.maxGetLineLength ?? 1 << 20;
  }

  /** True once a fatal error or `quit` stopped the parser. */
  get closed(): boolean {
    return this.state === State.Closed;
  }

  /** Stops parsing; later chunks are ignored. */
  close(): void {
    this.state = State.Closed;
    this.pending.clear();
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

  private parseFrom(buf: Buffer, pos: number): void {
    const len = buf.length;
    while (pos < len && this.state === State.Line) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.savePartialLine(buf.subarray(pos));
        return;
      }
      pos = this.handleLine(buf, pos, nl, buf, nl + 1);
      if (pos < 0) return;
    }
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
    this.pending.push(piece);
    const limit = this.startsWithGet() ? this.maxGetLineLength : this.maxLineLength;
    if (this.pending.length > limit) this.fatal(MALFORMED);
  }

  /** Whether the pending partial line begins with a get-like command (longer lines allowed). */
  private startsWithGet(): boolean {
    const first = this.pending.first;
    if (first === undefined || first.length < 4) return true; // too short to tell yet
    if (first[0] !== 0x67 || first[1] !== 0x65 || first[2] !== 0x74) {
      // gat / gats
      return first[0] === 0x67 && first[1] === 0x61 && first[2] === 0x74;
    }
    return first[3] === SPACE || first[3] === 0x73;
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
    this.dKey = McRequest.EMPTY;
    if (this.dError !== null) {
      this.sink.onRequestError(this.dError, this.dNoreply);
      return true;
    }
    this.sink.onRequest(
      new McRequest(
        this.dOp,
        key,
        this.dFlags,
        this.dExptime,
        buf.subarray(pos, end),
        this.dCas,
        null,
        this.dNoreply,
      ),
    );
    return true;
  }

  private fatal(line: string): void {
    this.close();
    this.sink.onFatalError(line);
  }

  /**
   * Handles the command line `lineBuf[start, nl)` (nl = index of its LF). A data block, if any,
   * starts at `buf[dataPos]`. Returns the position in `buf` to go on from, or -1 to stop (data
   * awaited, skipping, or closed).
   */
  private handleLine(lineBuf: Buffer, start: number, nl: number, buf: Buffer, dataPos: number): number {
    let end = nl;
    if (end > start && lineBuf[end - 1] === CR) end--;
    const n = tokenize(lineBuf, start, end);
    if (n <= 0) {
      // Empty line or a control character: mcrouter's parser rejects both.
      this.fatal(MALFORMED);
      return -1;
    }
    const cmd = commandOf(lineBuf, tokStart[0] ?? 0, tokEnd[0] ?? 0);
    switch (cmd) {
      case Cmd.Get:
        return this.getLike(lineBuf, n, Op.Get, 1, dataPos);
      case Cmd.Gets:
        return this.getLike(lineBuf, n, Op.Gets, 1, dataPos);
      case Cmd.Gat:
        return this.getLike(lineBuf, n, Op.Gat, 2, dataPos);
      case Cmd.Gats:
        return this.getLike(lineBuf, n, Op.Gats, 2, dataPos);
      case Cmd.Set:
        return this.storage(lineBuf, n, Op.Set, buf, dataPos);
      case Cmd.Add:
        return this.storage(lineBuf, n, Op.Add, buf, dataPos);
      case Cmd.Replace:
        return this.storage(lineBuf, n, Op.Replace, buf, dataPos);
      case Cmd.Append:
        return this.storage(lineBuf, n, Op.Append, buf, dataPos);
      case Cmd.Prepend:
        return this.storage(lineBuf, n, Op.Prepend, buf, dataPos);
      case Cmd.Cas:
        return this.storage(lineBuf, n, Op.Cas, buf, dataPos);
      case Cmd.Delete:
        return this.delete(lineBuf, n, dataPos);
      case Cmd.Incr:
        return this.arith(lineBuf, n, Op.Incr, dataPos);
      case Cmd.Decr:
        return this.arith(lineBuf, n, Op.Decr, dataPos);
      case Cmd.Touch:
        return this.touch(lineBuf, n, dataPos);
      case Cmd.FlushAll:
        return this.flushAll(lineBuf, n, dataPos);
      case Cmd.Version:
        return this.local(lineBuf, n, LocalCommand.Version, 0, dataPos);
      case Cmd.Quit:
        if (n !== 1) break;
        this.close();
        this.sink.onLocalCommand(LocalCommand.Quit, []);
        return -1;
      case Cmd.Stats:
        return this.local(lineBuf, n, LocalCommand.Stats, 8, dataPos);
      case Cmd.Shutdown:
        return this.local(lineBuf, n, LocalCommand.Shutdown, 1, dataPos);
      case Cmd.FlushRegex:
      case Cmd.Unsupported:
        this.sink.onRequestError(NOT_SUPPORTED, false);
        return dataPos;
      case Cmd.UnsupportedWithData:
        return this.unsupportedWithData(lineBuf, n, buf, dataPos);
      case Cmd.Unknown:
        break;
    }
    this.fatal(MALFORMED);
    return -1;
  }

  private getLike(line: Buffer, n: number, op: Op, firstKey: number, dataPos: number): number {
    if (n <= firstKey) return this.malformed();
    let exptime = 0;
    if (firstKey === 2) {
      exptime = parseInt32(line, tokStart[1] ?? 0, tokEnd[1] ?? 0);
      if (Number.isNaN(exptime)) return this.malformed();
    }
    for (let i = firstKey; i < n; i++) {
      if ((tokEnd[i] ?? 0) - (tokStart[i] ?? 0) > MAX_KEY_LENGTH) {
        this.sink.onRequestError(BAD_KEY, false);
        return dataPos;
      }
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
    else if (n !== fixed) return this.malformed();
    const flags = parseUint(line, tokStart[2] ?? 0, tokEnd[2] ?? 0, UINT32_MAX);
    const exptime = parseInt32(line, tokStart[3] ?? 0, tokEnd[3] ?? 0);
    const length = parseUint(line, tokStart[4] ?? 0, tokEnd[4] ?? 0, MAX_DECLARED_LENGTH);
    if (flags < 0 || Number.isNaN(exptime) || length < 0) return this.malformed();
    let cas: Buffer | null = null;
    if (op === Op.Cas) {
      if (!isUint64(line, tokStart[5] ?? 0, tokEnd[5] ?? 0)) return this.malformed();
      cas = line.subarray(tokStart[5], tokEnd[5]);
    }
    const keyLen = (tokEnd[1] ?? 0) - (tokStart[1] ?? 0);
    if (length > this.maxItemSize) return this.swallow(length + 2, buf, dataPos, TOO_LARGE, noreply);
    this.dOp = op;
    this.dKey = line.subarray(tokStart[1], tokEnd[1]);
    this.dFlags = flags;
    this.dExptime = exptime;
    this.dCas = cas;
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
  private swallow(count: number, buf: Buffer, dataPos: number, error: string, noreply: boolean): number {
    this.sink.onRequestError(error, noreply);
    const avail = buf.length - dataPos;
    if (avail >= count) return dataPos + count;
    this.swallowLeft = count - avail;
    this.state = State.Swallow;
    return -1;
  }

  /** lease-set: `lease-set <key> <token> <flags> <exptime> <bytes> [noreply]` + data; not supported. */
  private unsupportedWithData(line: Buffer, n: number, buf: Buffer, dataPos: number): number {
    if (n < 6 || n > 7) return this.malformed();
    const length = parseUint(line, tokStart[5] ?? 0, tokEnd[5] ?? 0, MAX_DECLARED_LENGTH);
    if (length < 0) return this.malformed();
    return this.swallow(length + 2, buf, dataPos, NOT_SUPPORTED, false);
  }

  /** `delete <key> [<exptime>] [noreply]`. */
  private delete(line: Buffer, n: number, dataPos: number): number {
    let last = n;
    let noreply = false;
    if (n > 2 && isNoreply(line, n - 1)) {
      noreply = true;
      last--;
    }
    let exptime = 0;
    if (last === 3) {
      exptime = parseInt32(line, tokStart[2] ?? 0, tokEnd[2] ?? 0);
      if (Number.isNaN(exptime)) return this.malformed();
    } else if (last !== 2) return this.malformed();
    return this.keyed(
      line,
      new McRequest(Op.Delete, keyOf(line), 0, exptime, undefined, null, null, noreply),
      dataPos,
    );
  }

  /** `incr|decr <key> <delta> [noreply]`. */
  private arith(line: Buffer, n: number, op: Op, dataPos: number): number {
    const noreply = n === 4 && isNoreply(line, 3);
    if (n !== 3 && !noreply) return this.malformed();
    if (!isUint64(line, tokStart[2] ?? 0, tokEnd[2] ?? 0)) return this.malformed();
    const delta = line.subarray(tokStart[2], tokEnd[2]);
    return this.keyed(line, new McRequest(op, keyOf(line), 0, 0, undefined, null, delta, noreply), dataPos);
  }

  /** `touch <key> <exptime> [noreply]`. */
  private touch(line: Buffer, n: number, dataPos: number): number {
    const noreply = n === 4 && isNoreply(line, 3);
    if (n !== 3 && !noreply) return this.malformed();
    const exptime = parseInt32(line, tokStart[2] ?? 0, tokEnd[2] ?? 0);
    if (Number.isNaN(exptime)) return this.malformed();
    return this.keyed(
      line,
      new McRequest(Op.Touch, keyOf(line), 0, exptime, undefined, null, null, noreply),
      dataPos,
    );
  }

  /** Emits a keyed request after the key-length check. */
  private keyed(_line: Buffer, req: McRequest, dataPos: number): number {
    if (req.key.length > MAX_KEY_LENGTH) this.sink.onRequestError(BAD_KEY, req.noreply);
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
    if (last === 2) {
      delay = parseInt32(line, tokStart[1] ?? 0, tokEnd[1] ?? 0);
      if (Number.isNaN(delay) || delay < 0) return this.malformed();
    } else if (last !== 1) return this.malformed();
    this.sink.onRequest(new McRequest(Op.FlushAll, undefined, 0, delay, undefined, null, null, noreply));
    return dataPos;
  }

  private local(line: Buffer, n: number, cmd: LocalCommand, maxArgs: number, dataPos: number): number {
    if (n - 1 > maxArgs) return this.malformed();
    const args: string[] = [];
    for (let i = 1; i < n; i++) args.push(line.toString('latin1', tokStart[i], tokEnd[i]));
    this.sink.onLocalCommand(cmd, args);
    return this.closed ? -1 : dataPos;
  }

  private malformed(): number {
    this.fatal(MALFORMED);
    return -1;
  }
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
function commandOf(buf: Buffer, s: number, e: number): Cmd {
  switch (e - s) {
    case 3:
      if (bytesEqual(buf, s, e, 'get')) return Cmd.Get;
      if (bytesEqual(buf, s, e, 'set')) return Cmd.Set;
      if (bytesEqual(buf, s, e, 'gat')) return Cmd.Gat;
      if (bytesEqual(buf, s, e, 'add')) return Cmd.Add;
      if (bytesEqual(buf, s, e, 'cas')) return Cmd.Cas;
      return Cmd.Unknown;
    case 4:
      if (bytesEqual(buf, s, e, 'gets')) return Cmd.Gets;
      if (bytesEqual(buf, s, e, 'gats')) return Cmd.Gats;
      if (bytesEqual(buf, s, e, 'incr')) return Cmd.Incr;
      if (bytesEqual(buf, s, e, 'decr')) return Cmd.Decr;
      if (bytesEqual(buf, s, e, 'quit')) return Cmd.Quit;
      if (bytesEqual(buf, s, e, 'exec')) return Cmd.Unsupported;
      return Cmd.Unknown;
    case 5:
      if (bytesEqual(buf, s, e, 'touch')) return Cmd.Touch;
      if (bytesEqual(buf, s, e, 'stats')) return Cmd.Stats;
      if (bytesEqual(buf, s, e, 'admin')) return Cmd.Unsupported;
      return Cmd.Unknown;
    case 6:
      if (bytesEqual(buf, s, e, 'delete')) return Cmd.Delete;
      if (bytesEqual(buf, s, e, 'append')) return Cmd.Append;
      return Cmd.Unknown;
    case 7:
      if (bytesEqual(buf, s, e, 'replace')) return Cmd.Replace;
      if (bytesEqual(buf, s, e, 'prepend')) return Cmd.Prepend;
      if (bytesEqual(buf, s, e, 'version')) return Cmd.Version;
      if (bytesEqual(buf, s, e, 'metaget')) return Cmd.Unsupported;
      return Cmd.Unknown;
    case 8:
      if (bytesEqual(buf, s, e, 'shutdown')) return Cmd.Shutdown;
      return Cmd.Unknown;
    case 9:
      if (bytesEqual(buf, s, e, 'flush_all')) return Cmd.FlushAll;
      if (bytesEqual(buf, s, e, 'lease-get')) return Cmd.Unsupported;
      if (bytesEqual(buf, s, e, 'lease-set')) return Cmd.UnsupportedWithData;
      return Cmd.Unknown;
    case 11:
      if (bytesEqual(buf, s, e, 'flush_regex')) return Cmd.FlushRegex;
      return Cmd.Unknown;
    default:
      return Cmd.Unknown;
  }
}
