/**
 * The bytes of an incomplete request (a partial line, data block or binary packet) carried from
 * one client socket chunk to the next, for both request parsers.
 *
 * Small pieces are copied into one owned buffer (coalesced), so a client that sends a line or a
 * value a byte at a time costs its bytes, not a Buffer object and a socket chunk per byte (1 MB
 * sent byte by byte once held ~18 MB). Pieces of at least `COALESCE_BELOW` bytes are kept as
 * views; each pins the socket chunk it is a view of until the request completes, and
 * `heldBytes` counts those chunks whole (their backing stores), plus the owned buffer, so a
 * memory budget can charge the connection for what it really keeps alive.
 */

/** Pieces shorter than this (bytes) are copied into the owned buffer instead of kept as views. */
export const COALESCE_BELOW = 1024;
/** First size of the owned buffer, bytes; it doubles as needed. */
const OWN_INITIAL = 256;

/** See the file comment. */
export class InputBytes {
  /** Views and owned runs, in stream order; the open owned run (`own[0, ownLen)`) comes after them. */
  private pieces: Buffer[] = [];
  private own: Buffer | null = null;
  private ownLen = 0;
  /** Bytes held (the partial request's length so far). */
  length = 0;
  /** Backing-store bytes of the chunks the held views pin, plus owned buffers, bytes. */
  heldBytes = 0;

  /** Keeps `piece` (a view of a socket chunk, which must not be modified afterwards). */
  push(piece: Buffer): void {
    const n = piece.length;
    if (n === 0) return;
    this.length += n;
    if (n >= COALESCE_BELOW) {
      this.closeOwn();
      this.pieces.push(piece);
      this.heldBytes += piece.buffer.byteLength;
      return;
    }
    let own = this.own;
    if (own === null || own.length - this.ownLen < n) {
      const size = Math.max(OWN_INITIAL, (own?.length ?? 0) * 2, this.ownLen + n);
      const next = Buffer.allocUnsafeSlow(size);
      if (own !== null) own.copy(next, 0, 0, this.ownLen);
      this.heldBytes += size - (own?.length ?? 0);
      this.own = own = next;
    }
    this.ownLen += piece.copy(own, this.ownLen);
  }

  /** The held bytes followed by `chunk[0, upto)`, as one buffer; then empty. */
  complete(chunk: Buffer, upto: number): Buffer {
    const own = this.own;
    if (this.pieces.length === 0 && own !== null && own.length - this.ownLen >= upto) {
      // Everything is in the owned run and the end fits: no second copy.
      const end = this.ownLen + chunk.copy(own, this.ownLen, 0, upto);
      this.clear();
      return own.subarray(0, end);
    }
    this.closeOwn();
    const pieces = this.pieces;
    const tail = chunk.subarray(0, upto);
    const out =
      pieces.length === 0 ? tail : Buffer.concat(upto > 0 ? [...pieces, tail] : pieces, this.length + upto);
    this.clear();
    return out;
  }

  /**
   * Copies up to `out.length` bytes from the start of what is held into `out`.
   * @returns how many bytes were copied
   */
  peek(out: Buffer): number {
    let n = 0;
    for (const p of this.pieces) {
      n += p.copy(out, n);
      if (n === out.length) return n;
    }
    if (this.own !== null) n += this.own.copy(out, n, 0, this.ownLen);
    return n;
  }

  /** Forgets everything held. */
  clear(): void {
    this.pieces = [];
    this.own = null;
    this.ownLen = 0;
    this.length = 0;
    this.heldBytes = 0;
  }

  /** Ends the open owned run: it becomes a piece (the rest of its buffer is not reused). */
  private closeOwn(): void {
    if (this.own === null) return;
    this.pieces.push(this.own.subarray(0, this.ownLen));
    this.own = null;
    this.ownLen = 0;
  }
}

/**
 * What both request parsers (ASCII `request-parser.ts`, binary `binary/binary-request-parser.ts`)
 * share about their input: the bytes of an incomplete request (`pending`), and the hold/resume
 * protocol that lets the session process a deep pipeline in bounded slices (docs/architecture.md,
 * fairness). A parser's `parseFrom` loop checks `holdRequested` at each request boundary and calls
 * `keepRest`; it clears `holdRequested` when it runs out of bytes.
 */
export abstract class InputParser {
  /** Bytes of an incomplete request, not yet parsed. */
  protected readonly pending = new InputBytes();
  /** Set by `hold()`: stop after the request being parsed. */
  protected holdRequested = false;
  /** While held: the chunk whose bytes from `restPos` are not parsed yet. */
  private rest: Buffer | null = null;
  private restPos = 0;

  /** Parses one chunk from the socket. The chunk must not be modified afterwards. */
  abstract feed(chunk: Buffer): void;

  /** True once the parser stopped (quit, a fatal error, close). */
  abstract get closed(): boolean;

  /** Parses `buf` from `pos` until its end, a hold, or a stop. */
  protected abstract parseFrom(buf: Buffer, pos: number): void;

  /** Stops parsing; later chunks are ignored. Subclasses set their closed state, then call this. */
  close(): void {
    this.pending.clear();
    this.rest = null;
  }

  /**
   * Asks the parser to stop after the request it is emitting (called from a sink callback): the
   * rest of the chunk is kept, unparsed, until `resume()`.
   */
  hold(): void {
    this.holdRequested = true;
  }

  /** True while a held chunk remainder waits for `resume()`; `feed` must not be called then. */
  get holding(): boolean {
    return this.rest !== null;
  }

  /** Parses the remainder kept by `hold()` (it may hold again). */
  resume(): void {
    const rest = this.rest;
    if (rest === null) return;
    this.rest = null;
    this.parseFrom(rest, this.restPos);
  }

  /** Bytes of socket chunks this parser keeps alive (partial request, held remainder). */
  get heldBytes(): number {
    return this.pending.heldBytes + (this.rest?.buffer.byteLength ?? 0);
  }

  /** At a request boundary with a hold asked for: keeps `buf[pos..]` for `resume()`. */
  protected keepRest(buf: Buffer, pos: number): void {
    this.holdRequested = false;
    this.rest = buf;
    this.restPos = pos;
  }
}
