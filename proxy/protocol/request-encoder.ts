/**
 * Backend-side ASCII request serializer (proxy → memcached), `mcrouter/lib/network/McAsciiParser.rl` "Backend side"
 * (`mcrouter/lib/network/AsciiSerialized.cpp`): single-key commands, never `noreply` (the proxy
 * always needs the reply), `delete <key> <exptime>` only when exptime ≠ 0. A request with meta
 * extras goes out as meta (`meta/meta-request-encoder.ts`).
 */
import { MetaRequestEncoder } from './meta/meta-request-encoder.js';
import { Op } from './op.js';
import type { McRequest } from './request.js';

const STORAGE_CMDS: Partial<Record<Op, string>> = {
  [Op.Set]: 'set ',
  [Op.Add]: 'add ',
  [Op.Replace]: 'replace ',
  [Op.Append]: 'append ',
  [Op.Prepend]: 'prepend ',
  [Op.Cas]: 'cas ',
};

/**
 * Values at least this long (bytes) are not copied into the scratch buffer: the destination
 * writes them as they are (views of the client's socket chunks) between the encoded bytes, in
 * one corked (vectored) write (see `Destination.flush`).
 */
export const VALUE_VIEW_MIN = 16 * 1024;

/** True when `req` is a storage command whose value should travel as a view (`VALUE_VIEW_MIN`). */
export function valueTravelsAsView(req: McRequest): boolean {
  return req.value.length >= VALUE_VIEW_MIN && STORAGE_CMDS[req.op] !== undefined;
}

/** Appends backend requests to a scratch buffer; one instance per destination. */
export class RequestEncoder extends MetaRequestEncoder {
  /**
   * Appends a storage request's command line (`<cmd> <key> <flags> <exptime> <bytes> [<cas>]\r\n`)
   * without its data block: the caller writes the value and its CRLF (`crlf()`) after it.
   */
  storageLine(req: McRequest, keyStart: number): void {
    const key = req.key;
    this.ascii(STORAGE_CMDS[req.op] ?? 'set ', key.length - keyStart + 40 + 21 + 2);
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
    switch (req.op) {
      case Op.Get:
      case Op.Gets:
        this.ascii(req.op === Op.Get ? 'get ' : 'gets ', keyLen + 2);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        break;
      case Op.Gat:
      case Op.Gats:
        this.ascii(req.op === Op.Gat ? 'gat ' : 'gats ', 12 + keyLen + 2);
        this.int(req.exptime);
        this.byte(32);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        break;
      case Op.Set:
      case Op.Add:
      case Op.Replace:
      case Op.Append:
      case Op.Prepend:
      case Op.Cas: {
        this.storageLine(req, keyStart);
        this.ensure(req.value.length + 2);
        this.pos += req.value.copy(this.buf, this.pos);
        break;
      }
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
        this.ascii(req.op === Op.Incr ? 'incr ' : 'decr ', keyLen + 1 + 20 + 2);
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
