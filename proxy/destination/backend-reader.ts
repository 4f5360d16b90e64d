/**
 * Reads a backend connection through `net.connect`'s `onread` option instead of its `'data'`
 * events: replies are parsed straight out of one read buffer that every backend connection of the
 * process shares (the event loop runs one read callback at a time, and the parser copies whatever
 * it keeps, `ReplyParser.feed(chunk, true)`). So a read allocates no socket chunk (Node allocates
 * 64 KiB per read and shrinks it), creates no stream chunk and runs none of the Readable stream's
 * bookkeeping, like memcached's proxy reading into its connection's read buffer
 * (`memcached/proxy_network.c`).
 *
 * Long values keep their zero-copy path: while the parser awaits `VALUE_VIEW_MIN` bytes or more
 * of a value, the next read goes into a buffer of the connection's own that the value's views may
 * keep (`ReplyParser` then pins it until the reply is written, as with a socket chunk). A short
 * read into that buffer is parsed as transient instead (copied where kept), so the buffer is
 * reused and a value trickling in does not pin 64 KiB per read.
 */
import type { OnReadOpts } from 'node:net';
import { VALUE_VIEW_MIN, type ReplyParser } from '../protocol/reply-parser.js';

/** Size of a read buffer, bytes (what Node reads into per `'data'` chunk). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** Reads shorter than this (bytes) into a connection's own buffer are copied, not kept. */
const KEEP_MIN = READ_BUFFER_BYTES / 4;

/** The read buffer shared by every backend connection (see the file comment). */
const shared = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

/**
 * The `onread` option for one backend connection: reads are fed to `parser` while `current()`
 * says the connection is still the destination's (a replaced socket's late reads are dropped).
 */
export function backendOnread(parser: ReplyParser, current: () => boolean): OnReadOpts {
  /** The connection's own buffer for long values; null once handed to the parser's views. */
  let own: Buffer | null = null;
  return {
    buffer: (): Buffer => {
      if (parser.awaitedBytes < VALUE_VIEW_MIN) return shared;
      return (own ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      if (!current()) return true;
      const chunk = buf as Buffer;
      if (chunk === shared || n < KEEP_MIN) parser.feed(chunk.subarray(0, n), true);
      else {
        own = null;
        parser.feed(chunk.subarray(0, n));
      }
      return true;
    },
  };
}
