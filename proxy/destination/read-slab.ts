/**
 * Where a backend connection's socket reads land: consecutive regions of a slab, handed to the
 * socket through Node's `onread` option (`net.connect({ onread: { buffer, callback } })`), instead
 * of the 64 KiB buffer Node allocates, and then shrinks, for every read and the readable-stream
 * events around it. A read may fill all the room left in the slab (up to `SLAB_SIZE`), so a large
 * value arrives in one or two `read(2)` calls rather than one per 64 KiB, as twemproxy reads into
 * its mbuf chain and memcached's proxy into its read buffer.
 *
 * The chunks handed out are views of the slab and are never rewritten: a reply that keeps a view
 * (a value of `VALUE_VIEW_MIN` bytes or more, `reply-parser.ts`) keeps the slab alive until it is
 * written; smaller values are copied out by the parser, so a small reply never pins a slab.
 */

/** Slab size, bytes: also the largest single read. */
export const SLAB_SIZE = 512 * 1024;
/** A read is offered at least this much room (bytes); with less left, a fresh slab is taken. */
export const MIN_READ = 64 * 1024;

/** See the file comment. One instance per backend connection. */
export class ReadSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  private pos = 0;

  /** The region the next read fills (`onread.buffer`): the rest of the slab, or a fresh slab. */
  readonly next = (): Buffer => {
    if (this.slab.length - this.pos < MIN_READ) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.pos = 0;
    }
    return this.slab.subarray(this.pos);
  };

  /**
   * The `nread` bytes a read left at the start of `region` (the last `next()`), as a chunk the
   * parser may keep views of; the slab moves past them.
   */
  take(region: Buffer, nread: number): Buffer {
    this.pos += nread;
    return region.subarray(0, nread);
  }
}
