/**
 * Drives the request parser with a recording sink and feeds input whole, byte by byte, or split
 * at given offsets, so every case can be checked in all three ways.
 */
import { RequestParser, LocalCommand, type RequestSink } from '../../../proxy/protocol/request-parser.js';
import type { McRequest } from '../../../proxy/protocol/request.js';
import { OP_NAMES } from '../../../proxy/protocol/op.js';

/** One request rendered as text for comparisons. */
export function describe(req: McRequest): string {
  const parts = [OP_NAMES[req.op] ?? '?', `key=${req.key.toString('latin1')}`];
  if (req.flags !== 0) parts.push(`flags=${req.flags}`);
  if (req.exptime !== 0) parts.push(`exptime=${req.exptime}`);
  if (req.value.length > 0) parts.push(`value=${JSON.stringify(req.value.toString('latin1'))}`);
  if (req.cas !== null) parts.push(`cas=${req.cas.toString('latin1')}`);
  if (req.delta !== null) parts.push(`delta=${req.delta.toString('latin1')}`);
  if (req.noreply) parts.push('noreply');
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
  onLocalCommand(cmd: LocalCommand, args: string[]): void {
    this.events.push(`local:${LocalCommand[cmd]}${args.length > 0 ? ` ${args.join(' ')}` : ''}`);
  }
  onRequestError(line: string, noreply: boolean): void {
    this.events.push(`error:${line}${noreply ? ' (noreply)' : ''}`);
  }
  onFatalError(line: string): void {
    this.events.push(`fatal:${line}`);
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
