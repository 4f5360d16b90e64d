/**
 * Meta-protocol differential test: the same byte streams (meta-streams.ts) sent to memcached and
 * to mcproxy (PoolRoute over a memcached of its own), replies compared byte for byte after
 * normalising what differs run to run: cas values (`c<n>`, `cas=`), and the clock-driven
 * numbers (`t<n>` and `l<n>` with n ≥ 0, `la=`, `exp=` — two memcached processes tick their
 * seconds at different moments; `t-1`, never expires, is compared as is). Each stream also goes
 * through once more, all streams pipelined on one connection.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { META_STREAMS } from './meta-streams.js';
import { exchange } from './wire.js';

/**
 * Streams where mcproxy's reply legitimately differs from memcached's: name → mcproxy's normalised
 * reply, with the reason. Kept out of the pipelined run.
 */
const ALLOWED_DIFFERENCES: Readonly<Record<string, { mcproxy: string; why: string }>> = {
  'quiet arith pipeline': {
    mcproxy: 'HD\r\nNF\r\nMN\r\nVA 2\r\n12\r\n',
    why:
      'memcached before 1.6.40 (this test runs 1.6.18) shows the reply of a quiet `ma` that created ' +
      'its item (N); since 1.6.40 memcached hides it like any quiet success (memcached/proto_parser.c ' +
      'process_marithmetic_cmd), and so does the proxy (docs/meta-protocol.md)',
  },
};

/** Longest wait for a stream's replies before it counts as a hang. */
const BOUND_MS = 5000;

let memcached: Memcached;
let pooled: Memcached;
let proxy: TestProxy;

beforeAll(async () => {
  [memcached, pooled] = await Promise.all([Memcached.start(), Memcached.start()]);
  proxy = await startProxy({ pools: { A: { servers: [pooled.address] } }, route: 'PoolRoute|A' });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([memcached.stop(), pooled.stop()]);
});

/** The stream's bytes with `$b` (a base64 key) and `$k` (a text key) unique to `tag`. */
function bytesOf(text: string, tag: string): Buffer {
  const b64 = Buffer.from(`mb${tag}`).toString('base64');
  return Buffer.from(text.replaceAll('$b', b64).replaceAll('$k', `mk${tag}`), 'latin1');
}

/** The reply with run-dependent numbers replaced (see the file comment). */
function normalise(reply: Buffer): string {
  return reply
    .toString('latin1')
    .replace(/^(HD|VA|EN|NF|NS|EX)( [^\r\n]*)?\r\n/gm, (line: string) =>
      line.replace(/ c\d+/g, ' c<cas>').replace(/ ([tl])\d+/g, ' $1<n>'),
    )
    .replace(/^ME ([^\r\n]*)\r\n/gm, (line: string) =>
      line
        .replace(/cas=\d+/, 'cas=<cas>')
        .replace(/la=\d+/, 'la=<n>')
        .replace(/exp=\d+/, 'exp=<n>'),
    );
}

async function compare(bytes: Buffer, label: string, allowed?: string): Promise<void> {
  const [direct, viaProxy] = await Promise.all([
    exchange(memcached.port, bytes, 'ascii', BOUND_MS),
    exchange(proxy.port, bytes, 'ascii', BOUND_MS),
  ]);
  const context = `${label}\nsent: ${JSON.stringify(bytes.toString('latin1')).slice(0, 800)}\nmemcached (${direct.end}): ${JSON.stringify(normalise(direct.reply))}\nmcproxy (${viaProxy.end}): ${JSON.stringify(normalise(viaProxy.reply))}`;
  expect(direct.end, `memcached hung\n${context}`).not.toBe('hang');
  expect(viaProxy.end, `mcproxy neither replied nor closed\n${context}`).not.toBe('hang');
  expect(normalise(viaProxy.reply), context).toBe(allowed ?? normalise(direct.reply));
  expect(viaProxy.end, context).toBe(direct.end);
}

describe('meta commands: the same bytes to memcached and to mcproxy (PoolRoute)', () => {
  META_STREAMS.forEach((s, i) => {
    test(s.name, async () => {
      await compare(bytesOf(s.text, String(i)), s.name, ALLOWED_DIFFERENCES[s.name]?.mcproxy);
    });
  });

  test('every stream pipelined on one connection', async () => {
    const all = Buffer.concat(
      META_STREAMS.filter((s) => ALLOWED_DIFFERENCES[s.name] === undefined).map((s, i) =>
        bytesOf(s.text, `p${i}`),
      ),
    );
    await compare(all, 'all streams pipelined');
  });
});
