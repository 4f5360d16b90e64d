/**
 * Drives the request parser with a recording sink and feeds input whole, byte by byte, or split
 * at given offsets, so every case can be checked in all three ways.
 */
import { RequestParser, LocalCommand, type RequestSink } from '../../../proxy/protocol/request-parser.js';
import type { McRequest } from '../../../proxy/protocol/request.js';
import type { McReply } from '../../../proxy/protocol/reply.js';
import { OP_NAMES, Op, isArithmetic } from '../../../proxy/protocol/op.js';
import { ReplyMode } from '../../../proxy/protocol/reply-mode.js';
import { errorLine } from '../../../proxy/protocol/reply-writer.js';
import { toBigInt } from '../../../proxy/protocol/uint64.js';
import { expect } from 'vitest';
import fc from 'fast-check';

/** One request rendered as text for comparisons. */
export function describe(req: McRequest): string {
  const parts = [OP_NAMES[req.op] ?? '?', `key=${req.key.toString('latin1')}`];
  if (req.flags !== 0) parts.push(`flags=${req.flags}`);
  if (req.exptime !== 0) parts.push(`exptime=${req.exptime}`);
  if (req.value.length > 0) parts.push(`value=${JSON.stringify(req.value.toString('latin1'))}`);
  if (req.op === Op.Cas) parts.push(`cas=${toBigInt(req.casHi, req.casLo)}`);
  if (isArithmetic(req.op)) parts.push(`delta=${toBigInt(req.deltaHi, req.deltaLo)}`);
  if (req.noreply) parts.push('noreply');
  if (req.replyMode === ReplyMode.OnlyOnError) parts.push('quiet');
  if (req.replyMode === ReplyMode.OnlyOnHit) parts.push('quiet-hit');
  if (req.opaque !== 0) parts.push(`opaque=${req.opaque}`);
  if (req.wireOp !== 0) parts.push(`wire=0x${req.wireOp.toString(16)}`);
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
  return parseSplitWith((sink) => new RequestParser(sink, { maxItemSize }), input, cuts);
}

/** `parseSplit` for any request parser (`make` builds it around the recording sink). */
export function parseSplitWith(
  make: (sink: RequestSink) => { feed(chunk: Buffer): void },
  input: Buffer,
  cuts: readonly number[],
): string[] {
  const sink = new RecordingSink();
  const parser = make(sink);
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

/**
 * Asserts that `parse` gives `events` for `input` delivered whole, byte by byte, and split at
 * random points (fast-check, fixed seed).
 */
export function expectEverySplit(
  parse: (input: Buffer, cuts: readonly number[]) => string[],
  input: Buffer,
  events: readonly string[],
): void {
  expect(parse(input, [])).toEqual(events);
  expect(parse(input, everyByte(input.length))).toEqual(events);
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, input.length - 1) }), { maxLength: 8 }),
      (cuts) => {
        expect(
          parse(
            input,
            [...cuts].sort((a, b) => a - b),
          ),
        ).toEqual(events);
      },
    ),
    { numRuns: 50, seed: 42 },
  );
}
