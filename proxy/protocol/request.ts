/**
 * A parsed memcache request, as routes see it. Keys and values are Buffer views into the bytes the
 * client sent; nothing here converts them to strings.
 */
import { Op, isUpdateLike } from './op.js';
import { ReplyMode } from './reply-mode.js';
import type { MetaRequest } from './meta/meta-request.js';

const EMPTY = Buffer.alloc(0);
const SLASH = 0x2f;
const PIPE = 0x7c;
const HASH = 0x23;

/**
 * One routable request. Routes treat it as immutable and derive copies (`withKey`, `withExptime`)
 * when they change a field, because one request can be in flight to several destinations.
 */
export class McRequest {
  /** Shared empty buffer for absent keys and values. */
  static readonly EMPTY = EMPTY;

  /** Routing prefix length (`/region/cluster/`), -1 until computed. */
  private prefixLen = -1;
  /** End of the routing key inside `key` (before `|#|`), -1 until computed. */
  private hashEnd = -1;
  /**
   * Set on shadow copies: a failed delete is not spooled to the asynclog (mcrouter clears the
   * asynclog name in shadow fibers, `mcrouter/routes/ShadowRoute.h`). Copied by `withKey` / `withExptime`.
   */
  noAsynclog = false;
  /**
   * The meta protocol's extras when the client sent a meta command (`meta/meta-request.ts`), else
   * null. Copied by `withKey` / `withExptime`, so a derived request still goes out as meta.
   */
  meta: MetaRequest | null = null;

  /**
   * @param op operation
   * @param key full key bytes as the client sent them, routing prefix included (empty when keyless)
   * @param flags client flags, uint32 (storage commands)
   * @param exptime seconds: relative (≤ 30 days) or absolute unix time, may be negative (int32);
   *   for `flush_all` the delay
   * @param value data block (storage commands), empty otherwise
   * @param casHi high 32 bits of the CAS unique (cas command; 0 otherwise)
   * @param casLo low 32 bits of the CAS unique (see `uint64.ts`)
   * @param deltaHi high 32 bits of the incr/decr amount (uint64)
   * @param deltaLo low 32 bits of the incr/decr amount
   * @param replyMode when the client wants the reply (ASCII `noreply` is `Never`)
   * @param opaque the client's request id (binary protocol), echoed in the reply; 0 for ASCII
   * @param wireOp the client codec's own command code (the binary opcode), for its reply writer
   */
  constructor(
    readonly op: Op,
    readonly key: Buffer = EMPTY,
    readonly flags = 0,
    readonly exptime = 0,
    readonly value: Buffer = EMPTY,
    readonly casHi = 0,
    readonly casLo = 0,
    readonly deltaHi = 0,
    readonly deltaLo = 0,
    readonly replyMode: ReplyMode = ReplyMode.Always,
    readonly opaque = 0,
    readonly wireOp = 0,
  ) {}

  /** True when the client asked for no reply at all (ASCII `noreply`). */
  get noreply(): boolean {
    return this.replyMode === ReplyMode.Never;
  }

  /**
   * Length in bytes of the routing prefix `/region/cluster/` at the start of the key, or 0 when
   * the key has none (a key starting with `/` that contains two more `/`; `mcrouter/routes/RootRoute.h`).
   */
  get routingPrefixLength(): number {
    if (this.prefixLen < 0) this.prefixLen = routingPrefixLength(this.key);
    return this.prefixLen;
  }

  /** Start offset in `key` of the routing key (the key without its routing prefix). */
  get routingKeyStart(): number {
    return this.routingPrefixLength;
  }

  /**
   * End offset in `key` of the routing key: the first `|#|` (hash stop) after the prefix, or the
   * key length (`mcrouter/lib/carbon/Keys-inl.h`).
   */
  get routingKeyEnd(): number {
    if (this.hashEnd < 0) this.hashEnd = hashStop(this.key, this.routingPrefixLength);
    return this.hashEnd;
  }

  /** A copy with another key (routing fields recomputed). */
  withKey(key: Buffer): McRequest {
    const r = new McRequest(
      this.op,
      key,
      this.flags,
      this.exptime,
      this.value,
      this.casHi,
      this.casLo,
      this.deltaHi,
      this.deltaLo,
      this.replyMode,
      this.opaque,
      this.wireOp,
    );
    r.noAsynclog = this.noAsynclog;
    r.meta = this.meta;
    return r;
  }

  /** A copy with another exptime (seconds). */
  withExptime(exptime: number): McRequest {
    return this.derive(exptime, this.casHi, this.casLo);
  }

  /** A copy with another CAS unique (uint64 halves; see `uint64.ts`). */
  withCas(casHi: number, casLo: number): McRequest {
    return this.derive(this.exptime, casHi, casLo);
  }

  /** A copy with the same key (routing fields kept) and these exptime and CAS unique. */
  private derive(exptime: number, casHi: number, casLo: number): McRequest {
    const r = new McRequest(
      this.op,
      this.key,
      this.flags,
      exptime,
      this.value,
      casHi,
      casLo,
      this.deltaHi,
      this.deltaLo,
      this.replyMode,
      this.opaque,
      this.wireOp,
    );
    r.prefixLen = this.prefixLen;
    r.hashEnd = this.hashEnd;
    r.noAsynclog = this.noAsynclog;
    r.meta = this.meta;
    return r;
  }

  /** A copy marked `noAsynclog` (a shadow request). */
  asShadow(): McRequest {
    const r = this.withExptime(this.exptime);
    r.noAsynclog = true;
    return r;
  }

  /** The key as a latin1 string, for logs and prefix maps (not for the hot path). */
  keyString(): string {
    return this.key.toString('latin1');
  }

  /** True for set/add/replace/append/prepend/cas. */
  get isUpdate(): boolean {
    return isUpdateLike(this.op);
  }
}

/** See `McRequest.routingPrefixLength`. */
export function routingPrefixLength(key: Buffer): number {
  if (key.length === 0 || key[0] !== SLASH) return 0;
  const second = key.indexOf(SLASH, 1);
  if (second < 0) return 0;
  const third = key.indexOf(SLASH, second + 1);
  if (third < 0) return 0;
  return third + 1;
}

function hashStop(key: Buffer, from: number): number {
  let i = key.indexOf(PIPE, from);
  while (i >= 0 && i + 2 < key.length) {
    if (key[i + 1] === HASH && key[i + 2] === PIPE) return i;
    i = key.indexOf(PIPE, i + 1);
  }
  return key.length;
}
