/**
 * Whole-session fuzz: random streams of valid and invalid requests, cut into random chunks, sent
 * through the proxy (two memcached servers behind it); the replies must equal the reference
 * model's. CI runs a fixed seed; `npm run fuzz` runs many more with a random one
 * (FUZZ_RUNS, FUZZ_SEED).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import net from 'node:net';
import fc from 'fast-check';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { MemcachedModel, type ModelStep } from './memcached-model.js';
import { fuzzRuns, fuzzSeed } from './seed.js';

const RUNS = fuzzRuns(60);
const SEED = fuzzSeed(20261121);
const MAX_ITEM = 200;

let servers: Memcached[];
let proxy: TestProxy;
beforeAll(async () => {
  servers = await Promise.all([Memcached.start(), Memcached.start()]);
  proxy = await startProxy(
    { pools: { A: { servers: servers.map((s) => s.address) } }, route: 'PoolRoute|A' },
    { maxItemSize: MAX_ITEM },
  );
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.stop()));
});

// ---- generators: each step is a function of the model (it must see the state) ----
type Gen = (m: MemcachedModel, prefix: string) => ModelStep;

const keyArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('a', 'b', 'c', 'n', 'num', 'x:1', 'y|#|z', '/r/c/k') },
  { weight: 1, arbitrary: fc.constant('K'.repeat(251)) },
);
const valueArb = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '42',
    '18446744073709551615',
    '18446744073709551616',
    '9 ',
    'abc',
    '',
    '\r\nEND\r\n',
  ),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1')),
  fc.constant('v'.repeat(MAX_ITEM + 1)),
);
const flagsArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }));
const k = (prefix: string, key: string): string =>
  key.length > 250 ? key : key.startsWith('/') ? key : `${prefix}${key}`;

const stepArb: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(fc.array(keyArb, { minLength: 1, maxLength: 4 }), fc.boolean()).map(
    ([keys, cas]): Gen =>
      (m, p) =>
        m.get(
          keys.map((key) => k(p, key)),
          cas,
        ),
  ),
  fc
    .tuple(
      fc.constantFrom('set', 'add', 'replace', 'append', 'prepend', 'cas' as const),
      keyArb,
      flagsArb,
      valueArb,
      fc.boolean(),
    )
    .map(
      ([cmd, key, flags, value, noreply]): Gen =>
        (m, p) =>
          m.store(cmd, k(p, key), flags, Buffer.from(value, 'latin1'), noreply),
    ),
  fc.tuple(keyArb, fc.boolean()).map(
    ([key, noreply]): Gen =>
      (m, p) =>
        m.delete(k(p, key), noreply),
  ),
  fc
    .tuple(
      keyArb.filter((x) => x.length <= 250),
      fc.boolean(),
    )
    .map(
      ([key, noreply]): Gen =>
        (m, p) =>
          m.touch(k(p, key), noreply),
    ),
  fc
    .tuple(
      fc.constantFrom('incr', 'decr' as const),
      keyArb.filter((x) => x.length <= 250),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.boolean(),
    )
    .map(
      ([cmd, key, delta, noreply]): Gen =>
        (m, p) =>
          m.arith(cmd, k(p, key), delta, noreply),
    ),
  {
    arbitrary: fc
      .constantFrom(
        ['bogus', 'ERROR'],
        ['get', 'ERROR'],
        ['GET a', 'ERROR'],
        ['set x 0 0 -1', 'CLIENT_ERROR bad command line format'],
        ['verbosity 1', 'OK'],
        ['incr a b', 'CLIENT_ERROR invalid numeric delta argument'],
        ['mg', 'ERROR'],
        ['set a b c d', 'CLIENT_ERROR bad command line format'],
      )
      .map(
        ([line, reply]): Gen =>
          (m) =>
            m.rejected(line, reply),
      ),
    weight: 1,
  },
);

/** Sends `bytes` in pieces cut at `cuts`, and reads until `done(text)` or the connection closes. */
function converse(
  bytes: Buffer,
  cuts: number[],
  done: (text: string) => boolean,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
    s.setNoDelay(true);
    let text = '';
    let finished = false;
    // A reply that never comes must fail the property, not hang it: give up after 2 s of silence.
    let idle = setTimeout(() => {
      finish(false);
    }, 2000);
    const finish = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      s.destroy();
      resolve({ text, closed });
    };
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      clearTimeout(idle);
      idle = setTimeout(() => {
        finish(false);
      }, 2000);
      if (done(text)) finish(false);
    });
    s.on('close', () => {
      finish(true);
    });
    s.on('error', (err) => {
      if (!finished) reject(err);
    });
    s.on('connect', () => {
      void (async () => {
        let prev = 0;
        for (const c of [...cuts, bytes.length]) {
          if (c <= prev || s.destroyed) continue;
          s.write(bytes.subarray(prev, c));
          prev = c;
          await new Promise((r) => setImmediate(r));
        }
      })();
    });
  });
}

let run = 0;

test(
  'random request streams, split at random points, get exactly the replies the model predicts',
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (gens, rawCuts) => {
          const prefix = `r${run++}:`;
          const model = new MemcachedModel(MAX_ITEM);
          const steps: ModelStep[] = [];
          for (const g of gens) {
            const step = g(model, prefix);
            steps.push(step);
            if (step.closes) break;
          }
          const closes = steps.at(-1)?.closes === true;
          let expected = steps.map((s) => s.reply).join('');
          const parts = steps.map((s) => s.bytes);
          // A stream the proxy does not close ends with a sentinel so we know every reply arrived.
          if (!closes) {
            parts.push(Buffer.from('get sentinel:none\r\n'));
            expected += 'END\r\n';
          }
          const bytes = Buffer.concat(parts);
          const cuts = [...new Set(rawCuts.map((c) => (c % bytes.length) + 1))].sort((a, b) => a - b);
          const { text, closed } = await converse(bytes, cuts, (t) => !closes && t.length >= expected.length);
          const normalised = text.replace(/^(VALUE \S+ \d+ \d+) \d+\r\n/gm, '$1 <cas>\r\n');
          expect(normalised).toBe(expected);
          expect(closed).toBe(closes);
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  },
  60_000 + RUNS * 300,
);
