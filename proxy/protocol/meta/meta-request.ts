/**
 * What a meta request (`mg`, `ms`, `md`, `ma`, `me`; doc/protocol.txt "Meta Commands",
 * `memcached/proto_text.c`) carries beyond the protocol-neutral `McRequest`: the client's flag
 * tokens, kept as a view of its line so they reach memcached as the client wrote them, and the
 * few facts the proxy acts on itself — quiet mode (`q`: memcached must answer every request the
 * proxy sends, so the proxy drops `q` on the wire and suppresses the reply), the key echo (`k`:
 * the proxy echoes the client's key, not the one a route sent), base64 keys (`b`: routed by the
 * decoded bytes) and the TTL (`T`: routes may change it, e.g. ModifyExptimeRoute).
 *
 * The flag letters are kept as two 26-bit masks (`lower`, `upper`) so routes can ask "did the
 * client ask for `t`?" without scanning.
 */
import { isTextKey } from '../../warm/uri-key.js';

/** Which meta command. */
export const enum MetaKind {
  Get = 0,
  Set = 1,
  Delete = 2,
  Arith = 3,
  Debug = 4,
}

/** The command names by `MetaKind` (wire bytes without the trailing space). */
export const META_COMMANDS: readonly string[] = ['mg', 'ms', 'md', 'ma', 'me'];

/**
 * Added to `MetaKind` in a destination's ring of operations, so its reply parser knows the oldest
 * outstanding request is a meta one (classic `Op`s are below it).
 */
export const META_OP_BASE = 64;

const KINDS: readonly MetaKind[] = [
  MetaKind.Get,
  MetaKind.Set,
  MetaKind.Delete,
  MetaKind.Arith,
  MetaKind.Debug,
];

/** The meta command of a destination ring's op code, or -1 for a classic `Op` (see `META_OP_BASE`). */
export function metaKindOfOp(op: number): MetaKind | -1 {
  return op >= META_OP_BASE ? (KINDS[op - META_OP_BASE] ?? -1) : -1;
}

/** Bit of a flag letter in `MetaRequest.lower` (a–z) or `MetaRequest.upper` (A–Z). */
export function flagBit(letter: string): number {
  const c = letter.charCodeAt(0);
  return 1 << (c >= 97 ? c - 97 : c - 65);
}

/** See the file comment. Immutable once parsed; shared by every copy a route derives. */
export class MetaRequest {
  /**
   * @param kind the command
   * @param keyToken the key token as the client sent it (base64 text with `b`)
   * @param binary the key was base64-decoded (`b`): `McRequest.key` holds the decoded bytes
   * @param decodedKey the decoded key (`McRequest.key` as parsed), or null when not `binary`
   * @param flags the client's flag tokens, a view of its line from the first flag to the last
   *   (empty when none)
   * @param quietStart offset in `flags` of the one `q` token, dropped on the wire; -1 when none
   * @param quietEnd end offset of that token
   * @param ttlStart offset in `flags` of the `T` token (rewritten when a route changed the
   *   exptime); -1 when none
   * @param ttlEnd end offset of that token
   * @param exptime the `T` value as parsed (seconds; 0 without `T` or when malformed)
   * @param lower flag letters a–z present (bit `c - 'a'`)
   * @param upper flag letters A–Z present (bit `c - 'A'`)
   */
  constructor(
    readonly kind: MetaKind,
    readonly keyToken: Buffer,
    readonly binary: boolean,
    readonly decodedKey: Buffer | null,
    readonly flags: Buffer,
    readonly quietStart: number,
    readonly quietEnd: number,
    readonly ttlStart: number,
    readonly ttlEnd: number,
    readonly exptime: number,
    readonly lower: number,
    readonly upper: number,
  ) {}

  /** True in quiet mode (`q`): the nominal reply is suppressed (see `meta-reply-writer.ts`). */
  get quiet(): boolean {
    return this.quietStart >= 0;
  }

  /** True when the client asked for the lower-case flag `letter` (e.g. `v`, `t`, `k`). */
  has(letter: string): boolean {
    return (this.lower & flagBit(letter)) !== 0;
  }

  /** True when the client sent the upper-case flag `letter` (e.g. `T`, `C`, `M`). */
  hasUpper(letter: string): boolean {
    return (this.upper & flagBit(letter)) !== 0;
  }
}

const FILL_FLAGS = Buffer.from('v f t');
const FILL_FLAGS_B64 = Buffer.from('b v f t');
const LETTER_V = 1 << (0x76 - 0x61);
const LETTER_F = 1 << (0x66 - 0x61);
const LETTER_T = 1 << (0x74 - 0x61);
const LETTER_B = 1 << (0x62 - 0x61);

/**
 * `mg <key> v f t` for `key` (`b` and base64 when the key is not a text token): the value, client
 * flags and remaining TTL of an item, as WarmUpRoute reads the warm copy
 * (`mcrouter/routes/WarmUpRoute.h` uses `metaget` for the same purpose). Attach it to an
 * `Op.Get` request for `key`.
 */
export function fillReadMeta(key: Buffer): MetaRequest {
  const text = key.length > 0 && isTextKey(key, 0, key.length);
  const token = text ? key : Buffer.from(key.toString('base64'), 'latin1');
  const flags = text ? FILL_FLAGS : FILL_FLAGS_B64;
  const lower = LETTER_V | LETTER_F | LETTER_T | (text ? 0 : LETTER_B);
  return new MetaRequest(MetaKind.Get, token, !text, text ? null : key, flags, -1, -1, -1, -1, 0, lower, 0);
}
