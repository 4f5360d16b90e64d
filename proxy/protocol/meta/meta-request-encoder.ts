/**
 * Meta requests on the backend side (proxy → memcached ≥ 1.6; `memcached/proto_text.c`,
 * doc/protocol.txt): `<cmd> <key>[ <datalen>] <flags…>\r\n[<data>\r\n]`, the client's flag tokens
 * as it sent them except:
 * - `q` is left out: replies are matched by position, so memcached must answer every request;
 *   the proxy suppresses the nominal reply itself (`meta-reply-writer.ts`);
 * - `T` carries the request's exptime when a route changed it (ModifyExptimeRoute,
 *   FailoverWithExptimeRoute), and is added to an `ms` that had none;
 * - the key is the routed one (routing prefix stripped, ModifyKeyRoute), base64-encoded again for
 *   a `b` key that a route changed; otherwise the client's token goes out as it came.
 */
import { ByteWriter } from '../byte-writer.js';
import type { McRequest } from '../request.js';
import { META_COMMANDS, MetaKind, type MetaRequest } from './meta-request.js';

/** Appends meta requests to the destination's scratch buffer (`RequestEncoder` extends it). */
export class MetaRequestEncoder extends ByteWriter {
  /**
   * Appends `req` (which has `req.meta`) with its key starting at `keyStart`.
   * @param keyStart byte offset into `req.key` (past a stripped routing prefix)
   */
  protected encodeMeta(req: McRequest, meta: MetaRequest, keyStart: number): void {
    const key = req.key;
    const flags = meta.flags;
    this.ascii(META_COMMANDS[meta.kind] ?? 'mg', 1);
    this.byte(32);
    if (meta.binary && (key !== meta.decodedKey || keyStart !== 0)) {
      this.ascii(key.toString('base64', keyStart));
    } else {
      const k = meta.binary ? meta.keyToken : key;
      const from = meta.binary ? 0 : keyStart;
      this.bytes(k, from, k.length);
    }
    const value = req.value;
    const isSet = meta.kind === MetaKind.Set;
    this.ensure(flags.length + 64 + (isSet ? value.length + 2 : 0));
    if (isSet) {
      this.byte(32);
      this.uint(value.length);
    }
    const newTtl = req.exptime !== meta.exptime;
    if (flags.length > 0) {
      this.byte(32);
      // Two cuts at most, in flag order: the `q` token (dropped) and the `T` token (rewritten).
      let from = 0;
      const q = meta.quietStart;
      const t = newTtl ? meta.ttlStart : -1;
      if (q >= 0 && (t < 0 || q < t)) from = this.spliceFlag(flags, from, q, meta.quietEnd, -1, req.exptime);
      if (t >= 0) from = this.spliceFlag(flags, from, t, meta.ttlEnd, 0, req.exptime);
      if (q >= 0 && t >= 0 && q > t) from = this.spliceFlag(flags, from, q, meta.quietEnd, -1, req.exptime);
      this.pos += flags.copy(this.buf, this.pos, from);
    }
    if (newTtl && meta.ttlStart < 0 && isSet) {
      this.byte(32);
      this.byte(0x54);
      this.int(req.exptime);
    }
    this.byte(13);
    this.byte(10);
    if (isSet) {
      this.pos += value.copy(this.buf, this.pos);
      this.byte(13);
      this.byte(10);
    }
  }

  /**
   * Copies `flags[from, start)`, then (`ttl` ≥ 0) `T<exptime>` in place of `flags[start, end)`.
   * @returns where copying goes on
   */
  private spliceFlag(
    flags: Buffer,
    from: number,
    start: number,
    end: number,
    ttl: number,
    exptime: number,
  ): number {
    this.pos += flags.copy(this.buf, this.pos, from, start);
    if (ttl >= 0) {
      this.byte(0x54);
      this.int(exptime);
    }
    return end;
  }
}
