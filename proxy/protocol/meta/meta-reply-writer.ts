/**
 * Meta replies on the client side (proxy → client), as memcached writes them
 * (`memcached/proto_text.c` `process_mget_command`, `_finalize_mset`, `process_mdelete_command`,
 * `process_marithmetic_command`, `process_meta_command`):
 *
 * - a reply memcached sent (`MetaReply`) goes out as it came — status line, return flags in the
 *   client's order, data block — except the key echo (`k`, and the key of an `ME` line), which
 *   shows the client's key even when a route sent another one (routing prefix, ModifyKeyRoute);
 * - a reply the proxy made (a route's miss or NOT_STORED, an admin value, a fill re-read) gets
 *   the status of its result and the return flags the proxy knows: `O`, `k`, and for a hit `s`,
 *   `f`, `c`, `t` (`t-1`: the TTL is unknown);
 * - errors are error lines (`CLIENT_ERROR …`, `SERVER_ERROR …`), never suppressed;
 * - quiet mode (`q`) suppresses what memcached suppresses: `EN` for `mg`, `HD` for `ms` and
 *   `md`, `HD`/`VA` for `ma`.
 */
import type { ByteWriter } from '../byte-writer.js';
import type { McReply } from '../reply.js';
import type { McRequest } from '../request.js';
import { Result, isErrorResult } from '../result.js';
import { errorLine } from '../reply-writer.js';
import { toBigInt } from '../uint64.js';
import { MetaKind, type MetaRequest } from './meta-request.js';
import { META_STATUS_TEXT, MetaReply, MetaStatus } from './meta-reply.js';

const SPACE_K = Buffer.from(' k');
const SPACE_B = Buffer.from(' b');

/** True when quiet mode hides a reply with `status` to a `kind` request (see the file comment). */
export function quietSuppresses(kind: MetaKind, status: MetaStatus): boolean {
  switch (kind) {
    case MetaKind.Get:
      return status === MetaStatus.EN;
    case MetaKind.Set:
    case MetaKind.Delete:
      return status === MetaStatus.HD;
    case MetaKind.Arith:
      return status === MetaStatus.HD || status === MetaStatus.VA;
    case MetaKind.Debug:
      return false;
  }
}

/**
 * Appends the reply to the meta request `req` (the client's own, with `req.meta` = `meta`) to `w`,
 * or nothing when quiet mode suppresses it.
 */
export function writeMetaReply(w: ByteWriter, req: McRequest, meta: MetaRequest, reply: McReply): void {
  if (isErrorResult(reply.result)) {
    w.line(errorLine(reply));
    return;
  }
  if (reply instanceof MetaReply) {
    if (meta.quiet && quietSuppresses(meta.kind, reply.status)) return;
    const head = reply.head;
    if (reply.status === MetaStatus.ME) writeDebugHead(w, req, meta, head);
    else if (meta.has('k')) writeWithKey(w, head, echoedKey(req, meta));
    else w.bytes(head);
    w.crlf();
    const value = reply.value;
    if (value !== null && reply.status === MetaStatus.VA) {
      w.bytes(value);
      w.crlf();
    }
    return;
  }
  writeMade(w, req, meta, reply);
}

/** The key as memcached echoes it: the client's token, or the decoded key in canonical base64. */
function echoedKey(req: McRequest, meta: MetaRequest): Buffer {
  return meta.binary ? Buffer.from(req.key.toString('base64'), 'latin1') : meta.keyToken;
}

/** Writes `head` with the value of its ` k` token replaced by `key` (when it differs). */
function writeWithKey(w: ByteWriter, head: Buffer, key: Buffer): void {
  const at = head.indexOf(SPACE_K);
  if (at < 0) {
    w.bytes(head);
    return;
  }
  const start = at + 2;
  let end = head.indexOf(32, start);
  if (end < 0) end = head.length;
  if (end - start === key.length && head.compare(key, 0, key.length, start, end) === 0) {
    w.bytes(head);
    return;
  }
  w.bytes(head, 0, start);
  w.bytes(key);
  w.bytes(head, end);
}

/** `ME <key> exp=…`: the key shown is the client's. */
function writeDebugHead(w: ByteWriter, req: McRequest, meta: MetaRequest, head: Buffer): void {
  let end = head.indexOf(32, 3);
  if (end < 0) end = head.length;
  w.bytes(head, 0, 3);
  w.bytes(echoedKey(req, meta));
  w.bytes(head, end);
}

/** The status of a reply the proxy made, by command and result. */
function madeStatus(meta: MetaRequest, result: Result): MetaStatus {
  switch (result) {
    case Result.NotFound:
      return meta.kind === MetaKind.Get || meta.kind === MetaKind.Debug ? MetaStatus.EN : MetaStatus.NF;
    case Result.NotStored:
      return MetaStatus.NS;
    case Result.Exists:
      return MetaStatus.EX;
    case Result.Found:
      if (meta.kind === MetaKind.Debug) return MetaStatus.ME;
      return meta.kind === MetaKind.Get && meta.has('v') ? MetaStatus.VA : MetaStatus.HD;
    default:
      return meta.kind === MetaKind.Arith && meta.has('v') ? MetaStatus.VA : MetaStatus.HD;
  }
}

/** A reply the proxy made (see the file comment). Not the hot path. */
function writeMade(w: ByteWriter, req: McRequest, meta: MetaRequest, reply: McReply): void {
  const status = madeStatus(meta, reply.result);
  if (meta.quiet && quietSuppresses(meta.kind, status)) return;
  if (status === MetaStatus.ME) {
    w.text('ME ');
    w.bytes(echoedKey(req, meta));
    w.crlf();
    return;
  }
  let value: Buffer | null = null;
  if (status === MetaStatus.VA) {
    value =
      meta.kind === MetaKind.Arith
        ? Buffer.from(toBigInt(reply.numHi, reply.numLo).toString(), 'latin1')
        : (reply.value ?? Buffer.alloc(0));
    w.text(`VA ${value.length}`);
  } else w.text(META_STATUS_TEXT[status] ?? 'HD');
  const hit = status === MetaStatus.VA || (status === MetaStatus.HD && meta.kind === MetaKind.Get);
  const flags = meta.flags;
  let i = 0;
  while (i < flags.length) {
    let e = flags.indexOf(32, i);
    if (e < 0) e = flags.length;
    if (e > i) writeMadeFlag(w, req, meta, reply, flags, i, e, hit);
    i = e + 1;
  }
  w.crlf();
  if (value !== null) {
    w.bytes(value);
    w.crlf();
  }
}

function writeMadeFlag(
  w: ByteWriter,
  req: McRequest,
  meta: MetaRequest,
  reply: McReply,
  flags: Buffer,
  s: number,
  e: number,
  hit: boolean,
): void {
  switch (flags[s]) {
    case 0x4f: // O: the opaque as sent
      w.text(' ');
      w.bytes(flags, s, e);
      return;
    case 0x6b: // k
      w.bytes(SPACE_K);
      w.bytes(echoedKey(req, meta));
      if (meta.binary) w.bytes(SPACE_B);
      return;
  }
  if (!hit || meta.kind !== MetaKind.Get) return;
  switch (flags[s]) {
    case 0x73: // s
      w.text(` s${reply.value?.length ?? 0}`);
      return;
    case 0x66: // f
      w.text(` f${reply.flags}`);
      return;
    case 0x63: // c
      w.text(` c${toBigInt(reply.casHi, reply.casLo).toString()}`);
      return;
    case 0x74: // t
      w.text(' t-1');
      return;
  }
}
