/**
 * Incremental scanner for memcached meta replies to `mg <key> v` and `ms <key> <len>`, the meta
 * counterpart of `ReplyScanner` (replies.ts) with the same reply kinds and error rules
 * (doc/protocol.txt: `VA <len>\r\n<data>\r\n` hit, `EN\r\n` miss, `HD\r\n` stored).
 */
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, type ReplyHandler } from './replies.js';

const LF = 10;
const CR = 13;
const MAX_ERROR_SAMPLES = 5;

const ST_LINE = 0; // expecting a status line
const ST_DATA = 1; // skipping `skip` bytes of value and its CRLF

/** Streaming meta reply scanner; feed it chunks in order, it calls back once per complete reply. */
export class MetaReplyScanner {
  /** First few offending lines, decoded for display. */
  readonly errorSamples: string[] = [];
  private state = ST_LINE;
  private skip = 0;
  private valueOk = true;
  private partial: Buffer | null = null;

  /** @param valueBytes payload size in bytes that every get hit must carry */
  constructor(private readonly valueBytes: number) {}

  /**
   * Scans `buf[start, end)`; calls `onReply` for every reply completed in it: `HD` is
   * `REPLY_STORED`, `VA` with `valueBytes` bytes `REPLY_HIT`, `EN` `REPLY_MISS`, anything else
   * `REPLY_ERROR`. An incomplete trailing line is copied, so `buf` may be reused afterwards.
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
        this.state = ST_LINE;
        onReply(this.valueOk ? REPLY_HIT : REPLY_ERROR);
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
      this.valueOk = bytes === this.valueBytes;
      if (!this.valueOk) this.sample(`value of ${bytes} bytes, expected ${this.valueBytes}`);
      this.skip = bytes + 2;
      this.state = ST_DATA;
      return;
    }
    this.sample(buf.toString('latin1', pos, Math.min(nl, pos + 200)).trimEnd());
    onReply(REPLY_ERROR);
  }

  private sample(text: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(text);
  }
}
