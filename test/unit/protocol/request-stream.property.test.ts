/**
 * Property: any stream of valid requests, cut into chunks anywhere, parses to exactly the requests
 * that were written, in order (values are opaque bytes and may contain CRLF).
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { parseSplit } from './parser-harness.js';

const keyArb = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:_-/|#'.split('')),
  minLength: 1,
  maxLength: 40,
});
const valueArb = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

interface Req {
  wire: Buffer;
  event: string;
}

const reqArb: fc.Arbitrary<Req> = fc.oneof(
  keyArb.map((k) => ({ wire: Buffer.from(`get ${k}\r\n`), event: `get key=${k}` })),
  fc
    .tuple(
      keyArb,
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: -5, max: 100000 }),
      valueArb,
      fc.boolean(),
    )
    .map(([k, flags, exptime, value, noreply]) => {
      const head = Buffer.from(
        `set ${k} ${flags} ${exptime} ${value.length}${noreply ? ' noreply' : ''}\r\n`,
      );
      const parts = [`set key=${k}`];
      if (flags !== 0) parts.push(`flags=${flags}`);
      if (exptime !== 0) parts.push(`exptime=${exptime}`);
      if (value.length > 0) parts.push(`value=${JSON.stringify(value.toString('latin1'))}`);
      if (noreply) parts.push('noreply');
      return { wire: Buffer.concat([head, value, Buffer.from('\r\n')]), event: parts.join(' ') };
    }),
  fc.tuple(keyArb, fc.boolean()).map(([k, noreply]) => ({
    wire: Buffer.from(`delete ${k}${noreply ? ' noreply' : ''}\r\n`),
    event: `delete key=${k}${noreply ? ' noreply' : ''}`,
  })),
  fc.tuple(keyArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([k, d]) => ({
    wire: Buffer.from(`incr ${k} ${d}\r\n`),
    event: `incr key=${k} delta=${d}`,
  })),
  fc.array(keyArb, { minLength: 2, maxLength: 5 }).map((ks) => ({
    wire: Buffer.from(`gets ${ks.join(' ')}\r\n`),
    event: `multi[${ks.map((k) => `gets key=${k}`).join(' | ')}]`,
  })),
);

test('random valid request streams split at random points parse to the written requests', () => {
  fc.assert(
    fc.property(
      fc.array(reqArb, { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (reqs, rawCuts) => {
        const input = Buffer.concat(reqs.map((r) => r.wire));
        const cuts = [...new Set(rawCuts.map((c) => (c % input.length) + 1))].sort((a, b) => a - b);
        expect(parseSplit(input, cuts)).toEqual(reqs.map((r) => r.event));
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});
