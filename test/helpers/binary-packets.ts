/**
 * memcached binary protocol packets for tests (`memcached/protocol_binary.h`): builds requests
 * and splits a response stream into packets, so tests can compare what mcproxy and memcached
 * answer field by field.
 */

/** One request packet's fields; lengths are computed. */
export interface BinRequest {
  opcode: number;
  key?: string | Buffer;
  extras?: Buffer;
  value?: string | Buffer;
  opaque?: number;
  cas?: bigint;
  /** Override the magic byte (malformed-packet tests). */
  magic?: number;
  /** Override the key length field (malformed-packet tests). */
  keyLength?: number;
  /** Override the total body length field (malformed-packet tests). */
  bodyLength?: number;
}

/** Encodes one request packet. */
export function packet(r: BinRequest): Buffer {
  const key = typeof r.key === 'string' ? Buffer.from(r.key, 'latin1') : (r.key ?? Buffer.alloc(0));
  const extras = r.extras ?? Buffer.alloc(0);
  const value = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : (r.value ?? Buffer.alloc(0));
  const h = Buffer.alloc(24);
  h[0] = r.magic ?? 0x80;
  h[1] = r.opcode;
  h.writeUInt16BE(r.keyLength ?? key.length, 2);
  h[4] = extras.length;
  h.writeUInt32BE(r.bodyLength ?? extras.length + key.length + value.length, 8);
  h.writeUInt32BE(r.opaque ?? 0, 12);
  h.writeBigUInt64BE(r.cas ?? 0n, 16);
  return Buffer.concat([h, extras, key, value]);
}

/** Extras of Set/Add/Replace: flags, expiration. */
export function storeExtras(flags: number, exptime: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(flags, 0);
  b.writeUInt32BE(exptime, 4);
  return b;
}

/** Extras of Increment/Decrement: delta, initial, expiration. */
export function arithExtras(delta: bigint, initial: bigint, exptime: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeBigUInt64BE(delta, 0);
  b.writeBigUInt64BE(initial, 8);
  b.writeUInt32BE(exptime, 16);
  return b;
}

/** A 4-byte expiration (Touch, GAT, Flush). */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** One response packet, decoded. */
export interface BinResponse {
  magic: number;
  opcode: number;
  status: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  value: Buffer;
}

/** Splits `buf` into complete response packets; returns them and the bytes left over. */
export function parseResponses(buf: Buffer): { packets: BinResponse[]; rest: Buffer } {
  const packets: BinResponse[] = [];
  let pos = 0;
  while (buf.length - pos >= 24) {
    const keyLen = buf.readUInt16BE(pos + 2);
    const extLen = buf[pos + 4] ?? 0;
    const bodyLen = buf.readUInt32BE(pos + 8);
    if (buf.length - pos < 24 + bodyLen) break;
    const b = pos + 24;
    packets.push({
      magic: buf[pos] ?? 0,
      opcode: buf[pos + 1] ?? 0,
      status: buf.readUInt16BE(pos + 6),
      opaque: buf.readUInt32BE(pos + 12),
      cas: buf.readBigUInt64BE(pos + 16),
      extras: buf.subarray(b, b + extLen),
      key: buf.toString('latin1', b + extLen, b + extLen + keyLen),
      value: buf.subarray(b + extLen + keyLen, b + bodyLen),
    });
    pos += 24 + bodyLen;
  }
  return { packets, rest: buf.subarray(pos) };
}

/**
 * A packet as text for comparisons: opcode, status, opaque, extras, key, value, and whether the
 * cas is set (cas values differ between two servers).
 */
export function describePacket(p: BinResponse): string {
  const cas = p.cas === 0n ? 'cas=0' : 'cas=set';
  return `op=0x${p.opcode.toString(16)} status=0x${p.status.toString(16)} opaque=${p.opaque} ${cas} extras=${p.extras.toString('hex')} key=${p.key} value=${JSON.stringify(p.value.toString('latin1'))}`;
}
