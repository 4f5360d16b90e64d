/**
 * The meta codec split at every byte: the client-side parser sees the same requests whatever the
 * chunking (every meta stream of the differential test, pipelined), the backend encoder writes
 * what memcached must see (`q` dropped, `T` rewritten), and the backend reply parser reads meta
 * replies split anywhere.
 */
import { describe as group, expect, test } from 'vitest';
import { RecordingSink, describe, everyByte } from './parser-harness.js';
import { RequestParser } from '../../../proxy/protocol/request-parser.js';
import type { McRequest } from '../../../proxy/protocol/request.js';
import { RequestEncoder } from '../../../proxy/protocol/request-encoder.js';
import { ReplyParser, type ReplyParserSink } from '../../../proxy/protocol/reply-parser.js';
import type { McReply } from '../../../proxy/protocol/reply.js';
import { ReplyWriter } from '../../../proxy/protocol/reply-writer.js';
import { writeMetaReply } from '../../../proxy/protocol/meta/meta-reply-writer.js';
import { MetaReply, MetaStatus } from '../../../proxy/protocol/meta/meta-reply.js';
import { META_OP_BASE, MetaKind } from '../../../proxy/protocol/meta/meta-request.js';
import { McReply as Reply } from '../../../proxy/protocol/reply.js';
import { Result, RESULT_NAMES } from '../../../proxy/protocol/result.js';
import { META_STREAMS } from '../../differential/meta-streams.js';
import { VIEW_THRESHOLD } from '../../../proxy/protocol/byte-writer.js';

/** Records requests with their meta extras, and keeps them for encoding. */
class MetaSink extends RecordingSink {
  readonly requests: McRequest[] = [];
  override onRequest(req: McRequest): void {
    this.requests.push(req);
    const m = req.meta;
    this.events.push(
      m === null
        ? describe(req)
        : `${describe(req)} meta=${m.kind} flags=${JSON.stringify(m.flags.toString('latin1'))} q=${m.quiet} b=${m.binary}`,
    );
  }
}

function parse(input: Buffer, cuts: readonly number[]): MetaSink {
  const sink = new MetaSink();
  const parser = new RequestParser(sink, { maxItemSize: 1024 * 1024 });
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    if (c <= prev) continue;
    parser.feed(Buffer.from(input.subarray(prev, c)));
    prev = c;
  }
  return sink;
}

function encode(req: McRequest, keyStart = 0): string {
  const enc = new RequestEncoder(256);
  enc.encode(req, keyStart);
  return enc.take().toString('latin1');
}

function streamBytes(text: string, i: number): Buffer {
  return Buffer.from(text.replaceAll('$b', 'Zm9vYg==').replaceAll('$k', `k${i}`), 'latin1');
}

const STREAM = Buffer.concat(META_STREAMS.map((s, i) => streamBytes(s.text, i)));

group('meta request parser', () => {
  test('every meta stream split at every byte; all of them pipelined byte by byte', () => {
    META_STREAMS.forEach((s, i) => {
      const bytes = streamBytes(s.text, i);
      const whole = parse(bytes, []).events.join('\n');
      for (const cut of everyByte(bytes.length)) {
        const split = parse(bytes, [cut]).events.join('\n');
        if (split !== whole) expect(split, `${s.name} split at ${cut}`).toBe(whole);
      }
    });
    const whole = parse(STREAM, []).events;
    expect(whole.length).toBeGreaterThan(500);
    expect(parse(STREAM, everyByte(STREAM.length)).events).toEqual(whole);
  });

  test('maps meta commands to classic operations', () => {
    const events = parse(
      Buffer.from(
        'mg a v\r\nms b 1 MA\r\nx\r\nms c 1 C5\r\ny\r\nms d 1 ME T9 F3\r\nz\r\nmd e q\r\nma f MD D7\r\nma g\r\nme h\r\nmn\r\n',
      ),
      [],
    ).events;
    expect(events).toEqual([
      'get key=a meta=0 flags="v" q=false b=false',
      'append key=b value="x" meta=1 flags="MA" q=false b=false',
      'cas key=c value="y" cas=5 meta=1 flags="C5" q=false b=false',
      'add key=d flags=3 exptime=9 value="z" meta=1 flags="ME T9 F3" q=false b=false',
      'delete key=e meta=2 flags="q" q=true b=false',
      'decr key=f delta=7 meta=3 flags="MD D7" q=false b=false',
      'incr key=g delta=1 meta=3 flags="" q=false b=false',
      'get key=h meta=4 flags="" q=false b=false',
      'local:NoOp',
    ]);
  });

  test('base64 keys route by their decoded bytes', () => {
    const sink = parse(Buffer.from('mg L2EvYi9mb28= b v\r\n'), []);
    expect(sink.requests[0]?.key.toString()).toBe('/a/b/foo');
    expect(sink.requests[0]?.routingPrefixLength).toBe(5);
  });
});

group('meta request encoder', () => {
  test('drops q, keeps every other flag as sent', () => {
    const [req] = parse(Buffer.from('mg foo k q v O12\r\n'), []).requests;
    expect(encode(req as McRequest)).toBe('mg foo k  v O12\r\n');
  });

  test('rewrites T when a route changed the exptime, and adds it to ms', () => {
    const reqs = parse(
      Buffer.from('ms foo 2 q T10 F1\r\nhi\r\nms bar 1\r\nx\r\nmg baz T5 v\r\n'),
      [],
    ).requests;
    expect(encode((reqs[0] as McRequest).withExptime(60))).toBe('ms foo 2  T60 F1\r\nhi\r\n');
    expect(encode((reqs[1] as McRequest).withExptime(60))).toBe('ms bar 1 T60\r\nx\r\n');
    expect(encode((reqs[2] as McRequest).withExptime(7))).toBe('mg baz T7 v\r\n');
    expect(encode(reqs[0] as McRequest)).toBe('ms foo 2  T10 F1\r\nhi\r\n');
  });

  test('strips a routing prefix; re-encodes a changed base64 key', () => {
    const [plain, b64] = parse(Buffer.from('mg /r/c/foo v\r\nmg L2EvYi9mb28= b v\r\n'), []).requests;
    expect(encode(plain as McRequest, 5)).toBe('mg foo v\r\n');
    expect(encode(b64 as McRequest)).toBe('mg L2EvYi9mb28= b v\r\n');
    expect(encode(b64 as McRequest, 5)).toBe(`mg ${Buffer.from('foo').toString('base64')} b v\r\n`);
  });
});

class ReplySink implements ReplyParserSink {
  readonly events: string[] = [];
  constructor(private readonly ops: number[]) {}
  expectedOp(): number {
    return this.ops[0] ?? -1;
  }
  onReply(r: McReply): void {
    this.ops.shift();
    const head = r instanceof MetaReply ? r.head.toString('latin1') : '-';
    const value = r.value === null ? '' : ` value=${JSON.stringify(r.value.toString('latin1'))}`;
    const ttl = r instanceof MetaReply ? ` ttl=${r.ttl}` : '';
    this.events.push(`${RESULT_NAMES[r.result] ?? '?'} [${head}] flags=${r.flags}${ttl}${value}`);
  }
  onProtocolError(message: string): void {
    this.events.push(`protocol-error: ${message}`);
  }
}

group('meta reply parser', () => {
  const replies = Buffer.from(
    'HD\r\nVA 3 f7 t-1 kfoo\r\nabc\r\nEN kfoo O1\r\nNF\r\nVA 2 t30\r\n10\r\nME k exp=-1 la=0 cas=2 fetch=no cls=1 size=61\r\nCLIENT_ERROR invalid flag\r\nNS O5\r\nVA 4\r\na\r\nb\r\n',
  );
  const kinds = [
    MetaKind.Get,
    MetaKind.Get,
    MetaKind.Get,
    MetaKind.Delete,
    MetaKind.Arith,
    MetaKind.Debug,
    MetaKind.Set,
    MetaKind.Set,
    MetaKind.Get,
  ];
  const run = (cuts: readonly number[]): string[] => {
    const sink = new ReplySink(kinds.map((k) => META_OP_BASE + k));
    const p = new ReplyParser(sink);
    let prev = 0;
    for (const c of [...cuts, replies.length]) {
      if (c <= prev) continue;
      p.feed(Buffer.from(replies.subarray(prev, c)));
      prev = c;
    }
    return sink.events;
  };

  test('statuses map to results; f and t are read; split at every byte', () => {
    const whole = run([]);
    expect(whole).toEqual([
      'found [HD] flags=0 ttl=-2',
      'found [VA 3 f7 t-1 kfoo] flags=7 ttl=-1 value="abc"',
      'notfound [EN kfoo O1] flags=0 ttl=-2',
      'notfound [NF] flags=0 ttl=-2',
      'stored [VA 2 t30] flags=0 ttl=30 value="10"',
      'found [ME k exp=-1 la=0 cas=2 fetch=no cls=1 size=61] flags=0 ttl=-2',
      'client_error [-] flags=0',
      'notstored [NS O5] flags=0 ttl=-2',
      'found [VA 4] flags=0 ttl=-2 value="a\\r\\nb"',
    ]);
    for (const cut of everyByte(replies.length)) expect(run([cut]), `split at ${cut}`).toEqual(whole);
    expect(run(everyByte(replies.length))).toEqual(whole);
  });

  test('a VA value of VIEW_THRESHOLD bytes or more, split across chunks, is one value', () => {
    for (const size of [VIEW_THRESHOLD, 512_000]) {
      const value = 'v'.repeat(size);
      const reply = Buffer.from(`VA ${size} f3 t60\r\n${value}\r\nHD\r\n`);
      const sink = new ReplySink([META_OP_BASE + MetaKind.Get, META_OP_BASE + MetaKind.Delete]);
      const p = new ReplyParser(sink);
      // Cuts inside the value, between its CR and LF, and right after them.
      const cuts = [10, 1000, reply.length - 5, reply.length - 4, reply.length];
      cuts.reduce((from, to) => (p.feed(Buffer.from(reply.subarray(from, to))), to), 0);
      expect(sink.events).toEqual([
        `found [VA ${size} f3 t60] flags=3 ttl=60 value=${JSON.stringify(value)}`,
        'deleted [HD] flags=0 ttl=-2',
      ]);
    }
  });

  test('a status the command cannot get is a protocol error', () => {
    const sink = new ReplySink([META_OP_BASE + MetaKind.Get]);
    new ReplyParser(sink).feed(Buffer.from('NS\r\n'));
    expect(sink.events[0]).toMatch(/^protocol-error/);
  });
});

group('meta reply writer', () => {
  const write = (line: string, reply: McReply): string => {
    const [req] = parse(Buffer.from(line), []).requests;
    const w = new ReplyWriter();
    writeMetaReply(w, req as McRequest, (req as McRequest).meta as never, reply);
    return w.take().toString('latin1');
  };

  test("a route's own replies get the command's status and the O/k flags", () => {
    expect(write('mg foo v k O9 t\r\n', Reply.NOT_FOUND)).toBe('EN kfoo O9\r\n');
    expect(write('mg foo q v\r\n', Reply.NOT_FOUND)).toBe('');
    expect(write('mg foo v s f t\r\n', new Reply(Result.Found, Buffer.from('xy'), 4))).toBe(
      'VA 2 s2 f4 t-1\r\nxy\r\n',
    );
    expect(write('ms foo 1 O3\r\nz\r\n', Reply.NOT_STORED)).toBe('NS O3\r\n');
    expect(write('ms foo 1 q\r\nz\r\n', Reply.STORED)).toBe('');
    expect(write('md Zm9v b k\r\n', Reply.NOT_FOUND)).toBe('NF kZm9v b\r\n');
    expect(write('ma foo v\r\n', Reply.counter(0, 42))).toBe('VA 2\r\n42\r\n');
    expect(write('mg foo v\r\n', Reply.error(Result.Busy))).toBe('SERVER_ERROR 307 busy\r\n');
  });

  test('the key echo shows the client key when a route sent another', () => {
    const head = Buffer.from('VA 1 kfoo t5');
    const reply = new MetaReply(Result.Found, Buffer.from('z'), 0, 0, 0, MetaStatus.VA, head, 5);
    expect(write('mg /a/b/foo v k t\r\n', reply)).toBe('VA 1 k/a/b/foo t5\r\nz\r\n');
  });
});
