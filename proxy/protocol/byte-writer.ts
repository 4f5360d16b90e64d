/**
 * Composes wire bytes for one flush as a vector: short fields are appended to a slab (an output
 * buffer handed out as views and never rewritten, as node-postgres's `pg-protocol` writer and
 * Node's own Buffer pool do), and values of `VIEW_THRESHOLD` bytes or more are not copied at all:
 * the vector holds a view of the buffer they arrived in. `writeTo` sends the vector with one
 * `write` or, for several pieces, one corked batch (`_writev`, a single `writev(2)`), as
 * twemproxy writes mbuf chains and memcached's proxy writes iovecs (CONTRIBUTING.md hot-path rules:
 * one write per flush).
 *
 * A slab is replaced, never shrunk or regrown: when the next field does not fit, the bytes composed
 * so far are cut into the vector and a fresh slab (`slabSize`, or the field's size if larger) is
 * taken. Views handed out keep the old slab alive until the socket has written them.
 */
import { writeAscii, writeInt, writeUint } from './ascii.js';
import { writeUint64 } from './uint64.js';

/**
 * Values at least this long (bytes) travel as views instead of being copied into the slab. Below
 * it a copy is cheaper than one more iovec, and it frees the input chunk at once.
 */
export const VIEW_THRESHOLD = 2048;

/** Something a vector can be written to (a `net.Socket`, a TLS socket). */
export interface VectorSink {
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

/** Pre-encodes an ASCII literal once (module load), for `literal()`. */
export function asciiLiteral(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** See the file comment. Not safe to share between interleaved producers. */
export class ByteWriter {
  /** The current slab; bytes before `mark` have been handed out and are never rewritten. */
  protected buf: Buffer;
  protected pos = 0;
  private mark = 0;
  /** Pieces cut since the last take/writeTo, in order (slab views and value views). */
  private readonly pieces: Buffer[] = [];
  private piecesBytes = 0;

  /** @param slabSize slab size in bytes (a larger slab is taken for a larger field) */
  constructor(private readonly slabSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(slabSize);
  }

  /** Bytes appended since the last `take()` / `writeTo()`. */
  get length(): number {
    return this.piecesBytes + this.pos - this.mark;
  }

  /** Moves the bytes composed in the slab since the last cut into the vector. */
  private cut(): void {
    if (this.pos > this.mark) {
      this.pieces.push(this.buf.subarray(this.mark, this.pos));
      this.piecesBytes += this.pos - this.mark;
      this.mark = this.pos;
    }
  }

  /**
   * Everything appended, as one Buffer (safe to hand to `socket.write`), and resets. A view of the
   * slab when nothing was appended as a view (no copy); otherwise one concatenation.
   */
  take(): Buffer {
    this.cut();
    const out =
      this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.piecesBytes);
    this.reset();
    return out;
  }

  /**
   * Writes everything appended to `sink` and resets: one `write` for one piece, else the pieces
   * between `cork()` and `uncork()` (one `writev`).
   * @returns the number of bytes written (queued)
   */
  writeTo(sink: VectorSink): number {
    this.cut();
    const n = this.piecesBytes;
    const pieces = this.pieces;
    if (pieces.length === 1) sink.write(pieces[0] as Buffer);
    else if (pieces.length > 1) {
      sink.cork();
      for (const p of pieces) sink.write(p);
      sink.uncork();
    }
    this.reset();
    return n;
  }

  private reset(): void {
    this.pieces.length = 0;
    this.piecesBytes = 0;
    // A slab with little room left is dropped now rather than cut into tiny views later.
    if (this.buf.length - this.pos < 256) this.newSlab(0);
  }

  private newSlab(n: number): void {
    this.buf = Buffer.allocUnsafeSlow(Math.max(this.slabSize, n));
    this.pos = 0;
    this.mark = 0;
  }

  /** Makes room for `n` more contiguous bytes. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.cut();
    this.newSlab(n);
  }

  /** Appends `text` + CRLF (ASCII text only). */
  line(text: string): void {
    this.ensure(text.length + 2);
    this.pos = writeAscii(this.buf, this.pos, text);
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }

  /** Appends a pre-encoded literal (`asciiLiteral`). */
  literal(lit: Buffer): void {
    const n = lit.length;
    this.ensure(n);
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = lit[i] as number;
    this.pos = p + n;
  }

  /** Appends raw bytes `b[start,end)`, copied. */
  bytes(b: Buffer, start = 0, end = b.length): void {
    this.ensure(end - start);
    this.pos += b.copy(this.buf, this.pos, start, end);
  }

  /**
   * Appends data (a value): a view of `b` (no copy) when it is at least `VIEW_THRESHOLD` bytes, else a
   * copy. `b` must not be modified until written.
   */
  data(b: Buffer): void {
    if (b.length < VIEW_THRESHOLD) {
      this.bytes(b);
      return;
    }
    this.cut();
    this.pieces.push(b);
    this.piecesBytes += b.length;
  }

  /** Appends data held as several views (see `data`). */
  dataPieces(list: readonly Buffer[]): void {
    for (const b of list) this.data(b);
  }

  /** Appends ASCII text as is (the caller includes any CRLFs). */
  text(s: string): void {
    this.ascii(s);
  }

  /** Appends ASCII text (no CRLF). `reserve` must cover the numbers/bytes appended right after. */
  protected ascii(text: string, reserve = 0): void {
    this.ensure(text.length + reserve);
    this.pos = writeAscii(this.buf, this.pos, text);
  }

  /** Appends one byte. Caller has ensured room. */
  protected byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Appends a non-negative integer in decimal. Caller has ensured room (≤ 16 bytes). */
  protected uint(n: number): void {
    this.pos = writeUint(this.buf, this.pos, n);
  }

  /** Appends an unsigned 64-bit integer (halves, see `uint64.ts`) in decimal. Caller has ensured room (≤ 20 bytes). */
  protected uint64(hi: number, lo: number): void {
    this.pos = writeUint64(this.buf, this.pos, hi, lo);
  }

  /** Appends a signed integer in decimal. Caller has ensured room (≤ 17 bytes). */
  protected int(n: number): void {
    this.pos = writeInt(this.buf, this.pos, n);
  }

  /** Appends CRLF. */
  crlf(): void {
    this.ensure(2);
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }
}
