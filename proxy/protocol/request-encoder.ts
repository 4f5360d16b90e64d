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

/** Appends backend requests to a scratch buffer; one instance per destination. */
export class RequestEncoder extends MetaRequestEncoder {
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
        const value = req.value;
        this.ascii(STORAGE_CMDS[req.op] ?? 'set ', keyLen + 40 + 21 + 2 + value.length + 2);
        this.pos += key.copy(this.buf, this.pos, keyStart);
        this.byte(32);
        this.uint(req.flags);
        this.byte(32);
        this.int(req.exptime);
        this.byte(32);
        this.uint(value.length);
        if (req.op === Op.Cas) {
          this.byte(32);
          this.uint64(req.casHi, req.casLo);
        }
        this.byte(13);
        this.byte(10);
        this.pos += value.copy(this.buf, this.pos);
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
