/**
 * The bytes of an incomplete line or data block, carried from one socket chunk to the next, kept
 * as views of the chunks they arrived in. A line is joined once when complete (it is short); a data
 * block can be taken as its list of views (`takeViews`), so a value spanning chunks is never
 * copied (both parsers).
 */
import { concatPieces } from './ascii.js';

/** See the file comment. */
export class PendingBytes {
  private pieces: Buffer[] = [];
  /** Total bytes held. */
  length = 0;

  /** Keeps `piece` (a view; the chunk must not be modified afterwards). */
  push(piece: Buffer): void {
    this.pieces.push(piece);
    this.length += piece.length;
  }

  /** The held bytes followed by `chunk[0, upto)`, as one buffer; then empty. */
  complete(chunk: Buffer, upto: number): Buffer {
    this.pieces.push(chunk.subarray(0, upto));
    const out = concatPieces(this.pieces, this.length + upto);
    this.clear();
    return out;
  }

  /**
   * The held bytes followed by `chunk[0, upto)`, as the list of views (no copy); then empty.
   * The caller owns the returned array.
   */
  takeViews(chunk: Buffer, upto: number): Buffer[] {
    const out = this.pieces;
    if (upto > 0) out.push(chunk.subarray(0, upto));
    this.pieces = [];
    this.length = 0;
    return out;
  }

  /** The first piece held (to peek at the start of a partial line), or undefined. */
  get first(): Buffer | undefined {
    return this.pieces[0];
  }

  /** Forgets everything held. */
  clear(): void {
    this.pieces = [];
    this.length = 0;
  }
}

/**
 * Checks that the views `pieces` hold `length` data bytes followed exactly by `tail`, and trims the
 * list in place to the data bytes (views of views, no copy).
 * @returns false when the bytes after the data are not `tail` (the list is then unspecified)
 */
export function trimTail(pieces: Buffer[], length: number, tail: Buffer): boolean {
  let offset = 0;
  let keep = 0;
  let t = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as Buffer;
    const end = offset + p.length;
    if (end <= length) keep = i + 1;
    else {
      const from = Math.max(0, length - offset);
      for (let j = from; j < p.length; j++) if (p[j] !== tail[t++]) return false;
      if (from > 0) pieces[keep++] = p.subarray(0, from);
    }
    offset = end;
  }
  if (t !== tail.length) return false;
  pieces.length = keep;
  return true;
}
