/**
 * Reads a backend connection through `net.connect`'s `onread` option instead of its `'data'`
 * events: replies are parsed straight out of one read buffer that every backend connection of the
 * process shares (the event loop runs one read callback at a time, and the parser copies whatever
 * it keeps, `ReplyParser.feed(chunk, Feed.Copy)`). So a read allocates no socket chunk (Node
 * allocates 64 KiB per read and shrinks it), creates no stream chunk and runs none of the Readable
 * stream's bookkeeping, like memcached's proxy reading into its connection's read buffer
 * (`memcached/proxy_network.c`).
 *
 * Long values (`VALUE_VIEW_MIN` bytes or more, `reply-parser.ts`) are not copied: once a connection has met one, it
 * reads into a slab of its own (`Feed.Adopt`), as memcached's proxy and twemproxy read into their
 * connection's buffers. Each read goes to the slab's first unused byte; when the parser kept a long
 * value's data as views of what was read (`ReplyParser.takeLongData`), those bytes stay taken (the
 * views pin the slab until their reply is written, as with a socket chunk) and the next read goes
 * on after them; otherwise (short replies, copied out) the same bytes are read into again. So
 * replies fill a slab contiguously, with no copy and no allocation per read. A new slab is taken
 * when less than `ROOM_MIN` is left. After
 * `SLAB_IDLE_READS` reads without a long value the connection drops its slab and reads into the
 * shared buffer again.
 *
 * Slabs are 64 KiB, like Node's socket chunks: 256 KiB slabs (one `read(2)` for the rest of a
 * 256 KiB value) raised the peak RSS of the "3,000 pipelined gets of a 1 MB value" test
 * (test/fault/memory-budget.test.ts) from 209–219 MiB to 252–255 MiB, at its 256 MiB bound.
 *
 * The shared buffer cannot be handed to a value's views: Node takes the buffer of a socket's next
 * read right after its previous read, so every connection has the shared buffer registered.
 */
import type { OnReadOpts } from 'node:net';
import { Feed, type ReplyParser } from '../protocol/reply-parser.js';

/** Size of the shared read buffer and of a slab, bytes (what Node reads per `'data'` chunk). */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A slab with less room than this (bytes) is replaced before the next read: a 16 KiB value's reply
 * then fits whole, not split across a copied short read and the next slab.
 */
const ROOM_MIN = READ_BUFFER_BYTES / 2;

/** Reads without a long value after which a connection goes back to the shared buffer. */
export const SLAB_IDLE_READS = 64;

/** The read buffer shared by every backend connection while it reads no long values. */
const shared = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

/**
 * The `onread` option for one backend connection: reads are fed to `parser` while `current()`
 * says the connection is still the destination's (a replaced socket's late reads are dropped).
 */
export function backendOnread(parser: ReplyParser, current: () => boolean): OnReadOpts {
  /** The connection's slab (null: it reads into `shared`); bytes before `used` are taken. */
  let slab: Buffer | null = null;
  let used = 0;
  /** Reads since the last one that held a long value. */
  let idle = 0;
  return {
    buffer: (): Buffer => {
      if (slab === null) return shared;
      if (slab.length - used < ROOM_MIN) {
        slab = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
        used = 0;
      }
      return slab.subarray(used);
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      if (!current()) return true;
      const chunk = (buf as Buffer).subarray(0, n);
      if (buf === shared) {
        parser.feed(chunk, Feed.Copy);
        if (parser.takeLongData()) {
          slab = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
          used = 0;
          idle = 0;
        }
        return true;
      }
      parser.feed(chunk, Feed.Adopt);
      if (parser.takeLongData()) {
        used += n;
        idle = 0;
      } else if (++idle >= SLAB_IDLE_READS && parser.awaitedBytes === 0) slab = null;
      return true;
    },
  };
}
