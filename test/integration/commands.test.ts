/**
 * Every ASCII command through the proxy, byte-exact. Where mcrouter passes memcached's reply
 * through, the proxy's bytes must equal what a fresh memcached answers directly to the same
 * stream (two fresh instances produce the same cas values). Where mcrouter answers itself
 * (version, flush_all disabled, malformed input), the exact mcrouter text is checked.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { VERSION_STRING } from '../../proxy/version.js';

let direct: Memcached;
let behind: Memcached;
let proxy: TestProxy;

beforeAll(async () => {
  [direct, behind] = await Promise.all([Memcached.start(), Memcached.start()]);
  // Conformance with memcached's own replies: incr on a non-number shows memcached's CLIENT_ERROR.
  proxy = await startProxy({ pools: { A: { servers: [behind.address] } }, route: 'PoolRoute|A' });
});
afterAll(async () => {
  await proxy.close();
  await Promise.all([direct.stop(), behind.stop()]);
});

/** Requests whose replies memcached and mcrouter agree on, with the reply terminator to read up to. */
const SCRIPT: [string, string][] = [
  ['set a 1 0 3\r\nabc\r\n', '\r\n'],
  ['get a\r\n', 'END\r\n'],
  ['gets a\r\n', 'END\r\n'],
  ['get a missing a\r\n', 'END\r\n'],
  ['gets a missing\r\n', 'END\r\n'],
  ['add a 0 0 1\r\nx\r\n', '\r\n'],
  ['add b 2 0 3\r\nbbb\r\n', '\r\n'],
  ['replace missing 0 0 1\r\nx\r\n', '\r\n'],
  ['replace b 3 0 2\r\nBB\r\n', '\r\n'],
  ['append b 0 0 2\r\n++\r\n', '\r\n'],
  ['prepend b 0 0 2\r\n--\r\n', '\r\n'],
  ['get b\r\n', 'END\r\n'],
  ['append missing 0 0 1\r\nx\r\n', '\r\n'],
  ['cas a 0 0 1 999999\r\nz\r\n', '\r\n'],
  ['cas missing 0 0 1 1\r\nz\r\n', '\r\n'],
  ['set n 0 0 2\r\n10\r\n', '\r\n'],
  ['incr n 5\r\n', '\r\n'],
  ['decr n 100\r\n', '\r\n'],
  ['incr n 18446744073709551615\r\n', '\r\n'],
  ['incr missing 1\r\n', '\r\n'],
  ['incr a 1\r\n', '\r\n'],
  ['touch a 100\r\n', '\r\n'],
  ['touch missing 100\r\n', '\r\n'],
  ['gat 0 a\r\n', 'END\r\n'],
  ['gats 0 a b\r\n', 'END\r\n'],
  ['gat 0 missing\r\n', 'END\r\n'],
  ['delete a\r\n', '\r\n'],
  ['delete a\r\n', '\r\n'],
  ['get a\r\n', 'END\r\n'],
  ['set crlf 0 0 6\r\n\r\n\r\n\r\n\r\n', '\r\n'],
  ['get crlf\r\n', 'END\r\n'],
  ['set bin 0 0 4\r\n\u0000\u00ff\r\n\r\n', '\r\n'],
  ['get bin\r\n', 'END\r\n'],
  ['set neg 0 -1 1\r\nx\r\n', '\r\n'],
  ['get neg\r\n', 'END\r\n'],
  ['set big 0 0 1000000\r\n' + 'v'.repeat(1000000) + '\r\n', '\r\n'],
  ['get big\r\n', 'END\r\n'],
  ['delete b 0\r\n', '\r\n'],
  ['delete b 5\r\n', '\r\n'],
];

describe('pass-through commands equal memcached answering directly', () => {
  test('the whole script, step by step, with cas values taken from the replies', async () => {
    const d = await RawClient.connect(direct.port);
    const p = await RawClient.connect(proxy.port);
    for (const [request, terminator] of SCRIPT) {
      d.send(request);
      p.send(request);
      const want = await d.readUntil(terminator);
      const got = await p.readUntil(terminator);
      expect(got, request.slice(0, 60)).toBe(want);
    }
    // cas with the real unique from gets: same unique on both sides, same outcome.
    for (const c of [d, p]) c.send('set c 0 0 1\r\n1\r\ngets c\r\n');
    const dg = await d.readUntil('END\r\n');
    const pg = await p.readUntil('END\r\n');
    expect(pg).toBe(dg);
    const unique = /VALUE c 0 1 (\d+)/.exec(dg)?.[1];
    expect(unique).toBeDefined();
    for (const c of [d, p]) c.send(`cas c 0 0 1 ${unique}\r\n2\r\ncas c 0 0 1 ${unique}\r\n3\r\nget c\r\n`);
    expect(await p.readUntil('END\r\n')).toBe(await d.readUntil('END\r\n'));
    d.close();
    p.close();
  });
});

describe('replies the proxy gives itself (mcrouter behaviour)', () => {
  test('version', async () => {
    const c = await RawClient.connect(proxy.port);
    expect(await c.call('version\r\n', `VERSION ${VERSION_STRING}\r\n`)).toBe(
      `VERSION ${VERSION_STRING}\r\n`,
    );
    c.close();
  });

  test('flush_all is refused without --enable-flush-cmd, and noreply suppresses the refusal', async () => {
    const c = await RawClient.connect(proxy.port);
    c.send('set keep 0 0 1\r\nk\r\n');
    await c.readUntil('\r\n');
    expect(await c.call('flush_all\r\n', 'SERVER_ERROR Command disabled\r\n')).toBe(
      'SERVER_ERROR Command disabled\r\n',
    );
    c.send('flush_all noreply\r\n');
    expect(await c.call('get keep\r\n', 'VALUE keep 0 1\r\nk\r\nEND\r\n')).toBe(
      'VALUE keep 0 1\r\nk\r\nEND\r\n',
    );
    c.close();
  });

  test('shutdown is refused by default and the proxy keeps serving', async () => {
    const c = await RawClient.connect(proxy.port);
    expect(await c.call('shutdown\r\n', 'SERVER_ERROR Command disabled\r\n')).toBe(
      'SERVER_ERROR Command disabled\r\n',
    );
    expect(await c.call('get nothing\r\n', 'END\r\n')).toBe('END\r\n');
    c.close();
  });

  test('a key longer than 250 bytes: CLIENT_ERROR bad key, connection kept', async () => {
    const c = await RawClient.connect(proxy.port);
    const long = 'k'.repeat(251);
    expect(await c.call(`get ${long}\r\n`, 'CLIENT_ERROR bad key\r\n')).toBe('CLIENT_ERROR bad key\r\n');
    expect(await c.call(`set ${long} 0 0 1\r\nx\r\n`, 'CLIENT_ERROR bad key\r\n')).toBe(
      'CLIENT_ERROR bad key\r\n',
    );
    expect(await c.call(`get a ${long}\r\n`, 'CLIENT_ERROR bad key\r\n')).toBe('CLIENT_ERROR bad key\r\n');
    expect(await c.call('get nothing\r\n', 'END\r\n')).toBe('END\r\n');
    c.close();
  });

  test('a value over --max-item-size is rejected, its block swallowed, the stream stays in sync', async () => {
    const small = await startProxy(
      { pools: { A: { servers: [behind.address] } }, route: 'PoolRoute|A' },
      { maxItemSize: 100 },
    );
    const c = await RawClient.connect(small.port);
    const reply = await c.call(
      `set huge 0 0 101\r\n${'x'.repeat(101)}\r\nset ok 0 0 100\r\n${'y'.repeat(100)}\r\n`,
      'SERVER_ERROR object too large for cache\r\nSTORED\r\n',
    );
    expect(reply).toBe('SERVER_ERROR object too large for cache\r\nSTORED\r\n');
    expect(await c.call('get huge\r\n', 'END\r\n')).toBe('END\r\n');
    c.close();
    await small.close();
  });

  test('unknown command: ERROR in place, the connection kept (memcached)', async () => {
    const c = await RawClient.connect(proxy.port);
    const want = 'STORED\r\nERROR\r\nVALUE m 0 1\r\nm\r\nEND\r\nOK\r\nVERSION ';
    expect(
      await c.call('set m 0 0 1\r\nm\r\nbogus command\r\nget m\r\nverbosity 1\r\nversion x\r\n', want),
    ).toBe(want);
    c.close();
  });

  test('bad data chunk: earlier replies, then CLIENT_ERROR bad data chunk, then close', async () => {
    const c = await RawClient.connect(proxy.port);
    c.send('set m 0 0 1\r\nm\r\nget m\r\nset m 0 0 1\r\nxyz\r\nget m\r\n');
    expect(await c.readUntil('END\r\n')).toBe('STORED\r\nVALUE m 0 1\r\nm\r\nEND\r\n');
    expect(await c.readUntil('\r\n')).toBe('CLIENT_ERROR bad data chunk\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(c.unread).toBe('');
    // The proxy keeps serving everyone else.
    const other = await RawClient.connect(proxy.port);
    expect(await other.call('get m\r\n', 'VALUE m 0 1\r\nm\r\nEND\r\n')).toBe('VALUE m 0 1\r\nm\r\nEND\r\n');
    other.close();
  });

  test('noreply: no reply, but the request is done', async () => {
    const c = await RawClient.connect(proxy.port);
    c.send(
      'set nr 0 0 2 noreply\r\nok\r\nincr nr 1 noreply\r\ndelete nothing noreply\r\ntouch nr 0 noreply\r\n',
    );
    // "ok" is not numeric: the incr failed, silently; the touch went through.
    expect(await c.call('get nr\r\n', 'VALUE nr 0 2\r\nok\r\nEND\r\n')).toBe('VALUE nr 0 2\r\nok\r\nEND\r\n');
    c.send('set nr 0 0 1 noreply\r\n5\r\nincr nr 2 noreply\r\n');
    expect(await c.call('get nr\r\n', 'VALUE nr 0 1\r\n7\r\nEND\r\n')).toBe('VALUE nr 0 1\r\n7\r\nEND\r\n');
    c.close();
  });

  test('quit: earlier replies are flushed, then the connection closes without a reply', async () => {
    const c = await RawClient.connect(proxy.port);
    c.send('get nothing\r\nquit\r\nget nothing\r\n');
    expect(await c.readUntil('END\r\n')).toBe('END\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(c.unread).toBe('');
  });

  test('stats: STAT lines then END; unknown group is a CLIENT_ERROR', async () => {
    const c = await RawClient.connect(proxy.port);
    c.send('stats\r\n');
    const text = await c.readUntil('END\r\n');
    expect(text).toMatch(/^STAT version .+\r\n/);
    expect(text).toMatch(/\r\nSTAT pid \d+\r\n/);
    expect(text).toMatch(/\r\nSTAT cmd_get_count \d+\r\n/);
    expect(text.endsWith('\r\nEND\r\n')).toBe(true);
    expect(await c.call('stats bogus\r\n', 'ERROR\r\n')).toBe('ERROR\r\n');
    c.close();
  });
});
