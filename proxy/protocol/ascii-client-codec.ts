/**
 * The ASCII protocol on the client side: `RequestParser` in, `ReplyWriter` out (mcrouter's ASCII
 * with memcached 1.6's extras, `memcached/proto_text.c`).
 */
import type { ClientCodec } from './client-codec.js';
import { ParsingCodec } from './parsing-codec.js';
import type { McReply } from './reply.js';
import type { McRequest } from './request.js';
import { LocalCommand, type RequestSink } from './request-sink.js';
import { RequestParser, type RequestParserOptions } from './request-parser.js';
import { ReplyWriter, errorLine } from './reply-writer.js';
import { writeMetaReply } from './meta/meta-reply-writer.js';

/** Replies of every ASCII connection are composed here, then written out per flush. */
const WRITER = new ReplyWriter();

/** See the file comment. */
export class AsciiClientCodec extends ParsingCodec implements ClientCodec {
  readonly protocol = 'ascii';
  readonly writer = WRITER;
  readonly steps = null;

  constructor(sink: RequestSink, opts: RequestParserOptions) {
    super(new RequestParser(sink, opts));
  }

  writeReply(req: McRequest, reply: McReply): void {
    if (req.meta !== null) writeMetaReply(WRITER, req, req.meta, reply);
    else WRITER.reply(req.op, req.key, reply);
  }

  writeMultiGetPart(req: McRequest, reply: McReply): void {
    WRITER.multiGetPart(req.op, req.key, reply);
  }

  writeMultiGetEnd(error: McReply | null): void {
    WRITER.multiGetEnd(error);
  }

  writeError(reply: McReply): void {
    WRITER.line(errorLine(reply));
  }

  writeLocal(cmd: LocalCommand, text: string): void {
    switch (cmd) {
      case LocalCommand.Version:
        WRITER.line(`VERSION ${text}`);
        return;
      case LocalCommand.Stats:
        WRITER.text(text);
        return;
      case LocalCommand.Verbosity:
        WRITER.line('OK');
        return;
      case LocalCommand.NoOp:
        // meta `mn` (memcached/proto_text.c): after every earlier reply, as the window orders it
        WRITER.line('MN');
        return;
      default:
        return; // quit, shutdown, noop: nothing on the wire
    }
  }
}
