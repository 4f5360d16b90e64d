/**
 * Request-parser fuzz on arbitrary bytes: it never throws, and cutting the input into chunks
 * anywhere never changes what it reports (requests, errors, the point where it gives up).
 */
import { expect, test } from 'vitest';
import fc from 'fast-check';
import { parseSplit } from '../unit/protocol/parser-harness.js';
import { fuzzRuns, fuzzSeed } from './seed.js';

const RUNS = fuzzRuns(300);

// Bytes biased towards protocol-looking input, so the fuzz reaches deep states.
const tokenArb = fc.oneof(
  fc.constantFrom(
    'get ',
    'gets ',
    'gat 1 ',
    'set ',
    'add ',
    'cas ',
    'incr ',
    'delete ',
    'touch ',
    'version',
    'stats',
    'flush_all',
    'noreply',
    'quit',
  ),
  fc.constantFrom(
    ' ',
    '  ',
    '\r\n',
    '\n',
    '\r',
    '0',
    '1',
    '5',
    '-1',
    '4294967296',
    'k',
    'key',
    '\u0000',
    '\t',
    'VALUE',
  ),
  fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')),
);
const inputArb = fc.array(tokenArb, { maxLength: 60 }).map((ts) => Buffer.from(ts.join(''), 'latin1'));

test(
  'arbitrary input: no exception, and the same events however it is split',
  () => {
    fc.assert(
      fc.property(inputArb, fc.array(fc.nat(), { maxLength: 10 }), (input, rawCuts) => {
        const whole = parseSplit(input, [], 64);
        const cuts = [
          ...new Set(rawCuts.map((c) => (input.length > 1 ? (c % (input.length - 1)) + 1 : 0))),
        ].sort((a, b) => a - b);
        expect(parseSplit(input, cuts, 64)).toEqual(whole);
      }),
      { numRuns: RUNS, seed: fuzzSeed(424242) },
    );
  },
  60_000 + RUNS * 20,
);
