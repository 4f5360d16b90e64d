/**
 * Incremental scanner for memcached binary protocol replies to GetK/Get and Set, the binary
 * counterpart of `ReplyScanner` (replies.ts) with the same reply kinds and the same error rules.
 *
 * Every reply is a 24-byte header and `total body length` bytes of body (`memcached/protocol_binary.h`).
 * The header is read in place (or, split over chunks, gathered into a fixed 24-byte buffer); the
 * body is skipped by length and never copied or decoded. Nothing is allocated per reply.
 */
import {
  BINARY_RESPONSE_MAGIC,
  BinOp,
  BinStatus,
  HEADER_LENGTH,
  statusText,
} from '../../proxy/protocol/binary/binary-protocol.js';
import { REPLY_ERROR, REPLY_HIT, REPLY_MISS, REPLY_STORED, type ReplyHandler } from './reply-kinds.js';

const MAX_ERROR_SAMPLES = 5;

const ST_HEADER = 0; // collecting a header
const ST_BODY = 1; // skipping `skip` bytes of body
const ST_LOST = 2; // a header without the response magic: the stream cannot be followed any more

/** Streaming binary reply scanner; feed it chunks in order, it calls back once per complete reply. */
export class BinaryReplyScanner {
  /** First few problems, as text for display. */
  readonly errorSamples: string[] = [];
  private state = ST_HEADER;
  /** A header split over chunks: its first `have` bytes. */
  private readonly head = Buffer.alloc(HEADER_LENGTH);
  private have = 0;
  private skip = 0;
  /** Kind of the reply whose body is being skipped. */
  private kind = REPLY_ERROR;

  /** @param valueBytes value size in bytes that every get hit must carry */
  constructor(private readonly valueBytes: number) {}

  /**
   * Scans `buf[start, end)`; calls `onReply` with a `REPLY_*` kind for every reply completed in
   * it: Set with Success is `REPLY_STORED`; Get/GetK with Success and a value of `valueBytes` is
   * `REPLY_HIT`, with KeyNotFound `REPLY_MISS`; anything else (another status, another value size,
   * another opcode) is `REPLY_ERROR`. A header without the response magic is one `REPLY_ERROR`,
   * after which the rest of the stream is ignored. `buf` may be reused once this returns.
   */
  feed(buf: Buffer, start: number, end: number, onReply: ReplyHandler): void {
    let pos = start;
    while (pos < end) {
      if (this.state === ST_BODY) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) return;
        this.state = ST_HEADER;
        onReply(this.kind);
      } else if (this.state === ST_LOST) {
        return;
      } else if (this.have === 0 && end - pos >= HEADER_LENGTH) {
        this.header(buf, pos, onReply);
        pos += HEADER_LENGTH;
      } else {
        const n = Math.min(HEADER_LENGTH - this.have, end - pos);
        buf.copy(this.head, this.have, pos, pos + n);
        this.have += n;
        pos += n;
        if (this.have < HEADER_LENGTH) return;
        this.have = 0;
        this.header(this.head, 0, onReply);
      }
    }
  }

  /** Reads the header at `buf[pos, pos + 24)`; completes the reply when it has no body. */
  private header(buf: Buffer, pos: number, onReply: ReplyHandler): void {
    const magic = buf[pos] ?? 0;
    if (magic !== BINARY_RESPONSE_MAGIC) {
      this.state = ST_LOST;
      this.sample(`reply header with magic 0x${magic.toString(16)}: the rest of the stream is ignored`);
      onReply(REPLY_ERROR);
      return;
    }
    const opcode = buf[pos + 1] ?? 0;
    const keyLen = buf.readUInt16BE(pos + 2);
    const extLen = buf[pos + 4] ?? 0;
    const status = buf.readUInt16BE(pos + 6);
    const bodyLen = buf.readUInt32BE(pos + 8);
    this.kind = this.classify(opcode, status, bodyLen - extLen - keyLen);
    if (bodyLen === 0) {
      onReply(this.kind);
      return;
    }
    this.skip = bodyLen;
    this.state = ST_BODY;
  }

  private classify(opcode: number, status: number, valueLen: number): number {
    if (opcode === BinOp.Set) {
      if (status === BinStatus.Success) return REPLY_STORED;
    } else if (opcode === BinOp.GetK || opcode === BinOp.Get) {
      if (status === BinStatus.KeyNotFound) return REPLY_MISS;
      if (status === BinStatus.Success) {
        if (valueLen === this.valueBytes) return REPLY_HIT;
        this.sample(`value of ${valueLen} bytes, expected ${this.valueBytes}`);
        return REPLY_ERROR;
      }
    } else {
      this.sample(`reply with opcode 0x${opcode.toString(16)}`);
      return REPLY_ERROR;
    }
    const text = statusText(status);
    this.sample(`opcode 0x${opcode.toString(16)} status 0x${status.toString(16)}${text ? ` (${text})` : ''}`);
    return REPLY_ERROR;
  }

  private sample(text: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES) this.errorSamples.push(text);
  }
}
