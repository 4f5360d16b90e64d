/**
 * The memcached binary protocol on the client side: `BinaryRequestParser` in, `BinaryReplyWriter`
 * out, `BinarySteps` for what an ASCII backend needs more than one request for. Quiet opcodes'
 * replies are suppressed per their reply mode; every written reply keeps request order (memcached
 * answers in order too, and NoOp comes after every earlier reply).
 */
import type { ClientCodec } from '../client-codec.js';
import { ParsingCodec } from '../parsing-codec.js';
import type { McReply } from '../reply.js';
import type { McRequest } from '../request.js';
import { repliesWith } from '../reply-mode.js';
import { Op } from '../op.js';
import { LocalCommand, type RequestSink } from '../request-sink.js';
import { errorLine } from '../reply-writer.js';
import { BinaryRequestParser, type BinaryParserOptions } from './binary-request-parser.js';
import { BinaryReplyWriter, binaryStatus } from './binary-reply-writer.js';
import { BinStatus } from './binary-protocol.js';
import { BinarySteps } from './binary-steps.js';

export { BINARY_REQUEST_MAGIC } from './binary-protocol.js';

/** Replies of every binary connection are composed here, then written out per flush. */
const WRITER = new BinaryReplyWriter();
const STEPS = new BinarySteps();

/** See the file comment. */
export class BinaryClientCodec extends ParsingCodec implements ClientCodec {
  readonly protocol = 'binary';
  readonly writer = WRITER;
  readonly steps = STEPS;

  constructor(sink: RequestSink, opts: BinaryParserOptions) {
    super(new BinaryRequestParser(sink, opts));
  }

  writeReply(req: McRequest, reply: McReply): void {
    const status = binaryStatus(req.op, reply);
    if (!repliesWith(req.replyMode, reply.result, status === BinStatus.Success)) return;
    WRITER.reply(req.wireOp, req.op, req.key, reply, status, req.opaque);
  }

  // The binary parser emits one request per packet: no multi-key gets (kept for the interface).
  writeMultiGetPart(req: McRequest, reply: McReply): void {
    this.writeReply(req, reply);
  }

  writeMultiGetEnd(): void {
    /* nothing: each packet has its own reply */
  }

  writeError(reply: McReply, opaque: number, wireOp: number): void {
    WRITER.error(wireOp, binaryStatus(Op.Version, reply), opaque, errorLine(reply));
  }

  writeLocal(cmd: LocalCommand, text: string, opaque: number, wireOp: number): void {
    switch (cmd) {
      case LocalCommand.Version:
        WRITER.textPacket(wireOp, BinStatus.Success, opaque, text);
        return;
      case LocalCommand.Stats:
        WRITER.stats(text, opaque);
        return;
      default:
        WRITER.empty(wireOp, opaque);
    }
  }
}
