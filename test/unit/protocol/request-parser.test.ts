/**
 * The server-side request parser against the ASCII protocol as mcrouter accepts it (`mcrouter/lib/network/McAsciiParser.rl`)
 * and its error rules (`mcrouter/lib/network/AsciiSerialized.cpp`). Every case runs whole, byte by byte, and split at random points.
 */
import { describe as group, expect, test } from 'vitest';
import { parseSplit, everyByte, expectEverySplit, RecordingSink } from './parser-harness.js';
import { RequestParser } from '../../../proxy/protocol/request-parser.js';
import type { McRequest } from '../../../proxy/protocol/request.js';

interface Case {
  name: string;
  input: string;
  events: string[];
  maxItemSize?: number;
}

const k250 = 'k'.repeat(250);
const k251 = 'k'.repeat(251);

const CASES: Case[] = [
  { name: 'get one key', input: 'get foo\r\n', events: ['get key=foo'] },
  { name: 'bare LF line end', input: 'get foo\n', events: ['get key=foo'] },
  { name: 'gets', input: 'gets foo\r\n', events: ['gets key=foo'] },
  {
    name: 'get many keys',
    input: 'get a b  c\r\n',
    events: ['multi[get key=a | get key=b | get key=c]'],
  },
  { name: 'gat', input: 'gat 100 foo\r\n', events: ['gat key=foo exptime=100'] },
  {
    name: 'gats negative exptime',
    input: 'gats -1 a b\r\n',
    events: ['multi[gats key=a exptime=-1 | gats key=b exptime=-1]'],
  },
  { name: 'set', input: 'set foo 5 10 3\r\nbar\r\n', events: ['set key=foo flags=5 exptime=10 value="bar"'] },
  {
    name: 'value with CRLF inside',
    input: 'set k 0 0 8\r\na\r\nb\r\n\r\n\r\n',
    events: ['set key=k value="a\\r\\nb\\r\\n\\r\\n"'],
  },
  { name: 'empty value', input: 'set k 0 0 0\r\n\r\n', events: ['set key=k'] },
  { name: 'set noreply', input: 'set k 0 0 1 noreply\r\nx\r\n', events: ['set key=k value="x" noreply'] },
  {
    name: 'add replace append prepend',
    input: 'add a 1 2 1\r\nx\r\nreplace a 0 0 1\r\ny\r\nappend a 0 0 1\r\nz\r\nprepend a 0 0 1\r\nw\r\n',
    events: [
      'add key=a flags=1 exptime=2 value="x"',
      'replace key=a value="y"',
      'append key=a value="z"',
      'prepend key=a value="w"',
    ],
  },
  {
    name: 'cas',
    input: 'cas k 0 0 1 18446744073709551615\r\nx\r\n',
    events: ['cas key=k value="x" cas=18446744073709551615'],
  },
  {
    name: 'max flags',
    input: 'set k 4294967295 0 1\r\nx\r\n',
    events: ['set key=k flags=4294967295 value="x"'],
  },
  { name: 'delete', input: 'delete k\r\n', events: ['delete key=k'] },
  { name: 'delete exptime noreply', input: 'delete k 0 noreply\r\n', events: ['delete key=k noreply'] },
  { name: 'delete noreply', input: 'delete k noreply\r\n', events: ['delete key=k noreply'] },
  {
    name: 'delete with a hold time other than 0, or too many tokens (memcached)',
    input: 'delete k 5\r\ndelete k foo noreply\r\ndelete k 0 a b\r\ndelete\r\nget a\r\n',
    events: [
      'error:CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]',
      'error:CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply] (noreply)',
      'error:ERROR',
      'error:ERROR',
      'get key=a',
    ],
  },
  {
    name: 'incr decr',
    input: 'incr k 5\r\ndecr k 18446744073709551615 noreply\r\n',
    events: ['incr key=k delta=5', 'decr key=k delta=18446744073709551615 noreply'],
  },
  { name: 'touch', input: 'touch k 10\r\n', events: ['touch key=k exptime=10'] },
  {
    name: 'flush_all',
    input: 'flush_all\r\nflush_all 10\r\nflush_all noreply\r\n',
    events: ['flushall key=', 'flushall key= exptime=10', 'flushall key= noreply'],
  },
  {
    name: 'version stats quit',
    input: 'version\r\nstats\r\nstats servers\r\nquit\r\nget after\r\n',
    events: ['local:Version', 'local:Stats', 'local:Stats servers', 'local:Quit'],
  },
  {
    name: 'quit with tokens closes too (memcached)',
    input: 'quit foo bar\r\nget after\r\n',
    events: ['local:Quit'],
  },
  { name: 'shutdown', input: 'shutdown\r\n', events: ['local:Shutdown'] },
  { name: '250-byte key is fine', input: `get ${k250}\r\n`, events: [`get key=${k250}`] },
  {
    name: '251-byte key: bad key, stream kept',
    input: `get ${k251}\r\nget a\r\n`,
    events: ['error:CLIENT_ERROR bad key', 'get key=a'],
  },
  {
    name: 'bad key in a multi-get rejects the line',
    input: `get a ${k251} b\r\nget c\r\n`,
    events: ['error:CLIENT_ERROR bad key', 'get key=c'],
  },
  {
    name: 'bad key on set consumes the block',
    input: `set ${k251} 0 0 3\r\nabc\r\nget a\r\n`,
    events: ['error:CLIENT_ERROR bad key', 'get key=a'],
  },
  {
    name: 'bad key with noreply',
    input: `delete ${k251} noreply\r\nget a\r\n`,
    events: ['error:CLIENT_ERROR bad key (noreply)', 'get key=a'],
  },
  {
    name: 'value over max item size is skipped, stream kept',
    input: 'set big 0 0 10\r\n0123456789\r\nget a\r\n',
    maxItemSize: 9,
    events: ['error:SERVER_ERROR object too large for cache', 'get key=a'],
  },
  {
    name: 'flush_regex not supported',
    input: 'flush_regex .*\r\nget a\r\n',
    events: ['error:SERVER_ERROR Command not supported', 'get key=a'],
  },
  {
    name: 'lease-set not supported, block consumed',
    input: 'lease-set k 1 0 0 2\r\nab\r\nget a\r\n',
    events: ['error:SERVER_ERROR Command not supported', 'get key=a'],
  },
  {
    name: 'metaget not supported',
    input: 'metaget k\r\n',
    events: ['error:SERVER_ERROR Command not supported'],
  },
  // memcached 1.6 keeps the connection: `ERROR` for what is not a command, in-band CLIENT_ERRORs
  // for numbers out of range (memcached/proto_text.c).
  {
    name: 'unknown command: ERROR, stream kept',
    input: 'foo bar\r\nget a\r\n',
    events: ['error:ERROR', 'get key=a'],
  },
  { name: 'get without key', input: 'get\r\nget a\r\n', events: ['error:ERROR', 'get key=a'] },
  { name: 'empty line', input: '\r\nget a\r\n', events: ['error:ERROR', 'get key=a'] },
  {
    name: 'verbosity N [noreply] answered OK',
    input: 'verbosity 1\r\nverbosity 1 noreply\r\nverbosity\r\nverbosity x\r\n',
    events: [
      'local:Verbosity',
      'local:Verbosity (noreply)',
      'error:ERROR',
      'error:CLIENT_ERROR bad command line format',
    ],
  },
  {
    name: 'version with extra tokens or noreply',
    input: 'version foo bar\r\nversion noreply\r\n',
    events: ['local:Version', 'local:Version'],
  },
  {
    name: 'flush_all: extra tokens ignored, negative delay is now, bad delay in-band',
    input: 'flush_all 1 2\r\nflush_all -1\r\nflush_all abc\r\nflush_all 0 noreply\r\n',
    events: [
      'flushall key= exptime=1',
      'flushall key=',
      'error:CLIENT_ERROR invalid exptime argument',
      'flushall key= noreply',
    ],
  },
  { name: 'config get cluster (not ElastiCache)', input: 'config get cluster\r\n', events: ['error:ERROR'] },
  { name: 'meta command (meta/ parses it)', input: 'mg foo v\r\n', events: ['get key=foo'] },
  { name: 'meta command without a key', input: 'mg\r\n', events: ['error:ERROR'] },
  { name: 'upper-case command', input: 'GET a\r\n', events: ['error:ERROR'] },
  {
    name: 'negative length: no block to skip',
    input: 'set k 0 0 -1\r\nget a\r\n',
    events: ['error:CLIENT_ERROR bad command line format', 'get key=a'],
  },
  {
    name: 'non-numeric flags: block read as a command (memcached)',
    input: 'set k x 0 1\r\nx\r\nget a\r\n',
    events: ['error:CLIENT_ERROR bad command line format', 'error:ERROR', 'get key=a'],
  },
  {
    name: 'flags over 32 bits: block read as a command',
    input: 'set k 4294967296 0 1\r\nx\r\nget a\r\n',
    events: ['error:CLIENT_ERROR bad command line format', 'error:ERROR', 'get key=a'],
  },
  {
    name: 'exptime over int32 on set, noreply',
    input: 'set k 0 99999999999 1 noreply\r\nx\r\nget a\r\n',
    events: ['error:CLIENT_ERROR bad command line format (noreply)', 'error:ERROR', 'get key=a'],
  },
  {
    name: 'exptime over int32 on touch',
    input: 'touch k 2147483648\r\n',
    events: ['error:CLIENT_ERROR invalid exptime argument'],
  },
  {
    name: 'gat with a bad exptime',
    input: 'gat abc k\r\n',
    events: ['error:CLIENT_ERROR invalid exptime argument'],
  },
  {
    name: 'cas over 64 bits',
    input: 'cas k 0 0 1 18446744073709551616\r\nx\r\nget a\r\n',
    events: ['error:CLIENT_ERROR bad command line format', 'error:ERROR', 'get key=a'],
  },
  {
    name: 'delta: non-numeric, negative, over 64 bits',
    input: 'incr k abc\r\ndecr k -1\r\nincr k 18446744073709551616\r\n',
    events: [
      'error:CLIENT_ERROR invalid numeric delta argument',
      'error:CLIENT_ERROR invalid numeric delta argument',
      'error:CLIENT_ERROR invalid numeric delta argument',
    ],
  },
  {
    name: 'too many tokens: ERROR, and the data line is read as a command (memcached)',
    input: 'set k 0 0 1 noreply extra\r\nx\r\n',
    events: ['error:ERROR', 'error:ERROR'],
  },
  {
    name: 'bad noreply token',
    input: 'set k 0 0 1 norply\r\nx\r\n',
    events: ['error:ERROR', 'error:ERROR'],
  },
  { name: 'control character in key', input: 'get a\tb\r\nget c\r\n', events: ['error:ERROR', 'get key=c'] },
  { name: 'NUL in key', input: 'get a\u0000b\r\n', events: ['error:ERROR'] },
  // The stream cannot be resynchronised: reply, then nothing more is parsed (the session closes).
  {
    name: 'data block longer than declared',
    input: 'set k 0 0 2\r\nabc\r\nget a\r\n',
    events: ['fatal:CLIENT_ERROR bad data chunk'],
  },
  {
    name: 'requests before an error are delivered',
    input: 'get a\r\nbogus\r\nget b\r\n',
    events: ['get key=a', 'error:ERROR', 'get key=b'],
  },
];

group('request parser: every case, whole / byte by byte / random splits', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const input = Buffer.from(c.input, 'latin1');
      expectEverySplit((i, cuts) => parseSplit(i, cuts, c.maxItemSize), input, c.events);
    });
  }
});

group('request parser: limits', () => {
  test('a non-get line without LF longer than 2048 bytes is malformed; with an over-long key, a bad key', () => {
    const input = Buffer.from(`set k ${'0'.repeat(3000)}`, 'latin1');
    expect(parseSplit(input, [1000, 2000])).toEqual(['fatal:CLIENT_ERROR malformed request']);
    const unknown = Buffer.from(`foo ${'k'.repeat(3000)}\r\n`, 'latin1');
    expect(parseSplit(unknown, [])).toEqual(['fatal:CLIENT_ERROR malformed request']);
    // mcrouter's reply to a 10,000-byte key (test_mcrouter_errors.py test_bad_key_*); closed as memcached does.
    for (const cmd of ['set', 'append', 'prepend', 'delete']) {
      const line = Buffer.from(`${cmd} test.key${'x'.repeat(10_000)} 0 0 3\r\nabc\r\n`, 'latin1');
      for (const cuts of [[], [3], [300], [2000, 4000]]) {
        expect(parseSplit(line, cuts)).toEqual(['fatal:CLIENT_ERROR bad key']);
      }
    }
  });

  test('the line limit is decided on the command, however the line is split', () => {
    const setLine = Buffer.from(`set ${'k'.repeat(3000)} 0 0 1\r\nx\r\n`, 'latin1');
    const badKey = ['fatal:CLIENT_ERROR bad key'];
    // Whole, byte by byte, or with a first piece too short to name the command: the same answer.
    for (const cuts of [[], [1], [2], [3], [4], [1, 2, 3], everyByte(setLine.length)]) {
      expect(parseSplit(setLine, cuts)).toEqual(badKey);
    }
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`.padEnd(12, 'x'));
    const getLine = Buffer.from(`get ${keys.join(' ')}\r\n`, 'latin1');
    expect(getLine.length).toBeGreaterThan(3000);
    for (const cuts of [[], [1], [3], [4], everyByte(getLine.length)]) {
      expect(parseSplit(getLine, cuts)).toHaveLength(1);
      expect(parseSplit(getLine, cuts)[0]?.startsWith('multi[get key=k0xxx')).toBe(true);
    }
  });

  test('hold() stops after the current request; resume() parses the rest in order', () => {
    let holds = 0;
    class HoldingSink extends RecordingSink {
      override onRequest(req: McRequest): void {
        super.onRequest(req);
        if (++holds % 2 === 0) parser.hold();
      }
    }
    const sink = new HoldingSink();
    const parser = new RequestParser(sink, { maxItemSize: 1024 });
    parser.feed(Buffer.from('get a\r\nget b\r\nset c 0 0 1\r\nx\r\nget d\r\nget e', 'latin1'));
    expect(sink.events).toEqual(['get key=a', 'get key=b']);
    expect(parser.holding).toBe(true);
    parser.resume();
    expect(sink.events).toEqual(['get key=a', 'get key=b', 'set key=c value="x"', 'get key=d']);
    parser.resume();
    // `get e` has no LF yet: nothing held, the partial line waits for the next chunk.
    expect(parser.holding).toBe(false);
    parser.feed(Buffer.from('\r\n', 'latin1'));
    expect(sink.events.at(-1)).toBe('get key=e');
  });

  test('a long multi-get line spread over many chunks is parsed whole', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `key${i}`.padEnd(20, 'x'));
    const input = Buffer.from(`get ${keys.join(' ')}\r\nget z\r\n`, 'latin1');
    const cuts = Array.from({ length: Math.floor(input.length / 600) }, (_, i) => (i + 1) * 600);
    const events = parseSplit(input, cuts);
    expect(events).toHaveLength(2);
    expect(events[0]).toBe(`multi[${keys.map((k) => `get key=${k}`).join(' | ')}]`);
    expect(events[1]).toBe('get key=z');
  });

  test('a 1 MiB value split into 64 KiB chunks arrives intact', () => {
    const value = Buffer.alloc(1024 * 1024, 0x61);
    value.write('\r\n', 1000, 'latin1');
    const input = Buffer.concat([
      Buffer.from(`set big 0 0 ${value.length}\r\n`),
      value,
      Buffer.from('\r\nget a\r\n'),
    ]);
    const cuts = Array.from({ length: Math.floor(input.length / 65536) }, (_, i) => (i + 1) * 65536);
    const events = parseSplit(input, cuts);
    expect(events[1]).toBe('get key=a');
    expect(events[0]?.startsWith('set key=big value="aaaa')).toBe(true);
    expect(events[0]?.length).toBe('set key=big value=""'.length + 1024 * 1024 + 2);
  });

  test('an oversized value is skipped across chunks without buffering it', () => {
    const input = Buffer.concat([
      Buffer.from('set big 0 0 100000\r\n'),
      Buffer.alloc(100000, 0x62),
      Buffer.from('\r\nget a\r\n'),
    ]);
    const cuts = [10, 50000, 99990, 100021];
    expect(parseSplit(input, cuts, 1000)).toEqual([
      'error:SERVER_ERROR object too large for cache',
      'get key=a',
    ]);
  });
});

group('request parser: data block errors', () => {
  test('a data block shorter than declared runs into the next line and is a bad data chunk', () => {
    const input = Buffer.from('set k 0 0 5\r\nabc\r\nget a\r\n', 'latin1');
    expect(parseSplit(input, [])).toEqual(['fatal:CLIENT_ERROR bad data chunk']);
    expect(parseSplit(input, everyByte(input.length))).toEqual(['fatal:CLIENT_ERROR bad data chunk']);
  });

  test('a connection cut mid-value delivers nothing for that request', () => {
    expect(parseSplit(Buffer.from('get a\r\nset k 0 0 10\r\nabc', 'latin1'), [3])).toEqual(['get key=a']);
  });
});
