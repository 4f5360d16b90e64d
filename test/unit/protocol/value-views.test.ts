/**
 * The reply direction without copies: a value spanning backend chunks is parsed into views of
 * those chunks (`McReply.pieces`), and both reply writers send large values as those same views in
 * a vector, with exact wire bytes (`memcached/proto_text.c`, `memcached/proto_bin.c`).
 */
import { describe as group, expect, test } from 'vitest';
import fc from 'fast-check';
import { ADOPT_MIN, Feed, ReplyParser, VALUE_VIEW_MIN } from '../../../proxy/protocol/reply-parser.js';
import { McReply } from '../../../proxy/protocol/reply.js';
import { Op } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';
import { ReplyWriter } from '../../../proxy/protocol/reply-writer.js';
import { BinaryReplyWriter } from '../../../proxy/protocol/binary/binary-reply-writer.js';
import { BinOp, BinStatus } from '../../../proxy/protocol/binary/binary-protocol.js';
import { VIEW_THRESHOLD, type VectorSink } from '../../../proxy/protocol/byte-writer.js';
import { trimTail } from '../../../proxy/protocol/pending-bytes.js';

/** Records what a writer sends: separate writes, and whether they were corked. */
class RecordingSink implements VectorSink {
  readonly writes: Buffer[] = [];
  corks = 0;
  write(chunk: Buffer): boolean {
    this.writes.push(chunk);
    return true;
  }
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    /* nothing buffered */
  }
  get bytes(): Buffer {
    return Buffer.concat(this.writes);
  }
}

function pattern(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Feeds `input` cut at `cuts` (each chunk its own buffer) and returns the replies and chunks. */
function parse(
  ops: Op[],
  input: Buffer,
  cuts: number[],
): { replies: McReply[]; chunks: Buffer[]; errors: string[] } {
  const replies: McReply[] = [];
  const errors: string[] = [];
  const queue = [...ops];
  const p = new ReplyParser({
    expectedOp: () => queue[0] ?? -1,
    onReply: (r) => {
      queue.shift();
      replies.push(r);
    },
    onProtocolError: (m) => errors.push(m),
  });
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const c of [...[...cuts].sort((a, b) => a - b), input.length]) {
    if (c <= prev) continue;
    const chunk = Buffer.from(input.subarray(prev, c));
    chunks.push(chunk);
    p.feed(chunk);
    prev = c;
  }
  return { replies, chunks, errors };
}

group('reply parser: values as views', () => {
  const value = pattern(VALUE_VIEW_MIN + 3 * VIEW_THRESHOLD + 5);
  const wire = Buffer.concat([
    Buffer.from(`VALUE k 9 ${value.length} 77\r\n`),
    value,
    Buffer.from('\r\nEND\r\nVALUE j 0 1\r\nz\r\nEND\r\n'),
  ]);

  test('a value split anywhere is the same bytes, held as views of the input chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 6 }), (cuts) => {
        const { replies, chunks, errors } = parse([Op.Gets, Op.Get], wire, cuts);
        expect(errors).toEqual([]);
        expect(replies).toHaveLength(2);
        const hit = replies[0] as McReply;
        expect(hit.result).toBe(Result.Found);
        expect([hit.flags, hit.casLo, hit.valueLength]).toEqual([9, 77, value.length]);
        const views = hit.pieces ?? [hit.value as Buffer];
        expect(Buffer.concat(views).equals(value)).toBe(true);
        // No copy: every piece is memory of one of the chunks fed in.
        for (const v of views) expect(chunks.some((c) => c.buffer === v.buffer)).toBe(true);
        expect(hit.value?.equals(value)).toBe(true);
        expect(replies[1]?.value?.toString()).toBe('z');
      }),
      { numRuns: 200 },
    );
  });

  for (const mode of [Feed.Copy, Feed.Adopt]) {
    test(`a value fed in reused read buffers (${mode === Feed.Copy ? 'Feed.Copy' : 'Feed.Adopt'}) is whole, split anywhere`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 6 }), (cuts) => {
          const replies: McReply[] = [];
          const queue = [Op.Gets, Op.Get];
          const p = new ReplyParser({
            expectedOp: () => queue[0] ?? -1,
            onReply: (r) => {
              queue.shift();
              replies.push(r);
            },
            onProtocolError: (m) => expect.fail(m),
          });
          let reused = Buffer.alloc(wire.length);
          const adopted: ArrayBufferLike[] = [];
          let prev = 0;
          for (const c of [...[...cuts].sort((x, y) => x - y), wire.length]) {
            if (c <= prev) continue;
            p.feed(reused.subarray(0, wire.copy(reused, 0, prev, c)), mode);
            // What backend-reader.ts does: an adopted buffer is never written again.
            if (p.takeLongData() && mode === Feed.Adopt) {
              adopted.push(reused.buffer);
              reused = Buffer.alloc(wire.length);
            } else reused.fill(0x23);
            expect(p.takeLongData()).toBe(false);
            prev = c;
          }
          expect(replies).toHaveLength(2);
          const hit = replies[0] as McReply;
          const views = hit.pieces ?? [hit.value as Buffer];
          for (const v of views) {
            expect(v.buffer).not.toBe(reused.buffer);
            // Copy: nothing kept of a read buffer. Adopt: a view of an adopted buffer holds at
            // least ADOPT_MIN bytes (less the tail trimmed off it); shorter parts were copied.
            if (mode === Feed.Copy) expect(adopted).toEqual([]);
            else if (adopted.includes(v.buffer)) expect(v.length).toBeGreaterThanOrEqual(ADOPT_MIN - 7);
          }
          // Unsplit, the whole value stays in the buffer it came in.
          if (cuts.length === 0 && mode === Feed.Adopt) expect(adopted).toHaveLength(1);
          expect(hit.value?.equals(value)).toBe(true);
          expect(replies[1]?.value?.toString()).toBe('z');
        }),
        { numRuns: 200 },
      );
    });
  }

  test('a read holding only short values and lines, or a long value part under ADOPT_MIN, is not adopted', () => {
    const p = new ReplyParser({
      expectedOp: () => Op.Get,
      onReply: () => undefined,
      onProtocolError: (m) => expect.fail(m),
    });
    const small = pattern(VALUE_VIEW_MIN - 1, 5);
    p.feed(
      Buffer.concat([Buffer.from(`VALUE s 0 ${small.length}\r\n`), small, Buffer.from('\r\nEND\r\n')]),
      Feed.Adopt,
    );
    expect(p.takeLongData()).toBe(false);
    const big = pattern(ADOPT_MIN * 3, 7);
    p.feed(
      Buffer.concat([Buffer.from(`VALUE s 0 ${big.length}\r\n`), big.subarray(0, ADOPT_MIN - 1)]),
      Feed.Adopt,
    );
    expect(p.takeLongData()).toBe(false);
    // The next ADOPT_MIN bytes of it are kept as a view.
    p.feed(big.subarray(ADOPT_MIN - 1, ADOPT_MIN * 2 - 1), Feed.Adopt);
    expect(p.takeLongData()).toBe(true);
  });

  test('every split between the value and its END tail', () => {
    const start = wire.indexOf('\r\n') + 2 + value.length - 2;
    for (let a = start; a < start + 10; a++) {
      for (let b = a + 1; b < start + 12; b++) {
        const { replies, errors } = parse([Op.Gets, Op.Get], wire, [a, b]);
        expect(errors).toEqual([]);
        expect(Buffer.concat(replies[0]?.pieces ?? [replies[0]?.value as Buffer]).equals(value)).toBe(true);
      }
    }
  });

  test('a value shorter than VALUE_VIEW_MIN is copied out, whole or split, so it pins no chunk', () => {
    const small = pattern(VALUE_VIEW_MIN - 1, 3);
    const smallWire = Buffer.concat([
      Buffer.from(`VALUE s 1 ${small.length}\r\n`),
      small,
      Buffer.from('\r\nEND\r\n'),
    ]);
    for (const cuts of [[], [20], [20, 5000]]) {
      const { replies, chunks, errors } = parse([Op.Get], smallWire, cuts);
      expect(errors).toEqual([]);
      const hit = replies[0] as McReply;
      expect(hit.pieces).toBeNull();
      expect(hit.value?.equals(small)).toBe(true);
      expect(chunks.some((c) => c.buffer === hit.value?.buffer)).toBe(false);
    }
  });

  test('a large value not followed by END is a protocol error', () => {
    const bad = Buffer.concat([
      Buffer.from(`VALUE k 0 ${value.length}\r\n`),
      value,
      Buffer.from('\r\nENX\r\n'),
    ]);
    const { replies, errors } = parse([Op.Get], bad, [10, 100]);
    expect(replies).toEqual([]);
    expect(errors).toEqual(['value not followed by END']);
  });

  test('trimTail keeps exactly the data bytes', () => {
    const tail = Buffer.from('\r\nEND\r\n');
    const pieces = [Buffer.from('abc'), Buffer.from('de\r\nE'), Buffer.from('ND\r\n')];
    expect(trimTail(pieces, 5, tail)).toBe(true);
    expect(Buffer.concat(pieces).toString()).toBe('abcde');
    const short = [Buffer.from('abc\r\nEND\r')];
    expect(trimTail(short, 3, tail)).toBe(false);
    const long = [Buffer.from('abc\r\nEND\r\n!')];
    expect(trimTail(long, 3, tail)).toBe(false);
  });
});

group('reply writers: vectors of views', () => {
  const big = pattern(VIEW_THRESHOLD * 2);
  const pieces = [
    big.subarray(0, 100),
    big.subarray(100, VIEW_THRESHOLD + 500),
    big.subarray(VIEW_THRESHOLD + 500),
  ];
  const whole = new McReply(Result.Found, big, 3, 0, 5);
  const split = new McReply(Result.Found, null, 3, 0, 5, null, 0, 0, pieces);

  test.each([
    ['one buffer', whole],
    ['a list of views', split],
  ])('ASCII: a large hit (%s) goes out as views, bytes exact', (_name, reply) => {
    const w = new ReplyWriter(64);
    w.reply(Op.Gets, Buffer.from('key'), reply);
    w.reply(Op.Set, Buffer.from('key'), McReply.STORED);
    const sink = new RecordingSink();
    expect(w.writeTo(sink)).toBe(w.length + sink.bytes.length);
    expect(
      sink.bytes.equals(
        Buffer.concat([
          Buffer.from(`VALUE key 3 ${big.length} 5\r\n`),
          big,
          Buffer.from('\r\nEND\r\nSTORED\r\n'),
        ]),
      ),
    ).toBe(true);
    expect(sink.corks).toBe(1);
    expect(sink.writes.some((b) => b.buffer === big.buffer && b.length >= VIEW_THRESHOLD)).toBe(true);
    expect(w.length).toBe(0);
  });

  test('ASCII: small values are copied and the flush is one write', () => {
    const w = new ReplyWriter();
    const small = Buffer.from('tiny');
    w.reply(Op.Get, Buffer.from('k'), new McReply(Result.Found, small));
    w.reply(Op.Delete, Buffer.from('k'), McReply.DELETED);
    const sink = new RecordingSink();
    w.writeTo(sink);
    expect(sink.writes).toHaveLength(1);
    expect(sink.bytes.toString()).toBe('VALUE k 0 4\r\ntiny\r\nEND\r\nDELETED\r\n');
    expect(sink.writes[0]?.buffer).not.toBe(small.buffer);
  });

  test('binary: GetK with a large value is header, key and the views, bytes exact', () => {
    const w = new BinaryReplyWriter(32);
    const key = Buffer.from('kk');
    w.reply(BinOp.GetK, Op.Get, key, split, BinStatus.Success, 0x01020304);
    const sink = new RecordingSink();
    w.writeTo(sink);
    const out = sink.bytes;
    expect(out.length).toBe(24 + 4 + 2 + big.length);
    expect([out[0], out[1], out.readUInt16BE(2), out[4], out.readUInt16BE(6)]).toEqual([
      0x81,
      BinOp.GetK,
      2,
      4,
      0,
    ]);
    expect(out.readUInt32BE(8)).toBe(4 + 2 + big.length);
    expect(out.readUInt32BE(12)).toBe(0x01020304);
    expect(out.readUInt32BE(20)).toBe(5);
    expect(out.readUInt32BE(24)).toBe(3);
    expect(out.subarray(28, 30).toString()).toBe('kk');
    expect(out.subarray(30).equals(big)).toBe(true);
    expect(sink.writes.filter((b) => b.buffer === big.buffer).length).toBeGreaterThan(0);
  });

  test('the slab is never rewritten: earlier flushes keep their bytes', () => {
    const w = new ReplyWriter(4096);
    const taken: Buffer[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const key = Buffer.from(`key${i}`);
      w.reply(Op.Get, key, new McReply(Result.Found, Buffer.from(`v${i}`), i));
      expected.push(`VALUE key${i} ${i} ${`v${i}`.length}\r\nv${i}\r\nEND\r\n`);
      taken.push(w.take());
    }
    expect(taken.map((b) => b.toString())).toEqual(expected);
  });
});
