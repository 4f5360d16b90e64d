/**
 * Reading the replies to the copier's meta requests (doc/protocol.txt, `memcached/proto_text.c`):
 *
 * - to `mg <key> v f t`: `VA <len> f<flags> t<ttl>\r\n<data>\r\n` (hit; `t-1` = never expires) or
 *   `EN\r\n` (miss), in request order;
 * - to `ms … q` + `mn`: nothing for a stored item, `NS\r\n` for one that was not stored (the key
 *   exists: add semantics), an error line for a failure, then `MN\r\n` for the `mn`.
 *
 * Errors (`CLIENT_ERROR …`, `SERVER_ERROR …`, `ERROR`) answer one request each.
 */
import { parseUint } from '../protocol/ascii.js';

const CR = 13;
const LF = 10;
const SPACE = 32;

/** What `MgReplyReader` reports, one call per reply. */
export interface MgReplySink {
  /**
   * A hit; `value[start,end)` is a view valid only during the call.
   * @param flags client flags
   * @param ttl remaining TTL in seconds, -1 = never expires
   */
  hit(value: Buffer, start: number, end: number, flags: number, ttl: number): void;
  miss(): void;
  /** An error line (or a reply line this reader does not know). */
  error(line: string): void;
}

function lineText(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** Parses `mg … v f t` replies from a stream of chunks. */
export class MgReplyReader {
  private carry: Buffer | null = null;
  /** Data block being assembled across chunks (value + CRLF), with its header. */
  private block: Buffer | null = null;
  private blockFill = 0;
  private blockFlags = 0;
  private blockTtl = 0;

  constructor(private readonly sink: MgReplySink) {}

  /** Consumes a chunk; calls the sink for each complete reply. */
  feed(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.block !== null) {
      const need = this.block.length - this.blockFill;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.block, this.blockFill, 0, n);
      this.blockFill += n;
      if (this.blockFill < this.block.length) return;
      const block = this.block;
      this.block = null;
      this.sink.hit(block, 0, block.length - 2, this.blockFlags, this.blockTtl);
      pos = n;
    } else if (this.carry !== null) {
      // A line split across chunks: join it with this chunk's head; a value block that follows
      // is then assembled as usual.
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const carry = this.carry;
      this.carry = null;
      const headEnd = nl + 1;
      buf = Buffer.concat([carry, chunk.subarray(0, headEnd)]);
      this.parse(buf, 0);
      if (this.midReply()) {
        // The joined part ended inside a line or block: continue with the rest of the chunk.
        if (headEnd < chunk.length) this.feed(chunk.subarray(headEnd));
        return;
      }
      buf = chunk;
      pos = headEnd;
    }
    this.parse(buf, pos);
  }

  /** True while a line or a value block is incomplete. */
  private midReply(): boolean {
    return this.carry !== null || this.block !== null;
  }

  private parse(buf: Buffer, from: number): void {
    let pos = from;
    const len = buf.length;
    while (pos < len) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.carry = Buffer.from(buf.subarray(pos));
        return;
      }
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      if (buf[pos] === 0x56 && buf[pos + 1] === 0x41 && buf[pos + 2] === SPACE) {
        // VA <len> <flags>*
        let i = pos + 3;
        let sp = buf.indexOf(SPACE, i);
        if (sp < 0 || sp > end) sp = end;
        const size = parseUint(buf, i, sp, 0xffffffff);
        let flags = 0;
        let ttl = -1;
        i = sp + 1;
        while (i < end) {
          let next = buf.indexOf(SPACE, i);
          if (next < 0 || next > end) next = end;
          const c = buf[i];
          if (c === 0x66) flags = parseUint(buf, i + 1, next, Number.MAX_SAFE_INTEGER);
          else if (c === 0x74) ttl = buf[i + 1] === 0x2d ? -1 : parseUint(buf, i + 1, next, 0xffffffff);
          i = next + 1;
        }
        if (size < 0 || flags < 0) {
          this.sink.error(lineText(buf, pos, end));
          pos = nl + 1;
          continue;
        }
        const dataStart = nl + 1;
        const blockEnd = dataStart + size + 2;
        if (blockEnd <= len) {
          this.sink.hit(buf, dataStart, dataStart + size, flags, ttl);
          pos = blockEnd;
          continue;
        }
        this.block = Buffer.allocUnsafe(size + 2);
        this.blockFill = buf.copy(this.block, 0, dataStart, len);
        this.blockFlags = flags;
        this.blockTtl = ttl;
        return;
      }
      if (end - pos === 2 && buf[pos] === 0x45 && buf[pos + 1] === 0x4e) this.sink.miss();
      else this.sink.error(lineText(buf, pos, end));
      pos = nl + 1;
    }
  }
}

/** Counts the replies to quiet `ms … q` requests, batch by batch (each batch ends with `mn`). */
export class MsReplyCounter {
  private carry: Buffer | null = null;
  /** `NS` replies: keys that already existed and were left alone. */
  notStored = 0;
  /** Error replies. */
  failed = 0;
  /** The first error line seen, for the log. */
  firstError: string | null = null;

  /** @param onBatchEnd called for each `MN` */
  constructor(private readonly onBatchEnd: () => void) {}

  /** Consumes a chunk. */
  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        this.carry = Buffer.from(buf.subarray(pos));
        return;
      }
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      const a = buf[pos];
      const b = buf[pos + 1];
      if (end - pos === 2 && a === 0x4d && b === 0x4e) this.onBatchEnd();
      else if (end - pos === 2 && a === 0x4e && b === 0x53) this.notStored++;
      else if (!(end - pos === 2 && a === 0x48 && b === 0x44)) {
        this.failed++;
        this.firstError ??= lineText(buf, pos, end);
      }
      pos = nl + 1;
    }
  }
}
