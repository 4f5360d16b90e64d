/**
 * The load generator's ASCII and meta reply scanners (bench/lib/replies.ts, meta-replies.ts): each
 * reply kind is counted once, whole or split at every byte, and wrong sizes or unknown lines are
 * errors with a sample.
 */
import { describe, expect, test } from 'vitest';
import {
  ReplyScanner,
  REPLY_ERROR,
  REPLY_HIT,
  REPLY_MISS,
  REPLY_STORED,
} from '../../../bench/lib/replies.js';
import { MetaReplyScanner } from '../../../bench/lib/meta-replies.js';

interface Scanner {
  readonly errorSamples: string[];
  feed(buf: Buffer, start: number, end: number, onReply: (kind: number) => void): void;
}

/** The reply kinds `make()` reports for `stream`, fed in pieces cut at `cuts`. */
function scan(make: () => Scanner, stream: string, cuts: readonly number[]): number[] {
  const s = make();
  const kinds: number[] = [];
  const bytes = Buffer.from(stream, 'latin1');
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    s.feed(bytes, from, at, (k) => kinds.push(k));
    from = at;
  }
  return kinds;
}

/** Checks `stream` whole and split at every byte (into two pieces, and into single bytes). */
function expectKinds(make: () => Scanner, stream: string, want: number[]): void {
  expect(scan(make, stream, [])).toEqual(want);
  for (let i = 1; i < stream.length; i++) expect(scan(make, stream, [i]), `cut at ${i}`).toEqual(want);
  expect(scan(make, stream, [...Array(stream.length).keys()].slice(1))).toEqual(want);
}

describe('ReplyScanner (ASCII)', () => {
  const make = (): ReplyScanner => new ReplyScanner(3);
  test('STORED, a hit, a miss, an empty-value hit of the wrong size, an error line', () => {
    expectKinds(
      make,
      'STORED\r\nVALUE k 0 3\r\nabc\r\nEND\r\nEND\r\nVALUE k 0 0\r\n\r\nEND\r\nSERVER_ERROR busy\r\n',
      [REPLY_STORED, REPLY_HIT, REPLY_MISS, REPLY_ERROR, REPLY_ERROR],
    );
    const s = make();
    s.feed(Buffer.from('SERVER_ERROR busy\r\n'), 0, 19, () => undefined);
    expect(s.errorSamples).toEqual(['SERVER_ERROR busy']);
  });
});

describe('MetaReplyScanner', () => {
  const make = (): MetaReplyScanner => new MetaReplyScanner(3);
  test('HD, a hit, a miss, a hit of the wrong size, an error line', () => {
    expectKinds(make, 'HD\r\nVA 3\r\nabc\r\nEN\r\nVA 1 f0\r\nx\r\nCLIENT_ERROR bad\r\n', [
      REPLY_STORED,
      REPLY_HIT,
      REPLY_MISS,
      REPLY_ERROR,
      REPLY_ERROR,
    ]);
    const s = make();
    s.feed(Buffer.from('VA 1\r\nx\r\n'), 0, 9, () => undefined);
    expect(s.errorSamples).toEqual(['value of 1 bytes, expected 3']);
  });
});
