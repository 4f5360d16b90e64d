/**
 * The memcached binary protocol's constants: magic bytes, opcodes, status codes and the 24-byte
 * header layout, as `memcached/protocol_binary.h`.
 */

/** First byte of a request packet; also how a connection announces the binary protocol. */
export const BINARY_REQUEST_MAGIC = 0x80;
/** First byte of a response packet. */
export const BINARY_RESPONSE_MAGIC = 0x81;
/** Bytes in a request or response header. */
export const HEADER_LENGTH = 24;

/** Opcodes (`protocol_binary_command`). */
export const BinOp = {
  Get: 0x00,
  Set: 0x01,
  Add: 0x02,
  Replace: 0x03,
  Delete: 0x04,
  Increment: 0x05,
  Decrement: 0x06,
  Quit: 0x07,
  Flush: 0x08,
  GetQ: 0x09,
  NoOp: 0x0a,
  Version: 0x0b,
  GetK: 0x0c,
  GetKQ: 0x0d,
  Append: 0x0e,
  Prepend: 0x0f,
  Stat: 0x10,
  SetQ: 0x11,
  AddQ: 0x12,
  ReplaceQ: 0x13,
  DeleteQ: 0x14,
  IncrementQ: 0x15,
  DecrementQ: 0x16,
  QuitQ: 0x17,
  FlushQ: 0x18,
  AppendQ: 0x19,
  PrependQ: 0x1a,
  Verbosity: 0x1b,
  Touch: 0x1c,
  Gat: 0x1d,
  GatQ: 0x1e,
  SaslListMechs: 0x20,
  SaslAuth: 0x21,
  SaslStep: 0x22,
  GatK: 0x23,
  GatKQ: 0x24,
} as const;

/** One of `BinOp`'s values. */
export type BinOp = (typeof BinOp)[keyof typeof BinOp];

/** Response status codes (`protocol_binary_response_status`). */
export const BinStatus = {
  Success: 0x00,
  KeyNotFound: 0x01,
  KeyExists: 0x02,
  TooLarge: 0x03,
  InvalidArguments: 0x04,
  NotStored: 0x05,
  DeltaBadValue: 0x06,
  AuthError: 0x20,
  UnknownCommand: 0x81,
  OutOfMemory: 0x82,
  NotSupported: 0x83,
  InternalError: 0x84,
  Busy: 0x85,
  TemporaryFailure: 0x86,
} as const;

/** One of `BinStatus`'s values. */
export type BinStatus = (typeof BinStatus)[keyof typeof BinStatus];

/**
 * memcached's error texts (`write_bin_error` in `memcached/proto_bin.c`); statuses memcached
 * never sends itself have none and carry the proxy's error text instead.
 */
export function statusText(status: number): string | null {
  switch (status) {
    case BinStatus.OutOfMemory:
      return 'Out of memory';
    case BinStatus.UnknownCommand:
      return 'Unknown command';
    case BinStatus.KeyNotFound:
      return 'Not found';
    case BinStatus.InvalidArguments:
      return 'Invalid arguments';
    case BinStatus.KeyExists:
      return 'Data exists for key.';
    case BinStatus.TooLarge:
      return 'Too large.';
    case BinStatus.DeltaBadValue:
      return 'Non-numeric server-side value for incr or decr';
    case BinStatus.NotStored:
      return 'Not stored.';
    case BinStatus.AuthError:
      return 'Auth failure.';
    default:
      return null;
  }
}

/** The non-quiet form of a quiet opcode, or the opcode itself. */
export function loudOpcode(opcode: number): number {
  switch (opcode) {
    case BinOp.GetQ:
      return BinOp.Get;
    case BinOp.GetKQ:
      return BinOp.GetK;
    case BinOp.SetQ:
      return BinOp.Set;
    case BinOp.AddQ:
      return BinOp.Add;
    case BinOp.ReplaceQ:
      return BinOp.Replace;
    case BinOp.DeleteQ:
      return BinOp.Delete;
    case BinOp.IncrementQ:
      return BinOp.Increment;
    case BinOp.DecrementQ:
      return BinOp.Decrement;
    case BinOp.QuitQ:
      return BinOp.Quit;
    case BinOp.FlushQ:
      return BinOp.Flush;
    case BinOp.AppendQ:
      return BinOp.Append;
    case BinOp.PrependQ:
      return BinOp.Prepend;
    case BinOp.GatQ:
      return BinOp.Gat;
    case BinOp.GatKQ:
      return BinOp.GatK;
    default:
      return opcode;
  }
}

/** True for GetK, GetKQ, GatK, GatKQ: the reply carries the key. */
export function returnsKey(opcode: number): boolean {
  return opcode === BinOp.GetK || opcode === BinOp.GetKQ || opcode === BinOp.GatK || opcode === BinOp.GatKQ;
}
