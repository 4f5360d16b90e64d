/**
 * memcached binary protocol requests for the load generator's precomputed workload: one GetK or
 * Set packet per key, built once (header layout and opcodes as `memcached/protocol_binary.h`).
 */
import { BINARY_REQUEST_MAGIC, BinOp, HEADER_LENGTH } from '../../proxy/protocol/binary/binary-protocol.js';

/** Bytes of Set's extras: flags (u32) and expiration (u32). */
const SET_EXTRAS = 8;

/** A request header for `opcode` with the given lengths; opaque, CAS, data type, vbucket are 0. */
function header(opcode: number, keyLen: number, extLen: number, valueLen: number): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH);
  h[0] = BINARY_REQUEST_MAGIC;
  h[1] = opcode;
  h.writeUInt16BE(keyLen, 2);
  h[4] = extLen;
  h.writeUInt32BE(extLen + keyLen + valueLen, 8);
  return h;
}

/**
 * A GetK packet for `key` (latin1). memcached answers Success with flags (4 bytes of extras), the
 * key and the value, or KeyNotFound (`memcached/proto_bin.c`, `process_bin_get_or_touch`).
 */
export function binaryGetK(key: string): Buffer {
  const k = Buffer.from(key, 'latin1');
  return Buffer.concat([header(BinOp.GetK, k.length, 0, 0), k]);
}

/** A Set packet for `key` (latin1) with flags 0, no expiration and `value` (bytes) as the data. */
export function binarySet(key: string, value: Buffer): Buffer {
  const k = Buffer.from(key, 'latin1');
  return Buffer.concat([
    header(BinOp.Set, k.length, SET_EXTRAS, value.length),
    Buffer.alloc(SET_EXTRAS),
    k,
    value,
  ]);
}
