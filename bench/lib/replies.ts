/**
 * Incremental scanner for memcached ASCII replies to `get <key>` and `set`.
 *
 * Works on raw bytes: lines are found with a byte loop looking for LF, value payloads are skipped by
 * length and never converted to strings. Only error lines are decoded (for the error report).
 */

/** `STORED` (reply to a set). */
export const REPLY_STORED = 0;
/** `VALUE ... END` with a payload of the expected size (reply to a get that hit). */
export const REPLY_HIT = 1;
/** `END` alone (reply to a get that missed). */
export const REPLY_MISS = 2;
/** Anything else: SERVER_ERROR, CLIENT_ERROR, ERROR, wrong value size, unexpected line. */
export const REPLY_ERROR = 3;

/** Receives one reply kind (one of the `REPLY_*` constants). */
export type ReplyHandler = (kind: number) => void;

const LF = 10;
const CR = 13;
const MAX_ERROR_SAMPLES = 5;

const ST_LINE = 0; // expecting a reply line
const ST_DATA = 1; // skipping `skip` bytes of value payload
const ST_DATA_END = 2; // expecting the empty line that terminates the payload
const ST_END = 3; // expecting END after a value

/** True when the line at `pos` of `len` bytes (CR included, LF excluded) is `END\r`. */
function isEnd(buf: Buffer, pos: number, len: number): boolean {
  return (
    len === 4 && buf[pos] === 0x45 && buf[pos + 1] === 0x4e && buf[pos + 2] === 0x44 && buf[pos + 3] === CR
  );
}

/** Streaming reply scanner; feed it chunks in order, it calls back once per complete reply. */
export class ReplyScanner {
  /** First few offending lines, decoded for display. */
  readonly errorSamples: string[] = [];
  private state = ST_LINE;
  private skip = 0;
  private valueOk = true;
  private partial: Buffer | null = null;

  /** @param valueBytes payload size in bytes that every get hit must carry */
  constructor(private readonly valueBytes: number) {}

  /**
   * Scans `buf[start, end)`; calls `onReply` for every reply completed in it. An incomplete trailing
   * line is copied, so `buf` may be reused by the caller after this returns.
   */
  feed(buf: Buffer, start: number, end: number, onReply: ReplyHandler): void {
    let pos = start;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, buf.subarray(start, end)]);
      pos = 0;
      end = buf.length;
      this.partial = null;
    }
    while (pos < end) {
      if (this.state === ST_DATA) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) return;
        // Fast path: "\r\nEND\r\n" right after the payload.
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
          pos += 7;
          this.state = ST_LINE;
          onReply(this.valueOk ? REPLY_HIT : REPLY_ERROR);
          continue;
        }
        this.state = ST_DATA_END;
        continue;
      }
      let nl = pos;
      while (nl < end && buf[nl] !== LF) nl++;
      if (nl === end) {
        this.partial = Buffer.from(buf.subarray(pos, end));
        return;
      }
      this.line(buf, pos, nl, onReply);
      pos = nl + 1;
    }
  }

  /** Handles one complete line `buf[pos, nl]` (nl is the index of its LF). */
  private line(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void {
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
          this.valueOk = bytes === this.valueBytes;
          if (!this.valueOk) this.sample(`value of ${bytes} bytes, expected ${this.valueBytes}`);
          this.skip = bytes;
          this.state = ST_DATA;
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

  private error(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void {
    this.sample(buf.toString('latin1', pos, Math.min(nl, pos + 200)).trimEnd());
    onReply(REPLY_ERROR);
  }

  private sample(text: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(text);
  }
}
