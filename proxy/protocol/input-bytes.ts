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
