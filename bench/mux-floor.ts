/**
 * A multiplexing floor for a Node memcached proxy: the least a proxy built on Node's public API
 * pays per request when, like mcproxy and memcached's own proxy, it carries many clients'
 * requests over one backend connection (docs/performance.md, "A multiplexing floor").
 *
 * - ONE backend connection, read through `onread` into one shared 64 KiB buffer; every client
 *   connection is multiplexed onto it. Clients are read through `'data'` (accepted sockets have no
 *   public `onread`).
 * - Requests: minimal ASCII framing, no routing. Each client chunk is split into complete
 *   requests (`RequestFramer`): a line, or for the storage commands (`set`/`add`/`replace`/
 *   `append`/`prepend`/`cas`) the line plus `<bytes>` + 2 data bytes. The complete requests of a
 *   chunk are copied at once into the pending backend output, and each request pushes its client
 *   onto a FIFO (a preallocated ring). A partial request is kept (a view of the chunk) until the
 *   client's next chunk.
 * - Replies: `ReplyFramer` finds reply boundaries byte-wise with `indexOf` and lengths (`VALUE k f
 *   n[ cas]\r\n` + n+2 bytes, repeated, then `END\r\n`; any other line is a whole reply: `END`,
 *   `STORED`, `VERSION …`, errors), never converting values to strings. Each complete reply pops
 *   the FIFO and is copied into that client's pending output. A reply split across backend reads is
 *   carried (copied into a carry buffer that the next read is appended to).
 * - Writes are coalesced: one `setImmediate` per event-loop iteration writes each client's
 *   pending output with one `socket.write`, then the backend's with one `socket.write`.
 *   `setImmediate`, not `process.nextTick`: every socket read is its own callback into
 *   JavaScript, after which Node drains the nextTick queue, so a nextTick flush would write once
 *   per client read (one backend write per request at 50×1, what `bench/null-proxy.ts` does). The
 *   check phase runs after the poll phase has delivered every ready read, so one flush carries
 *   every request read in that iteration (mcproxy's flush is a `setImmediate` for the same reason).
 *   `--flush nexttick` flushes from `process.nextTick` instead, to measure the difference.
 * - Pending outputs are bump-allocated from slabs (`OutBuf`): a write takes a view of the pending
 *   bytes and the slab is never written there again (`socket.write` may keep the view until the
 *   kernel has it); a full slab is replaced by a new one. Per request, this file allocates
 *   nothing: the garbage left is Node's (the `'data'` chunk, the write's request objects, a view
 *   per write, an `Immediate` per iteration).
 *
 * Not handled (the bench never sends them): `noreply` (a request without a reply would shift the
 * FIFO), multi-line replies other than `VALUE` blocks (`stats`), the meta and binary protocols,
 * backpressure (the bench's load is a closed loop). A backend failure exits the process.
 *
 * ```sh
 * node dist/bench/mux-floor.js -p 22122 --backend 127.0.0.1:11211
 * node dist/bench/run.js --targets mux-floor,memcached-proxy --peer-memcached-proxy PATH --protocols ascii
 * ```
 */
import net from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hostPort } from './host-port.js';

const USAGE = `usage: node dist/bench/mux-floor.js -p PORT --backend HOST:PORT [--flush immediate|nexttick]
  -p, --port PORT     loopback port to listen on
  --backend HOST:PORT the memcached every client connection is multiplexed onto (one connection)
  --flush WHEN        'immediate' (one flush per event-loop iteration, setImmediate; default) or
                      'nexttick' (process.nextTick: a flush after every socket read, for comparison)`;

const LF = 10;
const SP = 0x20;
/** Size of a new output slab, bytes (a larger pending output gets a slab of its own size). */
const SLAB_BYTES = 64 * 1024;
/** Initial capacity of the carry buffer for replies split across backend reads, bytes. */
const CARRY_BYTES = 64 * 1024;

/**
 * The decimal number of the `index`-th space-separated token (0-based) of the line `buf[start,
 * nl)` (`nl`: the index of its LF; a trailing CR ends a token), or -1 if that token is missing or
 * not a number.
 */
export function tokenNumber(buf: Uint8Array, start: number, nl: number, index: number): number {
  let i = start;
  for (let t = 0; t < index; t++) {
    while (i < nl && buf[i] !== SP) i++;
    while (i < nl && buf[i] === SP) i++;
  }
  let n = 0;
  let digits = 0;
  for (; i < nl; i++) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    digits++;
  }
  return digits === 0 ? -1 : n;
}

/**
 * True when the request at `buf[s]` is a storage command (set, add, replace, append, prepend,
 * cas), which carries a data block after its line.
 */
function isStorage(buf: Uint8Array, s: number): boolean {
  const c = buf[s];
  if (c === 0x73) return buf[s + 1] === 0x65 && buf[s + 2] === 0x74 && buf[s + 3] === SP; // set
  if (c === 0x61) return buf[s + 3] === SP || buf[s + 6] === SP; // add, append
  if (c === 0x72) return buf[s + 1] === 0x65 && buf[s + 2] === 0x70 && buf[s + 7] === SP; // replace
  if (c === 0x70) return buf[s + 1] === 0x72 && buf[s + 2] === 0x65 && buf[s + 7] === SP; // prepend
  if (c === 0x63) return buf[s + 1] === 0x61 && buf[s + 2] === 0x73 && buf[s + 3] === SP; // cas
  return false;
}

/**
 * The end (exclusive) of the complete ASCII request starting at `buf[start]` within `buf[start,
 * end)`, or -1 if it is not complete yet. A storage command spans its line and `<bytes>` + 2 data
 * bytes (`<bytes>`: token 4); every other request is one line.
 */
export function requestEnd(buf: Buffer, start: number, end: number): number {
  const nl = buf.indexOf(LF, start);
  if (nl < 0 || nl >= end) return -1;
  if (!isStorage(buf, start)) return nl + 1;
  const bytes = tokenNumber(buf, start, nl, 4);
  const stop = nl + 1 + (bytes < 0 ? 0 : bytes + 2);
  return stop <= end ? stop : -1;
}

/**
 * The end (exclusive) of the complete reply starting at `buf[start]` within `buf[start, end)`, or
 * -1 if it is not complete yet: `VALUE <key> <flags> <bytes>[ <cas>]\r\n` + `<bytes>` + 2 bytes,
 * repeated, up to and including the next other line (`END\r\n`); any other line alone.
 */
export function replyEnd(buf: Buffer, start: number, end: number): number {
  let pos = start;
  for (;;) {
    const nl = buf.indexOf(LF, pos);
    if (nl < 0 || nl >= end) return -1;
    // "VALUE " (V A L U E SP)
    if (
      buf[pos] !== 0x56 ||
      buf[pos + 1] !== 0x41 ||
      buf[pos + 2] !== 0x4c ||
      buf[pos + 3] !== 0x55 ||
      buf[pos + 4] !== 0x45 ||
      buf[pos + 5] !== SP
    ) {
      return nl + 1;
    }
    const bytes = tokenNumber(buf, pos, nl, 3);
    pos = nl + 1 + (bytes < 0 ? 0 : bytes + 2);
    if (pos >= end) return -1; // the END (or next VALUE) line is still to come
  }
}

/**
 * Splits a client's byte stream into complete requests. `frame(chunk)` returns how many complete
 * requests the stream holds now; their bytes are then `buf[0, end)` (the chunk, or the carried
 * partial request and the chunk concatenated). The bytes after `end` are kept for the next chunk
 * (a view: `'data'` chunks belong to the reader).
 */
export class RequestFramer {
  /** The bytes of the requests counted by the last `frame` call: `buf[0, end)`. */
  buf: Buffer = Buffer.alloc(0);
  /** See `buf`. */
  end = 0;
  private carry: Buffer | null = null;

  /** See the class comment. */
  frame(chunk: Buffer): number {
    const buf = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    const len = buf.length;
    let pos = 0;
    let count = 0;
    for (;;) {
      const r = requestEnd(buf, pos, len);
      if (r < 0) break;
      pos = r;
      count++;
    }
    this.carry = pos < len ? buf.subarray(pos) : null;
    this.buf = buf;
    this.end = pos;
    return count;
  }
}

/**
 * Splits a backend's byte stream, read through `onread` into a buffer that the next read
 * overwrites, into complete replies: `push(buf, n)` calls `onReply(b, start, end)` once per
 * complete reply, in order (`b` is only valid during the call). A partial reply at the end of a
 * read is copied into a carry buffer (grown as needed), and the next read is appended to it.
 */
export class ReplyFramer {
  private carry = Buffer.allocUnsafeSlow(CARRY_BYTES);
  private carried = 0;

  /** `onReply` is called once per reply; it must copy what it keeps. */
  constructor(private readonly onReply: (b: Buffer, start: number, end: number) => void) {}

  /** Feeds the next read, `buf[0, n)`. */
  push(buf: Buffer, n: number): void {
    if (this.carried === 0) {
      const done = this.scan(buf, 0, n);
      if (done < n) this.keep(buf, done, n);
      return;
    }
    this.keep(buf, 0, n);
    const done = this.scan(this.carry, 0, this.carried);
    if (done > 0) {
      this.carry.copyWithin(0, done, this.carried);
      this.carried -= done;
    }
  }

  /** Bytes carried over from reads that ended inside a reply (for tests). */
  get pending(): number {
    return this.carried;
  }

  private scan(buf: Buffer, start: number, end: number): number {
    let pos = start;
    while (pos < end) {
      const r = replyEnd(buf, pos, end);
      if (r < 0) break;
      this.onReply(buf, pos, r);
      pos = r;
    }
    return pos;
  }

  private keep(buf: Buffer, start: number, end: number): void {
    const need = this.carried + end - start;
    if (need > this.carry.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(need, 2 * this.carry.length));
      this.carry.copy(bigger, 0, 0, this.carried);
      this.carry = bigger;
    }
    buf.copy(this.carry, this.carried, start, end);
    this.carried = need;
  }
}

/**
 * Pending output bump-allocated from a slab: `append` copies bytes after the pending ones, `take`
 * returns a view of the pending bytes for `socket.write` and starts the next pending run after
 * them. Bytes once taken are never overwritten (the write may hold the view); a full slab is
 * replaced by a new one, the pending bytes copied over.
 */
export class OutBuf {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private start = 0;
  private off = 0;

  /** Appends `src[s, e)`. */
  append(src: Buffer, s: number, e: number): void {
    const len = e - s;
    if (this.off + len > this.slab.length) {
      const pending = this.off - this.start;
      const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (pending + len)));
      this.slab.copy(next, 0, this.start, this.off);
      this.slab = next;
      this.start = 0;
      this.off = pending;
    }
    src.copy(this.slab, this.off, s, e);
    this.off += len;
  }

  /** The pending bytes (a view, never written again), or null if there are none. */
  take(): Buffer | null {
    if (this.off === this.start) return null;
    const view = this.slab.subarray(this.start, this.off);
    this.start = this.off;
    return view;
  }
}

/** One client connection. */
class Client {
  readonly framer = new RequestFramer();
  readonly out = new OutBuf();
  /** In the dirty list (has output waiting for the flush). */
  dirty = false;
  closed = false;
  constructor(readonly socket: net.Socket) {}
}

/** A FIFO of clients on a ring that doubles when full (one entry per request in flight). */
class ClientRing {
  private ring: (Client | undefined)[] = new Array<Client | undefined>(1024).fill(undefined);
  private head = 0;
  private size = 0;

  push(c: Client): void {
    if (this.size === this.ring.length) {
      const bigger = new Array<Client | undefined>(2 * this.ring.length).fill(undefined);
      for (let i = 0; i < this.size; i++) bigger[i] = this.ring[(this.head + i) % this.ring.length];
      this.ring = bigger;
      this.head = 0;
    }
    this.ring[(this.head + this.size) % this.ring.length] = c;
    this.size++;
  }

  shift(): Client | undefined {
    if (this.size === 0) return undefined;
    const c = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    return c;
  }
}

/** The multiplexer: every client's requests over `backend`, replies back in FIFO order. */
class Mux {
  private readonly fifo = new ClientRing();
  private readonly dirty: Client[] = [];
  private readonly backendOut = new OutBuf();
  private backendDirty = false;
  private scheduled = false;
  /** `--flush nexttick`: flush from `process.nextTick` instead (for comparison, see the file comment). */
  constructor(private readonly tick: boolean) {}
  private readonly flushBound = (): void => {
    this.flush();
  };
  readonly replies = new ReplyFramer((b, s, e) => {
    this.reply(b, s, e);
  });
  backend: net.Socket | null = null;

  /** A client's chunk: its complete requests go to the backend output, one FIFO entry each. */
  onChunk(c: Client, chunk: Buffer): void {
    const n = c.framer.frame(chunk);
    if (n === 0) return;
    for (let i = 0; i < n; i++) this.fifo.push(c);
    this.backendOut.append(c.framer.buf, 0, c.framer.end);
    this.backendDirty = true;
    this.schedule();
  }

  private reply(b: Buffer, s: number, e: number): void {
    const c = this.fifo.shift();
    if (c === undefined) throw new Error('mux-floor: a backend reply with no request in flight');
    if (c.closed) return;
    c.out.append(b, s, e);
    if (!c.dirty) {
      c.dirty = true;
      this.dirty.push(c);
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.tick) process.nextTick(this.flushBound);
    else setImmediate(this.flushBound);
  }

  private flush(): void {
    this.scheduled = false;
    const dirty = this.dirty;
    for (const c of dirty) {
      c.dirty = false;
      const view = c.out.take();
      if (view !== null && !c.closed) c.socket.write(view);
    }
    dirty.length = 0;
    if (this.backendDirty) {
      this.backendDirty = false;
      const view = this.backendOut.take();
      if (view !== null) this.backend?.write(view);
    }
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p' },
      backend: { type: 'string' },
      flush: { type: 'string', default: 'immediate' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true || values.port === undefined || values.backend === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help === true ? 0 : 2;
    return;
  }
  const { host, port } = hostPort(values.backend);
  const flush = values.flush;
  if (flush !== 'immediate' && flush !== 'nexttick')
    throw new Error(`--flush must be 'immediate' or 'nexttick'`);
  const mux = new Mux(flush === 'nexttick');
  const shared = Buffer.allocUnsafeSlow(64 * 1024);
  const backend = net.connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer: shared,
      callback: (n: number, buf: Uint8Array): boolean => {
        mux.replies.push(buf as Buffer, n);
        return true;
      },
    },
  });
  mux.backend = backend;
  const fail = (why: string): void => {
    process.stderr.write(`mux-floor: backend ${why}\n`);
    process.exit(1);
  };
  backend
    .on('error', (err) => {
      fail(err.message);
    })
    .on('close', () => {
      fail('closed');
    });
  const server = net.createServer({ noDelay: true }, (socket) => {
    const c = new Client(socket);
    socket.on('data', (chunk: Buffer) => {
      mux.onChunk(c, chunk);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      c.closed = true;
    });
  });
  backend.once('connect', () => server.listen(Number(values.port), '127.0.0.1'));
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

// Run only when executed as a program, not when imported (the tests import the framers).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
