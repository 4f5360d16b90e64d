/**
 * The input half every `ClientCodec` has in common: feed, close, hold and resume go to the
 * protocol's request parser (`InputParser`), unchanged. The ASCII and binary codecs extend it and
 * add their reply writing.
 */
import type { InputParser } from './input-bytes.js';

/** See the file comment. */
export abstract class ParsingCodec {
  constructor(protected readonly parser: InputParser) {}

  /** Parses one chunk from the socket. */
  feed(chunk: Buffer): void {
    this.parser.feed(chunk);
  }

  /** Stops parsing; later chunks are ignored. */
  close(): void {
    this.parser.close();
  }

  /** True once the parser stopped (quit, a fatal error, close). */
  get closed(): boolean {
    return this.parser.closed;
  }

  /** See `InputParser.hold`. */
  hold(): void {
    this.parser.hold();
  }

  /** True while the parser keeps an unparsed remainder (see `hold`). */
  get holding(): boolean {
    return this.parser.holding;
  }

  /** Parses the remainder kept by `hold` (it may hold again). */
  resume(): void {
    this.parser.resume();
  }

  /** Bytes of socket chunks the parser keeps alive, for the memory budget. */
  get heldBytes(): number {
    return this.parser.heldBytes;
  }
}
