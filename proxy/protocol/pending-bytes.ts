/**
 * The bytes of an incomplete line or data block, carried from one socket chunk to the next. The
 * pieces are kept as views and copied once, when the line or block is complete (both parsers).
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
