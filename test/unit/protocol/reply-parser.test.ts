/**
 * The backend reply parser: memcached's replies, matched in FIFO order against the outstanding
 * requests' operations; whole, byte by byte and at random splits.
 */
import { describe as group, expect, test } from 'vitest';
import fc from 'fast-check';
import { Feed, ReplyParser, type ReplyParserSink } from '../../../proxy/protocol/reply-parser.js';
import type { McReply } from '../../../proxy/protocol/reply.js';
import { Op, isArithmetic } from '../../../proxy/protocol/op.js';
import { RESULT_NAMES, Result } from '../../../proxy/protocol/result.js';
import { toBigInt } from '../../../proxy/protocol/uint64.js';
import { everyByte } from './parser-harness.js';

/** Records replies; renders them when read (after every chunk was fed, and reused if transient). */
class Sink implements ReplyParserSink {
  private readonly rendered: (string | (() => string))[] = [];
  constructor(private readonly ops: Op[]) {}
  get events(): string[] {
    return this.rendered.map((e) => (typeof e === 'string' ? e : e()));
  }
  expectedOp(): Op | -1 {
    return this.ops[0] ?? -1;
  }
  onReply(r: McReply): void {
    const op = this.ops.shift();
    this.rendered.push(() => render(r, op));
  }
  onProtocolError(message: string): void {
    this.rendered.push(`protocol-error: ${message}`);
  }
}

function render(r: McReply, op: Op | undefined): string {
  const isArith = op !== undefined && isArithmetic(op);
  const parts = [RESULT_NAMES[r.result] ?? '?'];
  if (r.value !== null) parts.push(JSON.stringify(r.value.toString('latin1')));
  if (r.flags !== 0) parts.push(`flags=${r.flags}`);
  if (r.casHi !== 0 || r.casLo !== 0) parts.push(`cas=${toBigInt(r.casHi, r.casLo)}`);
  if (r.result === Result.Stored && r.value === null && (r.numHi !== 0 || r.numLo !== 0 || isArith)) {
    parts.push(JSON.stringify(String(toBigInt(r.numHi, r.numLo))));
  }
  if (r.message !== null) parts.push(`msg=${r.message}`);
  return parts.join(' ');
}

/**
 * Feeds `input` cut at `cuts`, each chunk its own buffer (`Feed.Keep`), or (`Feed.Copy`,
 * `Feed.Adopt`) every chunk in one reused buffer that is overwritten after each `feed` (a backend
 * read buffer) unless the parser adopted it; replies are rendered at the end, so a view the parser
 * kept of a reused chunk shows as garbage.
 */
function run(ops: Op[], input: Buffer, cuts: number[], mode = Feed.Keep): string[] {
  const sink = new Sink([...ops]);
  const p = new ReplyParser(sink);
  let reused = Buffer.alloc(input.length);
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c <= prev) continue;
    if (mode !== Feed.Keep) {
      const n = input.copy(reused, 0, prev, c);
      p.feed(reused.subarray(0, n), mode);
      // An adopted buffer (a long value's views) is not reused: backend-reader.ts.
      if (p.takeLongData() && mode === Feed.Adopt) reused = Buffer.alloc(input.length);
      else reused.fill(0x23);
    } else p.feed(Buffer.from(input.subarray(prev, c)));
    prev = c;
  }
  return sink.events;
}

const CASES: [string, Op[], string, string[]][] = [
  ['get hit', [Op.Get], 'VALUE k 5 3\r\nabc\r\nEND\r\n', ['found "abc" flags=5']],
  ['get hit with CRLF in value', [Op.Get], 'VALUE k 0 4\r\n\r\n\r\n\r\nEND\r\n', ['found "\\r\\n\\r\\n"']],
  ['gets hit', [Op.Gets], 'VALUE k 0 1 99\r\nx\r\nEND\r\n', ['found "x" cas=99']],
  ['get miss', [Op.Get], 'END\r\n', ['notfound']],
  [
    'storage replies',
    [Op.Set, Op.Add, Op.Cas, Op.Cas],
    'STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\n',
    ['stored', 'notstored', 'exists', 'notfound'],
  ],
  [
    'delete touch',
    [Op.Delete, Op.Delete, Op.Touch],
    'DELETED\r\nNOT_FOUND\r\nTOUCHED\r\n',
    ['deleted', 'notfound', 'touched'],
  ],
  ['incr value (padded by memcached)', [Op.Incr, Op.Decr], '11\r\n9 \r\n', ['stored "11"', 'stored "9"']],
  ['version', [Op.Version], 'VERSION 1.6.18\r\n', ['ok "1.6.18"']],
  ['flush_all', [Op.FlushAll], 'OK\r\n', ['ok']],
  [
    'server error',
    [Op.Set],
    'SERVER_ERROR object too large for cache\r\n',
    ['remote_error msg=object too large for cache'],
  ],
  ['server error busy', [Op.Get], 'SERVER_ERROR 307 busy\r\n', ['busy msg=307 busy']],
  [
    'client error',
    [Op.Incr],
    'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
    ['client_error msg=cannot increment or decrement non-numeric value'],
  ],
  [
    'ERROR tears the connection down',
    [Op.Get, Op.Get],
    'ERROR\r\nEND\r\n',
    ['protocol-error: ERROR reply received from server.'],
  ],
  [
    'a reply that does not fit the op',
    [Op.Set],
    'END\r\n',
    ['protocol-error: unexpected reply for Set: "END"'],
  ],
  [
    'a reply with nothing outstanding',
    [],
    'STORED\r\n',
    ['protocol-error: unexpected reply with no request outstanding: "STORED"'],
  ],
  [
    'value not followed by END',
    [Op.Get],
    'VALUE k 0 1\r\nxEND\r\n\r\n',
    ['protocol-error: value not followed by END'],
  ],
  ['malformed VALUE line', [Op.Get], 'VALUE k x 1\r\nx\r\nEND\r\n', ['protocol-error: malformed VALUE line']],
];

group('reply parser', () => {
  for (const [name, ops, text, events] of CASES) {
    test(name, () => {
      const input = Buffer.from(text, 'latin1');
      expect(run(ops, input, [])).toEqual(events);
      expect(run(ops, input, everyByte(input.length))).toEqual(events);
      for (const mode of [Feed.Copy, Feed.Adopt]) {
        expect(run(ops, input, [], mode)).toEqual(events);
        expect(run(ops, input, everyByte(input.length), mode)).toEqual(events);
      }
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, input.length - 1) }), { maxLength: 6 }),
          (cuts) => {
            expect(
              run(
                ops,
                input,
                [...cuts].sort((a, b) => a - b),
              ),
            ).toEqual(events);
            expect(
              run(
                ops,
                input,
                [...cuts].sort((a, b) => a - b),
                Feed.Adopt,
              ),
            ).toEqual(events);
          },
        ),
        { numRuns: 40, seed: 3 },
      );
    });
  }
});
