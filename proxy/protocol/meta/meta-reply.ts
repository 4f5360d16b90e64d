/**
 * Meta replies from memcached (`memcached/proto_text.c`, doc/protocol.txt): a status line
 * `<HD|VA <len>|EN|NF|NS|EX|ME …>[ <flag>…]`, and for `VA` a data block. The proxy keeps the line
 * as it came (a view), so the client gets memcached's return flags byte for byte, and reads the
 * few fields routes need (client flags `f`, cas `c`, remaining TTL `t`) into the neutral
 * `McReply` fields. The status maps to the carbon result routes act on, per command: see
 * `resultOf`.
 */
import { McReply } from '../reply.js';
import { Result } from '../result.js';
import { parseUint, parseInt32 } from '../ascii.js';
import { parseUint64, parsed } from '../uint64.js';
import { MetaKind } from './meta-request.js';

/** The two-letter status of a meta reply. */
export const enum MetaStatus {
  HD,
  VA,
  EN,
  NF,
  NS,
  EX,
  ME,
}

/** Status texts by `MetaStatus`. */
export const META_STATUS_TEXT: readonly string[] = ['HD', 'VA', 'EN', 'NF', 'NS', 'EX', 'ME'];

/** `t` absent from the reply (the TTL is unknown). */
export const TTL_UNKNOWN = -2;

/** A reply memcached sent to a meta request. */
export class MetaReply extends McReply {
  /**
   * @param status the status
   * @param head the status line without CRLF (`VA 3 f5 t-1`), a view of memcached's bytes
   * @param ttl the `t` return flag: remaining seconds, -1 = never expires, `TTL_UNKNOWN` when absent
   */
  constructor(
    result: Result,
    value: Buffer | null,
    flags: number,
    casHi: number,
    casLo: number,
    readonly status: MetaStatus,
    readonly head: Buffer,
    readonly ttl: number,
  ) {
    super(result, value, flags, casHi, casLo);
  }
}

/** The data length of a `VA <len> …` line at `line[start, end)`, or -1 when it is not one. */
export function valueLength(line: Buffer, start: number, end: number): number {
  if (end - start < 4 || line[start] !== 0x56 || line[start + 1] !== 0x41 || line[start + 2] !== 32)
    return -1;
  let e = line.indexOf(32, start + 3);
  if (e < 0 || e > end) e = end;
  return parseUint(line, start + 3, e, 1 << 30);
}

function statusOf(a: number | undefined, b: number | undefined): MetaStatus | -1 {
  switch ((a ?? 0) * 256 + (b ?? 0)) {
    case 0x4844:
      return MetaStatus.HD;
    case 0x5641:
      return MetaStatus.VA;
    case 0x454e:
      return MetaStatus.EN;
    case 0x4e46:
      return MetaStatus.NF;
    case 0x4e53:
      return MetaStatus.NS;
    case 0x4558:
      return MetaStatus.EX;
    case 0x4d45:
      return MetaStatus.ME;
    default:
      return -1;
  }
}

/**
 * The carbon result of `status` for a request of `kind` (mg: HD/VA hit, EN miss; ms: HD stored,
 * NS not stored, EX exists, NF not found; md: HD deleted; ma: HD/VA stored; me: ME found), or -1
 * when memcached cannot send that status to that command.
 */
export function resultOf(kind: MetaKind, status: MetaStatus): Result | -1 {
  switch (status) {
    case MetaStatus.HD:
      if (kind === MetaKind.Get) return Result.Found;
      if (kind === MetaKind.Delete) return Result.Deleted;
      return kind === MetaKind.Debug ? -1 : Result.Stored;
    case MetaStatus.VA:
      if (kind === MetaKind.Get) return Result.Found;
      return kind === MetaKind.Arith ? Result.Stored : -1;
    case MetaStatus.EN:
      return kind === MetaKind.Get || kind === MetaKind.Debug ? Result.NotFound : -1;
    case MetaStatus.NF:
      return kind === MetaKind.Get || kind === MetaKind.Debug ? -1 : Result.NotFound;
    case MetaStatus.NS:
      return kind === MetaKind.Set || kind === MetaKind.Arith ? Result.NotStored : -1;
    case MetaStatus.EX:
      return kind === MetaKind.Get || kind === MetaKind.Debug ? -1 : Result.Exists;
    case MetaStatus.ME:
      return kind === MetaKind.Debug ? Result.Found : -1;
  }
}

/**
 * The reply in the status line `line[start, end)` (no CRLF) to a request of `kind`, with `value`
 * (a `VA` data block, else null); null when the line is not a meta reply that command can get.
 */
export function parseMetaReply(
  line: Buffer,
  start: number,
  end: number,
  kind: MetaKind,
  value: Buffer | null,
): MetaReply | null {
  if (end - start < 2 || (end - start > 2 && line[start + 2] !== 32)) return null;
  const status = statusOf(line[start], line[start + 1]);
  if (status === -1) return null;
  const result = resultOf(kind, status);
  if (result === -1) return null;
  let flags = 0;
  let casHi = 0;
  let casLo = 0;
  let ttl = TTL_UNKNOWN;
  if (status !== MetaStatus.ME) {
    // Return flags: space-separated tokens after the status (and after VA's length).
    let i = start + 3;
    if (status === MetaStatus.VA) {
      i = line.indexOf(32, i);
      i = i < 0 || i > end ? end : i + 1;
    }
    while (i < end) {
      let e = line.indexOf(32, i);
      if (e < 0 || e > end) e = end;
      switch (line[i]) {
        case 0x66: // f
          flags = Math.max(0, parseUint(line, i + 1, e, 0xffffffff));
          break;
        case 0x63: // c
          if (parseUint64(line, i + 1, e)) {
            casHi = parsed.hi;
            casLo = parsed.lo;
          }
          break;
        case 0x74: {
          // t
          const t = parseInt32(line, i + 1, e);
          ttl = t === t ? t : TTL_UNKNOWN;
          break;
        }
      }
      i = e + 1;
    }
  }
  // The status line is copied: a view would pin the backend's socket chunk while the reply waits.
  return new MetaReply(
    result,
    value,
    flags,
    casHi,
    casLo,
    status,
    Buffer.from(line.subarray(start, end)),
    ttl,
  );
}
