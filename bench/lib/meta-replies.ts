/**
 * Incremental scanner for memcached meta replies to `mg <key> v` and `ms <key> <len>`, the meta
 * counterpart of `ReplyScanner` (replies.ts) with the same reply kinds and error rules
 * (doc/protocol.txt: `VA <len>\r\n<data>\r\n` hit, `EN\r\n` miss, `HD\r\n` stored).
 */
import { LineScanner } from './line-scanner.js';
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, type ReplyHandler } from './reply-kinds.js';

const CR = 13;

/**
 * Streaming meta reply scanner; feed it chunks in order (`feed`, see LineScanner), it calls back
 * once per complete reply: `HD` is `REPLY_STORED`, `VA` with `valueBytes` bytes `REPLY_HIT`, `EN`
 * `REPLY_MISS`, anything else `REPLY_ERROR`.
 */
export class MetaReplyScanner extends LineScanner {
  /** A `VA` value and its CRLF are behind: the hit is complete. */
  protected valueSkipped(_buf: Buffer, pos: number, _end: number, onReply: ReplyHandler): number {
    onReply(this.valueOk ? REPLY_HIT : REPLY_ERROR);
    return pos;
  }

  /** Handles one complete line `buf[pos, nl]` (nl is the index of its LF). */
  protected line(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void {
    const a = buf[pos];
    const b = buf[pos + 1];
    if (nl - pos === 3 && buf[pos + 2] === CR) {
      if (a === 0x48 && b === 0x44) {
        onReply(REPLY_STORED); // HD
        return;
      }
      if (a === 0x45 && b === 0x4e) {
        onReply(REPLY_MISS); // EN
        return;
      }
    }
    if (a === 0x56 && b === 0x41 && buf[pos + 2] === 0x20 && buf[nl - 1] === CR) {
      let bytes = 0;
      let i = pos + 3;
      for (; i < nl - 1 && buf[i] !== 0x20; i++) {
        const d = (buf[i] ?? 0) - 0x30;
        if (d < 0 || d > 9) break;
        bytes = bytes * 10 + d;
      }
      this.startValue(bytes, bytes + 2);
      return;
    }
    this.error(buf, pos, nl, onReply);
  }
}
