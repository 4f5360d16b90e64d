/**
 * Incremental scanner for memcached ASCII replies to `get <key>` and `set`.
 *
 * Works on raw bytes: lines are found with a byte loop looking for LF, value payloads are skipped by
 * length and never converted to strings. Only error lines are decoded (for the error report).
 */

import { LineScanner } from './line-scanner.js';
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, type ReplyHandler } from './reply-kinds.js';

export { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, type ReplyHandler } from './reply-kinds.js';

const LF = 10;
const CR = 13;

const ST_LINE = 0; // expecting a reply line
const ST_DATA_END = 2; // expecting the empty line that terminates the payload
const ST_END = 3; // expecting END after a value

/** True when the line at `pos` of `len` bytes (CR included, LF excluded) is `END\r`. */
function isEnd(buf: Buffer, pos: number, len: number): boolean {
  return (
    len === 4 && buf[pos] === 0x45 && buf[pos + 1] === 0x4e && buf[pos + 2] === 0x44 && buf[pos + 3] === CR
  );
}

/** Streaming reply scanner; feed it chunks in order, it calls back once per complete reply. */
export class ReplyScanner extends LineScanner {
  private state = ST_LINE;

  /** After a value's payload: `\r\nEND\r\n` at once (fast path), else line by line. */
  protected valueSkipped(buf: Buffer, pos: number, end: number, onReply: ReplyHandler): number {
    if (
      end - pos >= 7 &&
      buf[pos] === CR &&
      buf[pos + 1] === LF &&
      buf[pos + 2] === 0x45 &&
      buf[pos + 3] === 0x4e &&
      buf[pos + 4] === 0x44 &&
      buf[pos + 5] === CR &&
      buf[pos + 6] === LF
    ) {
      onReply(this.valueOk ? REPLY_HIT : REPLY_ERROR);
      return pos + 7;
    }
    this.state = ST_DATA_END;
    return pos;
  }

  /** Handles one complete line `buf[pos, nl]` (nl is the index of its LF). */
  protected line(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void {
    const len = nl - pos; // bytes before LF, including the CR
    switch (this.state) {
      case ST_LINE:
        if (isEnd(buf, pos, len)) {
          onReply(REPLY_MISS);
        } else if (
          len === 7 &&
          buf[pos] === 0x53 &&
          buf[pos + 1] === 0x54 &&
          buf[pos + 2] === 0x4f &&
          buf[nl - 1] === CR
        ) {
          onReply(REPLY_STORED); // STORED: "STO" + exact length is unambiguous among memcached replies
        } else if (
          len > 8 &&
          buf[pos] === 0x56 && // V
          buf[pos + 1] === 0x41 && // A
          buf[pos + 5] === 0x20 &&
          buf[nl - 1] === CR
        ) {
          // VALUE <key> <flags> <bytes>[ <cas>]\r — we never ask for cas, so <bytes> is last.
          let i = nl - 2;
          let bytes = 0;
          let mul = 1;
          while (i > pos && buf[i] !== 0x20) {
            const d = (buf[i] ?? 0) - 0x30;
            if (d < 0 || d > 9) {
              this.error(buf, pos, nl, onReply);
              return;
            }
            bytes += d * mul;
            mul *= 10;
            i--;
          }
          this.startValue(bytes, bytes);
        } else {
          this.error(buf, pos, nl, onReply);
        }
        return;
      case ST_DATA_END:
        if (len === 1 && buf[pos] === CR) {
          this.state = ST_END;
        } else {
          this.state = ST_LINE;
          this.error(buf, pos, nl, onReply);
        }
        return;
      case ST_END:
        this.state = ST_LINE;
        if (isEnd(buf, pos, len)) {
          onReply(this.valueOk ? REPLY_HIT : REPLY_ERROR);
        } else {
          this.error(buf, pos, nl, onReply);
        }
        return;
      default:
        throw new Error(`unreachable scanner state ${this.state}`);
    }
  }
}
