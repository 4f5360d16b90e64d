/**
 * The multiplexing floor (bench/mux-floor.ts): its request and reply framers find the same
 * boundaries however the byte stream is split into reads, and through it two clients sharing one
 * backend connection get their own replies, byte for byte.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OutBuf, ReplyFramer, RequestFramer } from '../../../bench/mux-floor.js';
import { Memcached } from '../../helpers/memcached.js';
import { runTs, type Spawned } from '../../helpers/process.js';
import { freePort, waitForPort } from '../../helpers/ports.js';
import { RawClient } from '../../helpers/raw-client.js';
import { parseRunArgs } from '../../../bench/run.js';

/** Replies as memcached sends them: values holding CR, LF and reply-like text; cas; errors. */
const REPLIES = [
  'VALUE a 0 3\r\nabc\r\nEND\r\n',
  'END\r\n',
  'STORED\r\n',
  'VALUE b 5 0\r\n\r\nEND\r\n',
  'VALUE x 1 2\r\nhi\r\nVALUE y 2 8 99\r\nEND\r\n\n\r\r\nEND\r\n',
  'VERSION 1.6.21\r\n',
  'SERVER_ERROR out of memory storing object\r\n',
  `VALUE big 0 200\r\n${'v\n'.repeat(100)}\r\nEND\r\n`,
];

/** Requests as a client sends them: data blocks holding CR, LF and request-like text. */
const REQUESTS = [
  'get a\r\n',
  'set k 0 0 5\r\nab\r\nc\r\n',
  'get b c\r\n',
  'version\r\n',
  'add z 1 2 12\r\nget x\r\nset y\r\n',
  'cas k 0 0 1 77\r\nx\r\n',
  'append k 0 0 0\r\n\r\n',
];

/** Every way to cut `total` bytes into two reads, and reads of k bytes for k = 1 … 64. */
function splits(total: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i <= total; i++) out.push([i, total - i]);
  for (let k = 1; k <= 64; k++) {
    const cut = Array.from({ length: Math.floor(total / k) }, () => k);
    if (total % k > 0) cut.push(total % k);
    out.push(cut);
  }
  return out;
}

test('the reply framer finds every reply at every split of the stream into reads', () => {
  const stream = Buffer.from(REPLIES.join(''), 'latin1');
  // Reads land in one reused buffer full of stale LFs, as `onread` delivers them.
  const shared = Buffer.alloc(stream.length + 16, '\n');
  for (const cut of splits(stream.length)) {
    const got: string[] = [];
    const framer = new ReplyFramer((b, s, e) => got.push(b.toString('latin1', s, e)));
    let pos = 0;
    for (const n of cut) {
      shared.fill('\n');
      stream.copy(shared, 0, pos, pos + n);
      framer.push(shared, n);
      pos += n;
    }
    expect(got).toEqual(REPLIES);
    expect(framer.pending).toBe(0);
  }
});

test('the request framer counts every request at every split of the stream into chunks', () => {
  const stream = Buffer.from(REQUESTS.join(''), 'latin1');
  for (const cut of splits(stream.length)) {
    const framer = new RequestFramer();
    let pos = 0;
    let count = 0;
    let framed = '';
    for (const n of cut) {
      count += framer.frame(stream.subarray(pos, pos + n));
      framed += framer.buf.toString('latin1', 0, framer.end);
      pos += n;
      // What was framed so far ends at a request boundary.
      expect(REQUESTS.map((_, i) => REQUESTS.slice(0, i + 1).join('')).concat([''])).toContain(framed);
    }
    expect(count).toBe(REQUESTS.length);
    expect(framed).toBe(stream.toString('latin1'));
  }
});

test('output taken for a write is never overwritten, across slabs', () => {
  const out = new OutBuf();
  const taken: [Buffer, string][] = [];
  for (let i = 0; i < 3000; i++) {
    const s = `${i}:${'x'.repeat(i % 97)};`;
    out.append(Buffer.from(s), 0, s.length);
    if (i % 7 === 0) {
      const v = out.take();
      if (v !== null) taken.push([v, v.toString()]);
    }
  }
  expect(taken.length).toBeGreaterThan(400);
  for (const [view, text] of taken) expect(view.toString()).toBe(text);
  expect(out.take()?.toString().startsWith('2997:')).toBe(true);
  expect(out.take()).toBeNull();
});

let backend: Memcached;
let proxy: Spawned;
let port: number;

beforeAll(async () => {
  backend = await Memcached.start();
  port = await freePort();
  proxy = runTs('bench/mux-floor.ts', ['-p', String(port), '--backend', backend.address]);
  await waitForPort(port);
});
afterAll(async () => {
  proxy.proc.kill('SIGTERM');
  await proxy.exited;
  await backend.stop();
});

test('two clients on one backend connection each get their own replies (and a 200 KiB value)', async () => {
  const [a, b] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
  const big = Buffer.alloc(200 * 1024, 'm');
  // Client a sends a large set in two pieces, its data block split inside; b sends meanwhile.
  const aRequest = Buffer.concat([
    Buffer.from(`set mux:a 1 0 3\r\nabc\r\nset mux:big 0 0 ${big.length}\r\n`),
    big,
    Buffer.from('\r\nget mux:big\r\nget mux:a\r\n'),
  ]);
  a.send(aRequest.subarray(0, 1000));
  b.send('set mux:b 2 0 4\r\nwxyz\r\nget mux:b\r\n');
  const bFirst = 'STORED\r\nVALUE mux:b 2 4\r\nwxyz\r\nEND\r\n';
  expect((await b.read(bFirst.length)).toString()).toBe(bFirst);
  a.send(aRequest.subarray(1000));
  b.send('get mux:a mux:none\r\nversion\r\n');
  const aExpected = Buffer.concat([
    Buffer.from(`STORED\r\nSTORED\r\nVALUE mux:big 0 ${big.length}\r\n`),
    big,
    Buffer.from('\r\nEND\r\nVALUE mux:a 1 3\r\nabc\r\nEND\r\n'),
  ]);
  expect((await a.read(aExpected.length)).equals(aExpected)).toBe(true);
  const bLine = 'VALUE mux:a 1 3\r\nabc\r\nEND\r\n';
  expect((await b.read(bLine.length)).toString()).toBe(bLine);
  expect(await b.readUntil('\r\n')).toMatch(/^VERSION /);
  a.close();
  b.close();
});

test('the runner runs mux-floor only when it is named', () => {
  const all = parseRunArgs(['--peer-memcached-proxy', '/bin/false']);
  const full = parseRunArgs(['--full']);
  const named = parseRunArgs(['--targets', 'mux-floor,mcproxy']);
  if (all === 'help' || full === 'help' || named === 'help') throw new Error('help');
  expect(all.targets).not.toContain('mux-floor');
  expect(full.targets).not.toContain('mux-floor');
  expect(named.targets).toEqual(['mcproxy', 'mux-floor']);
});
