/**
 * Drives the request parser with a recording sink and feeds input whole, byte by byte, or split
 * at given offsets, so every case can be checked in all three ways.
 */
import { RequestParser, LocalCommand, type RequestSink } from '../../../proxy/protocol/request-parser.js';
import type { McRequest } from '../../../proxy/protocol/request.js';
import type { McReply } from '../../../proxy/protocol/reply.js';
import { Op, OP_NAMES } from '../../../proxy/protocol/op.js';
import { ReplyMode } from '../../../proxy/protocol/reply-mode.js';
import { errorLine } from '../../../proxy/protocol/reply-writer.js';
import { toBigInt } from '../../../proxy/protocol/uint64.js';

/** One request rendered as text for comparisons. */
export function describe(req: McRequest): string {
  const parts = [OP_NAMES[req.op] ?? '?', `key=${req.key.toString('latin1')}`];
  if (req.flags !== 0) parts.push(`flags=${req.flags}`);
  if (req.exptime !== 0) parts.push(`exptime=${req.exptime}`);
  if (req.value.length > 0) parts.push(`value=${JSON.stringify(req.value.toString('latin1'))}`);
  if (req.op === Op.Cas) parts.push(`cas=${toBigInt(req.casHi, req.casLo)}`);
  if (req.op === Op.Incr || req.op === Op.Decr) parts.push(`delta=${toBigInt(req.deltaHi, req.deltaLo)}`);
  if (req.noreply) parts.push('noreply');
  if (req.replyMode === ReplyMode.OnlyOnError) parts.push('quiet');
  if (req.replyMode === ReplyMode.OnlyOnHit) parts.push('quiet-hit');
  if (req.opaque !== 0) parts.push(`opaque=${req.opaque}`);
  return parts.join(' ');
}

/** Records parser events as strings. */
export class RecordingSink implements RequestSink {
  readonly events: string[] = [];
  onRequest(req: McRequest): void {
    this.events.push(describe(req));
  }
  onMultiGet(reqs: McRequest[]): void {
    this.events.push(`multi[${reqs.map(describe).join(' | ')}]`);
  }
  onLocalCommand(cmd: LocalCommand, args: string[], mode: ReplyMode): void {
    const noreply = mode === ReplyMode.Never ? ' (noreply)' : '';
    this.events.push(`local:${LocalCommand[cmd]}${args.length > 0 ? ` ${args.join(' ')}` : ''}${noreply}`);
  }
  onRequestError(reply: McReply, mode: ReplyMode): void {
    this.events.push(`error:${errorLine(reply)}${mode === ReplyMode.Never ? ' (noreply)' : ''}`);
  }
  onFatalError(reply: McReply): void {
    this.events.push(`fatal:${errorLine(reply)}`);
  }
}

/** Parses `input` delivered in pieces cut at `cuts` (sorted offsets); returns the events. */
export function parseSplit(input: Buffer, cuts: readonly number[], maxItemSize = 1024 * 1024): string[] {
  const sink = new RecordingSink();
  const parser = new RequestParser(sink, { maxItemSize });
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c <= prev) continue;
    // Copy each piece: the parser keeps views, and sockets hand out fresh buffers too.
    parser.feed(Buffer.from(input.subarray(prev, c)));
    prev = c;
  }
  return sink.events;
}

/** Every offset 1..n-1: byte-by-byte delivery. */
export function everyByte(n: number): number[] {
  return Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1);
}
