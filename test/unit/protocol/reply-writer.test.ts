/**
 * Reply bytes, as mcrouter writes them (`mcrouter/lib/network/AsciiSerialized.cpp`).
 */
import { describe as group, expect, test } from 'vitest';
import { ReplyWriter, errorText } from '../../../proxy/protocol/reply-writer.js';
import { McReply } from '../../../proxy/protocol/reply.js';
import { Op } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';

const key = Buffer.from('foo');

function write(op: Op, reply: McReply): string {
  const w = new ReplyWriter(16);
  w.reply(op, key, reply);
  return w.take().toString('latin1');
}

const hit = new McReply(Result.Found, Buffer.from('a\r\nb'), 7, 0, 42);

group('reply writer', () => {
  test.each([
    ['get hit', Op.Get, hit, 'VALUE foo 7 4\r\na\r\nb\r\nEND\r\n'],
    ['gets hit carries the cas', Op.Gets, hit, 'VALUE foo 7 4 42\r\na\r\nb\r\nEND\r\n'],
    ['gat hit', Op.Gat, hit, 'VALUE foo 7 4\r\na\r\nb\r\nEND\r\n'],
    ['gats hit', Op.Gats, hit, 'VALUE foo 7 4 42\r\na\r\nb\r\nEND\r\n'],
    ['get miss', Op.Get, McReply.NOT_FOUND, 'END\r\n'],
    [
      'get error replaces END',
      Op.Get,
      McReply.error(Result.Timeout, 'Reply timeout'),
      'SERVER_ERROR Reply timeout\r\n',
    ],
    ['set stored', Op.Set, McReply.STORED, 'STORED\r\n'],
    ['add not stored', Op.Add, McReply.NOT_STORED, 'NOT_STORED\r\n'],
    ['cas exists', Op.Cas, McReply.EXISTS, 'EXISTS\r\n'],
    ['cas not found', Op.Cas, McReply.NOT_FOUND, 'NOT_FOUND\r\n'],
    ['delete deleted', Op.Delete, McReply.DELETED, 'DELETED\r\n'],
    ['delete not found', Op.Delete, McReply.NOT_FOUND, 'NOT_FOUND\r\n'],
    ['incr value', Op.Incr, McReply.counter(0xffffffff, 0xffffffff), '18446744073709551615\r\n'],
    ['decr not found', Op.Decr, McReply.NOT_FOUND, 'NOT_FOUND\r\n'],
    ['touch touched', Op.Touch, McReply.TOUCHED, 'TOUCHED\r\n'],
    ['flush_all ok', Op.FlushAll, McReply.OK, 'OK\r\n'],
    [
      'client error with message',
      Op.Incr,
      McReply.error(Result.ClientError, 'cannot increment or decrement non-numeric value'),
      'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
    ],
    [
      'busy from backend keeps its code',
      Op.Set,
      McReply.error(Result.Busy, '307 busy'),
      'SERVER_ERROR 307 busy\r\n',
    ],
    [
      'unknown result',
      Op.Get,
      McReply.UNKNOWN,
      'SERVER_ERROR unexpected result mc_res_unknown (0) for get\r\n',
    ],
    [
      'unexpected result for set',
      Op.Set,
      McReply.DELETED,
      'SERVER_ERROR unexpected result mc_res_deleted (1) for set\r\n',
    ],
    [
      'a message with CRLF cannot break the stream',
      Op.Set,
      McReply.error(Result.RemoteError, 'a\r\nb'),
      'SERVER_ERROR a b\r\n',
    ],
  ])('%s', (_name, op, reply, expected) => {
    expect(write(op, reply)).toBe(expected);
  });

  test.each([
    [Result.Timeout, 'SERVER_ERROR timeout'],
    [Result.ConnectTimeout, 'SERVER_ERROR connection timeout'],
    [Result.ConnectError, 'SERVER_ERROR connection error'],
    [Result.Busy, 'SERVER_ERROR 307 busy'],
    [Result.TryAgain, 'SERVER_ERROR 302 try again'],
    [Result.Shutdown, 'SERVER_ERROR 301 shutdown'],
    [Result.Tko, 'SERVER_ERROR unavailable'],
    [Result.BadKey, 'CLIENT_ERROR bad key'],
    [Result.BadValue, 'SERVER_ERROR bad value'],
    [Result.ClientError, 'CLIENT_ERROR'],
    [Result.LocalError, 'SERVER_ERROR local error'],
    [Result.RemoteError, 'SERVER_ERROR remote error'],
  ])('fixed text for result %i: %s', (result, text) => {
    expect(errorText(result)).toBe(text);
    expect(write(Op.Get, McReply.error(result))).toBe(`${text}\r\n`);
  });

  /** Streams a multi-get's replies in key order as the session does (first error ends it). */
  function multiGet(keys: string[], replies: McReply[]): string {
    const w = new ReplyWriter(8);
    let error: McReply | null = null;
    for (let i = 0; i < keys.length && error === null; i++) {
      const reply = replies[i] as McReply;
      if (reply.result !== Result.Found && reply.result !== Result.NotFound) error = reply;
      else w.multiGetPart(Op.Get, Buffer.from(keys[i] as string), reply);
    }
    w.multiGetEnd(error);
    return w.take().toString();
  }

  test('multi-get: hits in key order, misses print nothing, then END', () => {
    expect(
      multiGet(
        ['a', 'b', 'c'],
        [
          new McReply(Result.Found, Buffer.from('1'), 0),
          McReply.NOT_FOUND,
          new McReply(Result.Found, Buffer.from('3'), 3),
        ],
      ),
    ).toBe('VALUE a 0 1\r\n1\r\nVALUE c 3 1\r\n3\r\nEND\r\n');
  });

  test('multi-get: the first error (in key order) replaces END; hits before it were streamed', () => {
    expect(
      multiGet(
        ['a', 'b', 'c'],
        [
          new McReply(Result.Found, Buffer.from('1'), 0),
          McReply.error(Result.RemoteError, 'first'),
          McReply.error(Result.Timeout, 'second'),
        ],
      ),
    ).toBe('VALUE a 0 1\r\n1\r\nSERVER_ERROR first\r\n');
  });

  test('take() hands out a copy: later writes do not change it', () => {
    const w = new ReplyWriter(8);
    w.line('ONE');
    const first = w.take();
    w.line('TWO');
    expect(first.toString()).toBe('ONE\r\n');
    expect(w.take().toString()).toBe('TWO\r\n');
  });
});
