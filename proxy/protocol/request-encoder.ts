/**
 * Backend-side ASCII request serializer (proxy → memcached), `mcrouter/lib/network/McAsciiParser.rl` "Backend side"
 * (`mcrouter/lib/network/AsciiSerialized.cpp`): single-key commands, never `noreply` (the proxy
 * always needs the reply), `delete <key> <exptime>` only when exptime ≠ 0. A request with meta
 * extras goes out as meta (`meta/meta-request-encoder.ts`).
 */
import { MetaRequestEncoder } from './meta/meta-request-encoder.js';
import { OP_NAMES, Op, isUpdateLike } from './op.js';
import type { McRequest } from './request.js';

/**
 * The command word and its space, by `Op`: the ASCII word is the carbon name for every op this
 * table serves (flush_all and version are written out below).
 */
const COMMAND_WORDS: readonly string[] = OP_NAMES.map((name) => `${name} `);

/**
 * Values at least this long (bytes) are not copied into the scratch buffer: the destination
 * writes them as they are (views of the client's socket chunks) between the encoded bytes, in
 * one corked (vectored) write (see `Destination.flush`).
 */
export const VALUE_VIEW_MIN = 16 * 1024;

/** True when `req` is a storage command whose value should travel as a view (`VALUE_VIEW_MIN`). */
export function valueTravelsAsView(req: McRequest): boolean {
  return req.value.length >= VALUE_VIEW_MIN && isUpdateLike(req.op);
}

/** Appends backend requests to a scratch buffer; one instance per destination. */
export class RequestEncoder extends MetaRequestEncoder {
  /**
   * Appends a storage request's command line (`<cmd> <key> <flags> <exptime> <bytes> [<cas>]\r\n`)
   * without its data block: the caller writes the value and its CRLF (`crlf()`) after it.
   */
  storageLine(req: McRequest, keyStart: number): void {
    const key = req.key;
    this.ascii(COMMAND_WORDS[req.op] ?? 'set ', key.length - keyStart + 40 + 21 + 2);
    this.pos += key.copy(this.buf, this.pos, keyStart);
    this.byte(32);
    this.uint(req.flags);
    this.byte(32);
    this.int(req.exptime);
    this.byte(32);
    this.uint(req.value.length);
    if (req.op === Op.Cas) {
      this.byte(32);
      this.uint64(req.casHi, req.casLo);
    }
    this.byte(13);
    this.byte(10);
  }

  /**
   * Appends `req` with its key starting at `keyStart` (past a stripped routing prefix).
   * @param keyStart byte offset into `req.key`; 0 keeps the whole key
   */
  encode(req: McRequest, keyStart: number): void {
    const meta = req.meta;
    if (meta !== null) {
      this.encodeMeta(req, meta, keyStart);
      return;
    }
    const key = req.key;
    const keyLen = key.length - keyStart;
    if (isUpdateLike(req.op)) {
      this.storageLine(req, keyStart);
      this.ensure(req.value.length + 2);
      this.pos += req.value.copy(this.buf, this.pos);
      this.crlf();
      return;
    }
    switch (req.op) {
      case Op.Get:
      case Op.Gets:
        this.ascii(COMMAND_WORDS[req.op] ?? 'get ', keyLen + 2);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        break;
      case Op.Gat:
      case Op.Gats:
        this.ascii(COMMAND_WORDS[req.op] ?? 'gat ', 12 + keyLen + 2);
        this.int(req.exptime);
        this.byte(32);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        break;
      case Op.Delete:
        this.ascii('delete ', keyLen + 14);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        if (req.exptime !== 0) {
          this.byte(32);
          this.int(req.exptime);
        }
        break;
      case Op.Incr:
      case Op.Decr:
        this.ascii(COMMAND_WORDS[req.op] ?? 'incr ', keyLen + 1 + 20 + 2);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        this.byte(32);
        this.uint64(req.deltaHi, req.deltaLo);
        break;
      case Op.Touch:
        this.ascii('touch ', keyLen + 14);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        this.byte(32);
        this.int(req.exptime);
        break;
      case Op.FlushAll:
        this.ascii('flush_all', 14);
        if (req.exptime !== 0) {
          this.byte(32);
          this.int(req.exptime);
        }
        break;
      case Op.Version:
        this.ascii('version', 2);
        break;
    }
    this.byte(13);
    this.byte(10);
  }
}
