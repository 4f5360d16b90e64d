/**
 * The meta commands the bulk copier sends (memcached ≥ 1.6, `memcached/proto_text.c`
 * `process_mget_command` / `process_mset_command`, doc/protocol.txt "Meta Debug/Get/Set/No-Op"):
 *
 *   mg <key> [b] v f t\r\n                                 value, client flags, remaining TTL
 *   ms <key> <len> [b] T<ttl> F<flags> ME q\r\n<data>\r\n  add (mode E): never replaces a key that
 *                                                          exists; quiet: only NS and errors answer
 *   mn\r\n                                                 no-op: answers MN after everything before it
 *
 * Mode `E` is meta's add (`MA` would be append). Keys that are not a plain text token go
 * base64-encoded with the `b` flag (see uri-key.ts).
 */
import { ByteWriter } from '../protocol/byte-writer.js';
import { isTextKey } from './uri-key.js';

/**
 * memcached reads an exptime above 30 days as an absolute unix time (`memcached/memcached.c`
 * `realtime`, REALTIME_MAXDELTA).
 */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;

const MG = Buffer.from('mg ');
const MS = Buffer.from('ms ');
const MG_FLAGS = Buffer.from(' v f t\r\n');
const MG_FLAGS_B64 = Buffer.from(' b v f t\r\n');
const T = Buffer.from(' T');
const T_B64 = Buffer.from(' b T');
const F = Buffer.from(' F');
const MS_MODE = Buffer.from(' ME q\r\n');
const MN = Buffer.from('mn\r\n');

/** Appends meta requests; each batch goes to the socket with one `writeTo` (a vector, no copy). */
export class MetaRequestWriter extends ByteWriter {
  /** @param slabBytes the slab size, bytes (a larger slab is taken for a larger request) */
  constructor(slabBytes = 64 * 1024) {
    super(slabBytes);
  }

  /** Appends a short constant (a byte loop beats a native copy call at these sizes). */
  private lit(b: Buffer, reserve: number): void {
    this.ensure(b.length + reserve);
    const buf = this.buf;
    let p = this.pos;
    for (const c of b) buf[p++] = c;
    this.pos = p;
  }

  private key(key: Buffer, start: number, end: number): boolean {
    if (isTextKey(key, start, end)) {
      this.ensure(end - start);
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = key[i] ?? 0;
      this.pos = p;
      return false;
    }
    this.ascii(key.toString('base64', start, end));
    return true;
  }

  /** `mg <key> [b] v f t`. */
  mg(key: Buffer, start: number, end: number): void {
    this.lit(MG, 0);
    const binary = this.key(key, start, end);
    this.lit(binary ? MG_FLAGS_B64 : MG_FLAGS, 0);
  }

  /**
   * `ms <key> <len> [b] T<exptime> F<flags> ME q` and the data block.
   * @param exptime what memcached stores: 0 = never expires, ≤ 30 days = relative seconds,
   *   larger = absolute unix seconds (see `REALTIME_MAXDELTA`)
   * @param flags client flags (up to 2^53)
   * @param value the value bytes `value[vStart,vEnd)`
   */
  msAdd(
    key: Buffer,
    start: number,
    end: number,
    exptime: number,
    flags: number,
    value: Buffer,
    vStart: number,
    vEnd: number,
  ): void {
    this.lit(MS, 0);
    const binary = this.key(key, start, end);
    this.ensure(17);
    this.byte(32);
    this.uint(vEnd - vStart);
    this.lit(binary ? T_B64 : T, 17);
    this.uint(exptime);
    this.lit(F, 17);
    this.uint(flags);
    this.lit(MS_MODE, vEnd - vStart + 2);
    this.pos += value.copy(this.buf, this.pos, vStart, vEnd);
    this.byte(13);
    this.byte(10);
  }

  /** `mn`. */
  mn(): void {
    this.lit(MN, 0);
  }
}
