/**
 * Server-side binary protocol request parser (client → proxy), as memcached reads packets
 * (`memcached/proto_bin.c`: `try_read_command_binary`, `dispatch_bin_command`).
 *
 * Like the ASCII parser it is a cursor over socket chunks: a packet inside one chunk is parsed in
 * place (keys and values are views); a packet spanning chunks is copied once when complete. It
 * calls a `RequestSink` in stream order; the opcode and opaque ride on each request (`wireOp`,
 * `opaque`) for the reply writer.
 *
 * Translation to our operations: Get/GetK(Q) → gets (the binary reply always carries the cas),
 * except admin keys (`__mcrouter__.*`) → get; GAT/GATK(Q) → gats; Touch → gats too (its
 * reply carries the item's flags and cas, which `touch` does not return); Set/Add/Replace
 * with a cas → cas; quiet opcodes set the reply mode (OnlyOnHit for gets, OnlyOnError otherwise).
 * Increment/Decrement keep their initial value (decimal, in `value`) and their expiration in
 * `exptime` (-1 for 0xffffffff: no create) for `BinarySteps`. Expirations above 2^31 − 1 are
 * clamped to it (the ASCII backend reads an int32).
 *
 * Errors, as memcached: a bad magic byte → close without a reply; inconsistent lengths, a key over 250 bytes or a packet
 * whose extras/key/body do not fit its opcode → error packet, then close; an unknown opcode (and
 * SASL, which memcached without SASL does not know) → Unknown command, body skipped, stream kept;
 * a value over `maxItemSize` → Too large, body skipped without buffering, stream kept.
 */
import { McRequest } from '../request.js';
import { McReply } from '../reply.js';
import { Op } from '../op.js';
import { Result } from '../result.js';
import { ReplyMode } from '../reply-mode.js';
import { MAX_KEY_LENGTH } from '../ascii.js';
import { InputParser } from '../input-bytes.js';
import { LocalCommand, type RequestSink } from '../request-sink.js';
import { isServiceInfoKey } from '../../admin/service-info.js';
import { toBigInt } from '../uint64.js';
import { BINARY_REQUEST_MAGIC, BinOp, HEADER_LENGTH } from './binary-protocol.js';

/** Parser limits. */
export interface BinaryParserOptions {
  /** Largest accepted value, bytes (memcached `-I`). */
  maxItemSize: number;
}

/** Invalid arguments (a malformed packet; the connection closes after it). */
export const INVALID = McReply.error(Result.ClientError, 'Invalid arguments');
/** An opcode we do not serve. */
export const UNKNOWN = McReply.error(Result.BadCommand);
/** A value over the item size limit. */
export const TOO_LARGE = McReply.error(Result.BadValue, 'object too large for cache');
/** A cas on delete/append/prepend, which the ASCII backends cannot check. */
export const CAS_NOT_SUPPORTED = McReply.error(Result.LocalError, 'Command not supported');
/** memcached's upper bound on a body (`ITEM_SIZE_MAX_UPPER_LIMIT`, 1 GiB). */
const MAX_BODY = 1024 * 1024 * 1024;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

const enum State {
  Packet,
  Swallow,
  Closed,
}

/** See the file comment. One instance per client connection. */
export class BinaryRequestParser extends InputParser {
  private state = State.Packet;
  /** Total bytes of the packet being collected in `pending` (0 while its header is incomplete). */
  private packetLength = 0;
  private swallowLeft = 0;

  constructor(
    private readonly sink: RequestSink,
    private readonly opts: BinaryParserOptions,
  ) {
    super();
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  override close(): void {
    this.state = State.Closed;
    super.close();
  }

  /** Parses one chunk from the socket. The chunk must not be modified afterwards. */
  feed(chunk: Buffer): void {
    let pos = 0;
    if (this.state === State.Closed) return;
    if (this.state === State.Swallow) {
      if (chunk.length < this.swallowLeft) {
        this.swallowLeft -= chunk.length;
        return;
      }
      pos = this.swallowLeft;
      this.swallowLeft = 0;
      this.state = State.Packet;
    }
    if (this.pending.length > 0) {
      pos = this.continuePacket(chunk);
      if (pos < 0) return;
    }
    this.parseFrom(chunk, pos);
  }

  /** Parses the packets of `chunk` from `pos`. */
  protected parseFrom(chunk: Buffer, pos: number): void {
    const len = chunk.length;
    while (pos < len && !this.closed) {
      if (this.holdRequested) {
        this.keepRest(chunk, pos);
        return;
      }
      if (len - pos < HEADER_LENGTH) {
        this.pending.push(chunk.subarray(pos));
        return;
      }
      const next = this.header(chunk, pos);
      if (next !== -2) {
        if (next < 0) return;
        pos = this.skip(chunk, pos, next);
        if (pos < 0) return;
        continue;
      }
      const total = HEADER_LENGTH + chunk.readUInt32BE(pos + 8);
      if (len - pos < total) {
        this.packetLength = total;
        this.pending.push(chunk.subarray(pos));
        return;
      }
      this.dispatch(chunk, pos);
      pos += total;
    }
    this.holdRequested = false;
  }

  /** Completes the packet held in `pending` with `chunk`. Returns where to go on, or -1. */
  private continuePacket(chunk: Buffer): number {
    if (this.packetLength === 0) {
      const need = HEADER_LENGTH - this.pending.length;
      if (chunk.length < need) {
        this.pending.push(chunk);
        return -1;
      }
      const head = this.pending.complete(chunk, need);
      const pos = need;
      const next = this.header(head, 0);
      if (next !== -2) {
        if (next < 0) return -1;
        // The header was handled (error or skip): skip what is left of its body in `chunk`.
        return this.skip(chunk, pos, next - HEADER_LENGTH);
      }
      const body = head.readUInt32BE(8);
      if (chunk.length - pos < body) {
        this.packetLength = HEADER_LENGTH + body;
        this.pending.push(head);
        this.pending.push(chunk.subarray(pos));
        return -1;
      }
      this.pending.push(head);
      const packet = this.pending.complete(chunk.subarray(pos), body);
      this.dispatch(packet, 0);
      return this.closed ? -1 : pos + body;
    }
    const need = this.packetLength - this.pending.length;
    if (chunk.length < need) {
      this.pending.push(chunk);
      return -1;
    }
    const packet = this.pending.complete(chunk, need);
    this.packetLength = 0;
    this.dispatch(packet, 0);
    return this.closed ? -1 : need;
  }

  /** Skips `count` bytes of `chunk` from `pos`; the rest of them in later chunks. */
  private skip(chunk: Buffer, pos: number, count: number): number {
    if (chunk.length - pos >= count) return pos + count;
    this.swallowLeft = count - (chunk.length - pos);
    this.state = State.Swallow;
    return -1;
  }

  /**
   * Checks the header at `buf[pos]` (24 bytes). Returns -2 when the whole packet must be read
   * and dispatched, -1 when the connection closes, else the packet was answered here and the
   * returned count of bytes (header included) must be skipped.
   */
  private header(buf: Buffer, pos: number): number {
    const opcode = buf[pos + 1] ?? 0;
    const opaque = buf.readUInt32BE(pos + 12);
    if (buf[pos] !== BINARY_REQUEST_MAGIC) {
      // memcached closes without a reply (memcached/proto_bin.c try_read_command_binary: "Invalid
      // magic"); the replies already due are flushed first, as after a QuitQ.
      this.close();
      this.sink.onLocalCommand(LocalCommand.Quit, [], ReplyMode.Never, opaque, opcode);
      return -1;
    }
    const keyLen = buf.readUInt16BE(pos + 2);
    const extLen = buf[pos + 4] ?? 0;
    const bodyLen = buf.readUInt32BE(pos + 8);
    if (keyLen + extLen > bodyLen) return this.fatal(UNKNOWN, opaque, opcode);
    if (bodyLen > MAX_BODY) return this.fatal(INVALID, opaque, opcode);
    if (keyLen > MAX_KEY_LENGTH) return this.fatal(INVALID, opaque, opcode);
    const end = HEADER_LENGTH + bodyLen;
    if (!isKnown(opcode)) {
      this.sink.onRequestError(UNKNOWN, ReplyMode.Always, opaque, opcode);
      return end;
    }
    // Only storage (and SASL) packets carry a value: any other body is extras and key, so a
    // longer one is refused on its header, before it is buffered (memcached checks the lengths on
    // the header too, memcached/proto_bin.c dispatch_bin_command).
    if (!carriesValue(opcode) && bodyLen !== keyLen + extLen) return this.fatal(INVALID, opaque, opcode);
    if (isStorage(opcode) && bodyLen - keyLen - extLen > this.opts.maxItemSize) {
      this.sink.onRequestError(TOO_LARGE, ReplyMode.Always, opaque, opcode);
      return end;
    }
    return -2;
  }

  private fatal(reply: McReply, opaque: number, opcode: number): number {
    this.close();
    this.sink.onFatalError(reply, opaque, opcode);
    return -1;
  }

  /** Handles the complete packet at `buf[pos]`. */
  private dispatch(buf: Buffer, pos: number): void {
    const opcode = buf[pos + 1] ?? 0;
    const keyLen = buf.readUInt16BE(pos + 2);
    const extLen = buf[pos + 4] ?? 0;
    const bodyLen = buf.readUInt32BE(pos + 8);
    const opaque = buf.readUInt32BE(pos + 12);
    const casHi = buf.readUInt32BE(pos + 16);
    const casLo = buf.readUInt32BE(pos + 20);
    const ext = pos + HEADER_LENGTH;
    const keyStart = ext + extLen;
    const key = buf.subarray(keyStart, keyStart + keyLen);
    const value = buf.subarray(keyStart + keyLen, ext + bodyLen);
    const sink = this.sink;
    const simple = extLen === 0 && keyLen === 0 && bodyLen === 0;
    switch (opcode) {
      case BinOp.Get:
      case BinOp.GetQ:
      case BinOp.GetK:
      case BinOp.GetKQ: {
        if (extLen !== 0 || bodyLen !== keyLen || keyLen === 0) break;
        const op = isServiceInfoKey(key) ? Op.Get : Op.Gets;
        const mode = opcode === BinOp.GetQ || opcode === BinOp.GetKQ ? ReplyMode.OnlyOnHit : ReplyMode.Always;
        sink.onRequest(new McRequest(op, key, 0, 0, undefined, 0, 0, 0, 0, mode, opaque, opcode));
        return;
      }
      case BinOp.Set:
      case BinOp.SetQ:
      case BinOp.Add:
      case BinOp.AddQ:
      case BinOp.Replace:
      case BinOp.ReplaceQ: {
        if (extLen !== 8 || keyLen === 0 || bodyLen < keyLen + 8) break;
        const flags = buf.readUInt32BE(ext);
        const exptime = clampExptime(buf.readUInt32BE(ext + 4));
        const op = casHi !== 0 || casLo !== 0 ? Op.Cas : storageOp(opcode);
        sink.onRequest(
          new McRequest(
            op,
            key,
            flags,
            exptime,
            value,
            casHi,
            casLo,
            0,
            0,
            quietMode(opcode),
            opaque,
            opcode,
          ),
        );
        return;
      }
      case BinOp.Append:
      case BinOp.AppendQ:
      case BinOp.Prepend:
      case BinOp.PrependQ: {
        if (keyLen === 0 || extLen !== 0) break;
        if (casHi !== 0 || casLo !== 0) {
          sink.onRequestError(CAS_NOT_SUPPORTED, ReplyMode.Always, opaque, opcode);
          return;
        }
        const op = opcode === BinOp.Append || opcode === BinOp.AppendQ ? Op.Append : Op.Prepend;
        sink.onRequest(new McRequest(op, key, 0, 0, value, 0, 0, 0, 0, quietMode(opcode), opaque, opcode));
        return;
      }
      case BinOp.Delete:
      case BinOp.DeleteQ:
        if (keyLen === 0 || extLen !== 0 || bodyLen !== keyLen) break;
        if (casHi !== 0 || casLo !== 0) {
          sink.onRequestError(CAS_NOT_SUPPORTED, ReplyMode.Always, opaque, opcode);
          return;
        }
        sink.onRequest(
          new McRequest(Op.Delete, key, 0, 0, undefined, 0, 0, 0, 0, quietMode(opcode), opaque, opcode),
        );
        return;
      case BinOp.Increment:
      case BinOp.IncrementQ:
      case BinOp.Decrement:
      case BinOp.DecrementQ: {
        if (keyLen === 0 || extLen !== 20 || bodyLen !== keyLen + 20) break;
        const op = opcode === BinOp.Increment || opcode === BinOp.IncrementQ ? Op.Incr : Op.Decr;
        const initial = toBigInt(buf.readUInt32BE(ext + 8), buf.readUInt32BE(ext + 12));
        const expiration = buf.readUInt32BE(ext + 16);
        const exptime = expiration === UINT32_MAX ? -1 : clampExptime(expiration);
        sink.onRequest(
          new McRequest(
            op,
            key,
            0,
            exptime,
            Buffer.from(initial.toString(), 'latin1'),
            0,
            0,
            buf.readUInt32BE(ext),
            buf.readUInt32BE(ext + 4),
            quietMode(opcode),
            opaque,
            opcode,
          ),
        );
        return;
      }
      case BinOp.Touch:
      case BinOp.Gat:
      case BinOp.GatQ:
      case BinOp.GatK:
      case BinOp.GatKQ: {
        if (extLen !== 4 || keyLen === 0) break;
        const exptime = clampExptime(buf.readUInt32BE(ext));
        const op = Op.Gats;
        const mode = opcode === BinOp.GatQ || opcode === BinOp.GatKQ ? ReplyMode.OnlyOnHit : ReplyMode.Always;
        sink.onRequest(new McRequest(op, key, 0, exptime, undefined, 0, 0, 0, 0, mode, opaque, opcode));
        return;
      }
      case BinOp.Flush:
      case BinOp.FlushQ: {
        if (keyLen !== 0 || bodyLen !== extLen || (extLen !== 0 && extLen !== 4)) break;
        const delay = extLen === 4 ? clampExptime(buf.readUInt32BE(ext)) : 0;
        sink.onRequest(
          new McRequest(
            Op.FlushAll,
            undefined,
            0,
            delay,
            undefined,
            0,
            0,
            0,
            0,
            quietMode(opcode),
            opaque,
            opcode,
          ),
        );
        return;
      }
      case BinOp.NoOp:
        if (!simple) break;
        sink.onLocalCommand(LocalCommand.NoOp, [], ReplyMode.Always, opaque, opcode);
        return;
      case BinOp.Version:
        if (!simple) break;
        sink.onLocalCommand(LocalCommand.Version, [], ReplyMode.Always, opaque, opcode);
        return;
      case BinOp.Stat: {
        if (extLen !== 0) break;
        const group = key.toString('latin1');
        const args = group === '' ? [] : group.split(' ');
        sink.onLocalCommand(LocalCommand.Stats, args, ReplyMode.Always, opaque, opcode);
        return;
      }
      case BinOp.Quit:
      case BinOp.QuitQ:
        if (!simple) break;
        this.close();
        sink.onLocalCommand(
          LocalCommand.Quit,
          [],
          opcode === BinOp.QuitQ ? ReplyMode.Never : ReplyMode.Always,
          opaque,
          opcode,
        );
        return;
      case BinOp.SaslListMechs:
        if (!simple) break;
        sink.onRequestError(UNKNOWN, ReplyMode.Always, opaque, opcode);
        return;
      case BinOp.SaslAuth:
      case BinOp.SaslStep:
        if (extLen !== 0 || keyLen === 0) break;
        sink.onRequestError(UNKNOWN, ReplyMode.Always, opaque, opcode);
        return;
    }
    // The packet does not fit its opcode: memcached's handle_binary_protocol_error.
    this.fatal(INVALID, opaque, opcode);
  }
}

/** Opcodes with a dispatch case (others: Unknown command, as memcached's default). */
function isKnown(opcode: number): boolean {
  return opcode <= BinOp.PrependQ || (opcode >= BinOp.Touch && opcode <= BinOp.GatKQ && opcode !== 0x1f);
}

function isStorage(opcode: number): boolean {
  switch (opcode) {
    case BinOp.Set:
    case BinOp.SetQ:
    case BinOp.Add:
    case BinOp.AddQ:
    case BinOp.Replace:
    case BinOp.ReplaceQ:
    case BinOp.Append:
    case BinOp.AppendQ:
    case BinOp.Prepend:
    case BinOp.PrependQ:
      return true;
    default:
      return false;
  }
}

/** Storage and SASL packets: a body beyond extras and key. */
function carriesValue(opcode: number): boolean {
  return isStorage(opcode) || opcode === BinOp.SaslAuth || opcode === BinOp.SaslStep;
}

function storageOp(opcode: number): Op {
  if (opcode === BinOp.Set || opcode === BinOp.SetQ) return Op.Set;
  if (opcode === BinOp.Add || opcode === BinOp.AddQ) return Op.Add;
  return Op.Replace;
}

/** Quiet opcodes answer only errors (memcached sets `noreply` for them). */
function quietMode(opcode: number): ReplyMode {
  switch (opcode) {
    case BinOp.SetQ:
    case BinOp.AddQ:
    case BinOp.ReplaceQ:
    case BinOp.DeleteQ:
    case BinOp.IncrementQ:
    case BinOp.DecrementQ:
    case BinOp.FlushQ:
    case BinOp.AppendQ:
    case BinOp.PrependQ:
      return ReplyMode.OnlyOnError;
    default:
      return ReplyMode.Always;
  }
}

/** A uint32 expiration as the int32 the ASCII backend reads. */
function clampExptime(v: number): number {
  return v > INT32_MAX ? INT32_MAX : v;
}
