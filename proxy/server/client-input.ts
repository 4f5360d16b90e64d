/**
 * The input side of a client connection: feeds socket chunks to the connection's codec in bounded
 * slices, and notices the end of the client's input (a half-close).
 *
 * Fairness: one loop iteration routes at most `SLICE_REQUESTS` requests of a connection (each key
 * of a multi-get counts). When a slice is spent, the parser holds the rest of its chunk
 * (`ClientCodec.hold`), reading pauses, and the work goes on in a `setImmediate`, after the other
 * connections' I/O of that iteration. So a client streaming 10,000-key gets or a deep pipeline
 * shares the event loop (and each backend connection's queue) with the others instead of taking
 * it for the whole of its chunk. memcached bounds a connection's turn the same way
 * (`memcached/memcached.c`, `reqs_per_event`).
 *
 * While requests already parsed wait to be routed (`InputOwner.waiting`: for their turn in the
 * process-wide share, for memory, for `--max-client-routed-reqs`), no more are parsed: the input
 * stalls until the owner calls `kick`, so a client's waiting window stays one slice deep and a
 * stalled client costs no parsing in a loop iteration.
 *
 * Half-close: a client's FIN ends its input, not its output (memcached answers everything read
 * before it). Once every chunk is parsed, `InputOwner.inputEnded` is called; the session writes
 * the remaining replies, then closes.
 */
import type { ClientCodec } from '../protocol/client-codec.js';

/** Requests (multi-get keys) routed per connection per loop iteration. */
export const SLICE_REQUESTS = 64;

/** Work routed over several slices (the keys of a large multi-get). */
export interface SlicedTask {
  /**
   * Routes what the current slice allows (counting each request with `ClientInput.spend`).
   * @returns true when the task is finished; false to go on in the next slice
   */
  run(): boolean;
}

/** What `ClientInput` drives: the session. */
export interface InputOwner {
  /** The connection's codec (chosen on the first chunk). */
  readonly codec: ClientCodec | null;
  /** Requests already parsed wait to be routed: parse no more until `ClientInput.kick`. */
  readonly waiting: boolean;
  /** The input is held (unparsed bytes wait for the next slice) or free again: pause or resume reading. */
  inputHeld(held: boolean): void;
  /** The client half-closed and every byte it sent was parsed. */
  inputEnded(): void;
}

/** See the file comment. One per connection. */
export class ClientInput {
  /** Unparsed bytes are waiting for the next slice (reading is paused meanwhile). */
  held = false;
  private ended = false;
  /** Requests the current slice may still route. */
  private left = SLICE_REQUESTS;
  /** Chunks that arrived while held, in order. */
  private readonly queue: Buffer[] = [];
  private task: SlicedTask | null = null;
  /** A `continue` is scheduled (one slice per connection per loop iteration). */
  private scheduled = false;
  /** Parsing waits for the owner's `kick` (its requests wait to be routed). */
  private stalled = false;
  private readonly continueBound = (): void => {
    this.continue();
  };

  constructor(private readonly owner: InputOwner) {}

  /** A chunk arrived from the socket. */
  data(chunk: Buffer, codec: ClientCodec): void {
    if (this.held) {
      this.queue.push(chunk);
      return;
    }
    this.left = SLICE_REQUESTS;
    codec.feed(chunk);
    if (codec.holding || this.task !== null) this.hold();
  }

  /** Requests the current slice may still route. */
  get budget(): number {
    return this.left;
  }

  /**
   * Counts `n` routed requests against the slice.
   * @returns true when the slice is spent (the caller asks its parser to hold)
   */
  spend(n: number): boolean {
    this.left -= n;
    return this.left <= 0;
  }

  /**
   * Continues `task` in the next slices, before any later request of the connection (parsing
   * and reading wait meanwhile). Idempotent while `task` is pending.
   */
  defer(task: SlicedTask): void {
    this.task = task;
    this.hold();
  }

  /** The owner's waiting requests were routed: parsing goes on (in the next slice) if it stalled. */
  kick(): void {
    if (!this.stalled) return;
    this.stalled = false;
    this.schedule();
  }

  /** The client half-closed (its FIN arrived). */
  end(): void {
    this.ended = true;
    if (!this.held) this.owner.inputEnded();
  }

  /** The connection closed: drop queued chunks and unfinished work. */
  stop(): void {
    this.queue.length = 0;
    this.task = null;
    this.stalled = false;
  }

  /** Bytes of chunks waiting for a slice (their whole backing stores). */
  get queuedBytes(): number {
    let n = 0;
    for (const c of this.queue) n += c.buffer.byteLength;
    return n;
  }

  private hold(): void {
    if (!this.held) {
      this.held = true;
      this.owner.inputHeld(true);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.continueBound);
  }

  /** The next slice. */
  private continue(): void {
    this.scheduled = false;
    const codec = this.owner.codec;
    if (codec === null) return;
    this.left = SLICE_REQUESTS;
    const task = this.task;
    if (task !== null) {
      if (!task.run()) {
        this.schedule();
        return;
      }
      if (this.task === task) this.task = null;
    }
    for (;;) {
      if (codec.closed) {
        this.queue.length = 0;
        break;
      }
      if (this.owner.waiting) {
        this.stalled = true;
        return;
      }
      if (codec.holding) codec.resume();
      else {
        const chunk = this.queue.shift();
        if (chunk === undefined) break;
        codec.feed(chunk);
      }
      if (codec.holding || this.task !== null) {
        this.schedule();
        return;
      }
    }
    this.held = false;
    this.owner.inputHeld(false);
    if (this.ended) this.owner.inputEnded();
  }
}
