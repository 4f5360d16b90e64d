/**
 * The shared part of the load generator's text reply scanners (ASCII `replies.ts`, meta
 * `meta-replies.ts`): chunks fed in order, lines found with a byte loop looking for LF, value
 * payloads skipped by length and never decoded, an incomplete trailing line kept (copied) for the
 * next chunk. Only error lines are decoded, for the error report.
 */
import { REPLY_ERROR, type ReplyHandler } from './reply-kinds.js';

const LF = 10;
const MAX_ERROR_SAMPLES = 5;

/** A text reply scanner: subclasses read the lines and say what follows a skipped value. */
export abstract class LineScanner {
  /** First few offending lines, decoded for display. */
  readonly errorSamples: string[] = [];
  /** A value is being skipped: `skip` bytes of it are still to come. */
  private inValue = false;
  private skip = 0;
  private partial: Buffer | null = null;
  /** Whether the value being skipped has the expected size. */
  protected valueOk = true;

  /** @param valueBytes payload size in bytes that every get hit must carry */
  constructor(protected readonly valueBytes: number) {}

  /**
   * Scans `buf[start, end)`; calls `onReply` for every reply completed in it. An incomplete
   * trailing line is copied, so `buf` may be reused by the caller after this returns.
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
      if (this.inValue) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) return;
        this.inValue = false;
        pos = this.valueSkipped(buf, pos, end, onReply);
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
  protected abstract line(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void;

  /**
   * Called once a value's `skip` bytes are behind `pos`; may consume what follows in
   * `buf[pos, end)` and returns the position to go on from.
   */
  protected abstract valueSkipped(buf: Buffer, pos: number, end: number, onReply: ReplyHandler): number;

  /** Starts skipping a value of `bytes` payload bytes, `skip` bytes on the wire in all. */
  protected startValue(bytes: number, skip: number): void {
    this.valueOk = bytes === this.valueBytes;
    if (!this.valueOk) this.sample(`value of ${bytes} bytes, expected ${this.valueBytes}`);
    this.skip = skip;
    this.inValue = true;
  }

  /** Reports the line `buf[pos, nl]` as an error (and samples it). */
  protected error(buf: Buffer, pos: number, nl: number, onReply: ReplyHandler): void {
    this.sample(buf.toString('latin1', pos, Math.min(nl, pos + 200)).trimEnd());
    onReply(REPLY_ERROR);
  }

  private sample(text: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(text);
  }
}
