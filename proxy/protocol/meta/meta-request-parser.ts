/**
 * The client side of memcached's meta commands (`memcached/proto_text.c`
 * `process_command_ascii`, `process_mget_command`, `process_mset_command`,
 * `process_mdelete_command`, `process_marithmetic_command`, `process_meta_command`; doc/protocol.txt):
 * one tokenized line in, a routable `McRequest` with its `MetaRequest` out.
 *
 * The proxy checks only what it needs to route and to stay in step with the stream; every other
 * check (unknown or duplicate flags, malformed tokens, opaque length, modes) is memcached's: the
 * request goes to the key's server as the client wrote it and memcached's error comes back. The
 * errors answered here are those memcached gives before it reads flags, with its texts:
 * - `mg`, `ms`, `md`, `ma` without a key → `ERROR`; `me` without a key →
 *   `CLIENT_ERROR bad command line format`;
 * - a key token over 250 bytes → `CLIENT_ERROR bad command line format`;
 * - 20 tokens or more → `CLIENT_ERROR options flags are too long` (`mg`) or
 *   `CLIENT_ERROR options flags too long`;
 * - `ms` without a data length, or one that is not a non-negative int32 →
 *   `CLIENT_ERROR bad command line format`; as memcached, the data block is then not skipped
 *   (its bytes are read as the next command).
 * `mn` is answered by the proxy (`MN`) after every earlier reply of the connection.
 *
 * Meta commands map to the classic operations routes know (`mg` → get, `ms` → set / add /
 * append / prepend / replace / cas by mode and `C`, `md` → delete, `ma` → incr / decr by mode,
 * `me` → get), so OperationSelectorRoute, failover and the All* routes treat them as their classic
 * equivalents.
 */
import { McRequest } from '../request.js';
import { McReply } from '../reply.js';
import { Op } from '../op.js';
import { Result } from '../result.js';
import { MAX_KEY_LENGTH, parseInt32 } from '../ascii.js';
import { parseUint64, parsed } from '../uint64.js';
import { LocalCommand, type RequestSink } from '../request-sink.js';
import { ReplyMode } from '../reply-mode.js';
import { MetaKind, MetaRequest } from './meta-request.js';

/** memcached's `ERROR`: an unknown command or one without a key. */
const UNKNOWN = McReply.error(Result.BadCommand);
const BAD_FORMAT = McReply.error(Result.ClientError, 'bad command line format');
const MG_TOO_LONG = McReply.error(Result.ClientError, 'options flags are too long');
const TOO_LONG = McReply.error(Result.ClientError, 'options flags too long');
/** memcached's `MFLAG_MAX_OPT_LENGTH`: a line of this many tokens or more is rejected. */
const MAX_TOKENS = 20;

const Q = 0x71;
const T = 0x54;
const B = 0x62;
const LOWER_A = 0x61;
const UPPER_A = 0x41;

/** The header of an `ms` whose data block the request parser reads next (see `parseMetaLine`). */
export class MetaSetHead {
  op: Op = Op.Set;
  key: Buffer = McRequest.EMPTY;
  flags = 0;
  exptime = 0;
  casHi = 0;
  casLo = 0;
  meta: MetaRequest | null = null;
}

/** Filled by `parseMetaLine` for an `ms`; read at once by the caller (parsing is synchronous). */
export const META_SET_HEAD = new MetaSetHead();

/**
 * Handles the meta command line whose `n` tokens are at `line[ts[i], te[i])` (token 0 is a
 * two-byte command starting with `m`).
 * @returns -1 when the line is done (a request, a local command or an error went to `sink`), or,
 *   for a well-formed `ms`, the length in bytes of its data block; the header is then in
 *   `META_SET_HEAD` and the caller reads `length + 2` bytes
 */
export function parseMetaLine(
  line: Buffer,
  ts: Int32Array,
  te: Int32Array,
  n: number,
  sink: RequestSink,
): number {
  const c0 = ts[0] ?? 0;
  const second = line[c0 + 1];
  let kind: MetaKind;
  switch (second) {
    case 0x67: // g
      kind = MetaKind.Get;
      break;
    case 0x73: // s
      kind = MetaKind.Set;
      break;
    case 0x64: // d
      kind = MetaKind.Delete;
      break;
    case 0x61: // a
      kind = MetaKind.Arith;
      break;
    case 0x65: // e
      kind = MetaKind.Debug;
      break;
    case 0x6e: // n: memcached answers MN whatever follows
      sink.onLocalCommand(LocalCommand.NoOp, [], ReplyMode.Always, 0, 0);
      return -1;
    default:
      return reject(sink, UNKNOWN);
  }
  if (n < 2) return reject(sink, kind === MetaKind.Debug ? BAD_FORMAT : UNKNOWN);
  const ks = ts[1] ?? 0;
  const ke = te[1] ?? 0;
  if (ke - ks > MAX_KEY_LENGTH) return reject(sink, BAD_FORMAT);
  if (kind === MetaKind.Debug) return debug(line, ks, ke, ts, te, n, sink);
  let first = 2;
  let length = -1;
  if (kind === MetaKind.Set) {
    if (n === 2) return reject(sink, BAD_FORMAT);
    if (n >= MAX_TOKENS) return reject(sink, TOO_LONG);
    length = parseInt32(line, ts[2] ?? 0, te[2] ?? 0);
    if (!(length >= 0) || length > 2147483645) return reject(sink, BAD_FORMAT);
    first = 3;
  } else if (n >= MAX_TOKENS) {
    return reject(sink, kind === MetaKind.Get ? MG_TOO_LONG : TOO_LONG);
  }

  // The flags: letters present, the one `q`, `T`, and what the operation mapping needs.
  let lower = 0;
  let upper = 0;
  let quietStart = -1;
  let quietEnd = -1;
  let quietCount = 0;
  let ttlStart = -1;
  let ttlEnd = -1;
  let exptime = 0;
  let flags = 0;
  let mode = 0;
  let casHi = 0;
  let casLo = 0;
  let deltaHi = 0;
  let deltaLo = 1;
  const fs = n > first ? (ts[first] ?? 0) : ke;
  const fe = n > first ? (te[n - 1] ?? 0) : ke;
  for (let i = first; i < n; i++) {
    const s = ts[i] ?? 0;
    const e = te[i] ?? 0;
    const c = line[s] ?? 0;
    if (c >= LOWER_A && c < LOWER_A + 26) lower |= 1 << (c - LOWER_A);
    else if (c >= UPPER_A && c < UPPER_A + 26) upper |= 1 << (c - UPPER_A);
    switch (c) {
      case Q:
        quietCount++;
        quietStart = s - fs;
        quietEnd = e - fs;
        break;
      case T: {
        ttlStart = s - fs;
        ttlEnd = e - fs;
        const v = parseInt32(line, s + 1, e);
        if (v === v) exptime = v;
        break;
      }
      case 0x46: {
        // F: client flags (ms)
        const v = parseUint64(line, s + 1, e) ? parsed.lo : 0;
        flags = parsed.hi === 0 ? v : 0;
        break;
      }
      case 0x4d: // M: mode (ms, ma)
        mode = e - s === 2 ? (line[s + 1] ?? 0) : 0;
        break;
      case 0x43: // C: compare cas
        if (parseUint64(line, s + 1, e)) {
          casHi = parsed.hi;
          casLo = parsed.lo;
        }
        break;
      case 0x44: // D: delta (ma)
        if (parseUint64(line, s + 1, e)) {
          deltaHi = parsed.hi;
          deltaLo = parsed.lo;
        }
        break;
    }
  }
  // A repeated `q` is memcached's "duplicate flag" error: send it as is so memcached says so.
  if (quietCount !== 1) {
    quietStart = -1;
    quietEnd = -1;
  }
  const keyToken = line.subarray(ks, ke);
  const decoded = (lower & (1 << (B - LOWER_A))) !== 0 ? decodeKey(keyToken) : null;
  const meta = new MetaRequest(
    kind,
    keyToken,
    decoded !== null,
    decoded,
    line.subarray(fs, fe),
    quietStart,
    quietEnd,
    ttlStart,
    ttlEnd,
    exptime,
    lower,
    upper,
  );
  const key = decoded ?? keyToken;
  const hasCas = (upper & (1 << (0x43 - UPPER_A))) !== 0;
  if (kind === MetaKind.Set) {
    const h = META_SET_HEAD;
    h.op = setOp(mode, hasCas);
    h.key = key;
    h.flags = flags;
    h.exptime = exptime;
    h.casHi = casHi;
    h.casLo = casLo;
    h.meta = meta;
    return length;
  }
  let op: Op;
  if (kind === MetaKind.Get) op = Op.Get;
  else if (kind === MetaKind.Delete) op = Op.Delete;
  else op = mode === 0x44 || mode === 0x2d ? Op.Decr : Op.Incr; // D or - decrements
  const req = new McRequest(op, key, 0, exptime, undefined, casHi, casLo, deltaHi, deltaLo);
  req.meta = meta;
  sink.onRequest(req);
  return -1;
}

/** `me <key> [b]`: memcached decodes the key only when the second token is exactly `b`. */
function debug(
  line: Buffer,
  ks: number,
  ke: number,
  ts: Int32Array,
  te: Int32Array,
  n: number,
  sink: RequestSink,
): number {
  const b = n >= 3 && (te[2] ?? 0) - (ts[2] ?? 0) === 1 && line[ts[2] ?? 0] === B;
  const keyToken = line.subarray(ks, ke);
  const decoded = b ? decodeKey(keyToken) : null;
  const flags = b ? line.subarray(ts[2] ?? 0, te[2] ?? 0) : McRequest.EMPTY;
  const meta = new MetaRequest(
    MetaKind.Debug,
    keyToken,
    decoded !== null,
    decoded,
    flags,
    -1,
    -1,
    -1,
    -1,
    0,
    b ? 1 << (B - LOWER_A) : 0,
    0,
  );
  const req = new McRequest(Op.Get, decoded ?? keyToken);
  req.meta = meta;
  sink.onRequest(req);
  return -1;
}

/** ms mode → operation: E add, A append, P prepend, R replace, S (default) set; a cas turns set/replace into cas. */
function setOp(mode: number, hasCas: boolean): Op {
  switch (mode) {
    case 0x45:
      return Op.Add;
    case 0x41:
      return Op.Append;
    case 0x50:
      return Op.Prepend;
    case 0x52:
      return hasCas ? Op.Cas : Op.Replace;
    default:
      return hasCas ? Op.Cas : Op.Set;
  }
}

/**
 * The base64 key `token` decoded, for routing; null when it is not valid base64 (the request then
 * goes out with the token as sent and memcached answers its decoding error).
 */
function decodeKey(token: Buffer): Buffer | null {
  if (token.length === 0 || token.length % 4 !== 0) return null;
  const text = token.toString('latin1');
  if (!BASE64.test(text)) return null;
  const out = Buffer.from(text, 'base64');
  return out.length > 0 ? out : null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function reject(sink: RequestSink, reply: McReply): number {
  sink.onRequestError(reply, ReplyMode.Always, 0, 0);
  return -1;
}
