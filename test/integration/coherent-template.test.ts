/**
 * The `coherent` template end to end with real memcached for this instance's local memcached, a
 * peer's and central: every mutation (and its noreply form) is answered by central and removes the
 * key from every local copy (InvalidateRoute), in its text, meta and binary forms; get, gets, gat and gats are served locally after
 * the first miss; a hung local memcached costs the first read one short timeout, and none once it
 * is TKO (the local pool's `timeouts_until_tko: 1`); a dead one costs nothing.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { arithExtras, packet, storeExtras, u32, type BinRequest } from '../helpers/binary-packets.js';
import { directGet, directSet, directTtl } from '../helpers/direct.js';
import { ask, memcachedStat } from '../helpers/route-test.js';
import { Result } from '../../proxy/protocol/result.js';
import { COHERENT_TEMPLATE, LOCAL_SERVER_TIMEOUT_MS } from '../../confgen/templates/coherent.js';

const LOCAL_TTL = 60;

let local: Memcached;
let peer: Memcached;
let central: Memcached;
let proxy: TestProxy;
let app: RawClient;

/**
 * The local pool's `server_timeout` where the local memcached is healthy, ms. The template's 50 ms
 * (`LOCAL_SERVER_TIMEOUT_MS`) can fire on a loaded machine and send a read to central, or lose a
 * fill: those tests check where reads are served and what the copies hold, so their local replies
 * must never lose that race. The short timeout itself is tested by "a sick local memcached".
 */
const HEALTHY_LOCAL_TIMEOUT_MS = 10_000;

/**
 * The coherent config for this instance: its own memcached is one of the peers, as on Beanstalk.
 * @param localTimeoutMs the local pool's `server_timeout` (default: the template's)
 */
function coherentConfig(l: Memcached, peers: Memcached[], c: Memcached, localTimeoutMs?: number): unknown {
  const config = COHERENT_TEMPLATE.render(
    { local: l.address, peers: peers.map((p) => p.address), central: [c.address] },
    { localTtl: LOCAL_TTL },
  ) as { pools: Record<string, Record<string, unknown>> };
  if (localTimeoutMs !== undefined)
    config.pools.local = { ...config.pools.local, server_timeout: localTimeoutMs };
  return config;
}

beforeAll(async () => {
  [local, peer, central] = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  proxy = await startProxy(coherentConfig(local, [local, peer], central, HEALTHY_LOCAL_TIMEOUT_MS), {
    probeTimeoutInitialMs: 50,
  });
  app = await RawClient.connect(proxy.port);
});
afterAll(async () => {
  app.close();
  await proxy.close();
  await Promise.all([local.stop(), peer.stop(), central.stop()]);
});

const MISS = 'END\r\n';
const hit = (key: string, value: string, flags = 0): string =>
  `VALUE ${key} ${flags} ${value.length}\r\n${value}\r\nEND\r\n`;

/** Puts `value` in central and a copy of it in both local memcacheds, as warmed reads leave them. */
async function warmEverywhere(key: string, value: string): Promise<void> {
  await Promise.all([
    directSet(central, key, value),
    directSet(local, key, value),
    directSet(peer, key, value),
  ]);
}

/** Waits until neither local memcached has `key`. */
async function expectInvalidated(key: string): Promise<void> {
  await vi.waitFor(
    async () => {
      expect(await directGet(local, key)).toBe(MISS);
      expect(await directGet(peer, key)).toBe(MISS);
    },
    { timeout: 5000 },
  );
}

/** The cas unique of a `gets` reply's hit, '0' for a miss. */
const casOf = (reply: string): string => /^VALUE \S+ \d+ \d+ (\d+)/.exec(reply)?.[1] ?? '0';

async function casUnique(m: Memcached, key: string): Promise<string> {
  const c = await RawClient.connect(m.port);
  c.send(`gets ${key}\r\n`);
  const reply = await c.readUntil('END\r\n');
  c.close();
  return casOf(reply);
}

describe('every mutation: central answers, every local copy is deleted', () => {
  const cases: [string, (key: string) => string | Promise<string>, string, string | null][] = [
    ['set', (k) => `set ${k} 0 0 3\r\nnew\r\n`, 'STORED\r\n', 'new'],
    ['add', (k) => `add ${k} 0 0 3\r\nnew\r\n`, 'STORED\r\n', 'new'],
    ['replace', (k) => `replace ${k} 0 0 3\r\nnew\r\n`, 'STORED\r\n', 'new'],
    ['append', (k) => `append ${k} 0 0 1\r\n+\r\n`, 'STORED\r\n', '1+'],
    ['prepend', (k) => `prepend ${k} 0 0 1\r\n+\r\n`, 'STORED\r\n', '+1'],
    ['cas', async (k) => `cas ${k} 0 0 3 ${await casUnique(central, k)}\r\nnew\r\n`, 'STORED\r\n', 'new'],
    ['incr', (k) => `incr ${k} 5\r\n`, '6\r\n', '6'],
    ['decr', (k) => `decr ${k} 1\r\n`, '0\r\n', '0'],
    ['touch', (k) => `touch ${k} 100\r\n`, 'TOUCHED\r\n', '1'],
    ['delete', (k) => `delete ${k}\r\n`, 'DELETED\r\n', null],
  ];

  test.each(cases)('%s', async (op, request, reply, after) => {
    const key = `mut:${op}`;
    // add succeeds only where the key is absent: central lacks it, the local copies are left over.
    if (op === 'add') await Promise.all([directSet(local, key, '1'), directSet(peer, key, '1')]);
    else await warmEverywhere(key, '1');
    expect(await app.call(await request(key), reply)).toBe(reply);
    await expectInvalidated(key);
    expect(await directGet(central, key)).toBe(after === null ? MISS : hit(key, after));
    if (op === 'touch') expect(await directTtl(central, key)).toBeGreaterThan(90);
  });

  test.each(cases)('%s noreply', async (op, request) => {
    const key = `mutnr:${op}`;
    if (op === 'add') await Promise.all([directSet(local, key, '1'), directSet(peer, key, '1')]);
    else await warmEverywhere(key, '1');
    const line = await request(key);
    const at = line.indexOf('\r\n');
    app.send(`${line.slice(0, at)} noreply${line.slice(at)}`);
    await expectInvalidated(key);
    expect(app.unread).toBe('');
  });

  test('an add that central refuses (NOT_STORED) leaves the local copies alone', async () => {
    await warmEverywhere('mut:refused', 'same');
    expect(await app.call('add mut:refused 0 0 3\r\nnew\r\n', 'NOT_STORED\r\n')).toBe('NOT_STORED\r\n');
    // A later write's invalidation arrives after anything this add could have sent.
    expect(await app.call('delete mut:other\r\n', 'NOT_FOUND\r\n')).toBe('NOT_FOUND\r\n');
    await vi.waitFor(
      async () => {
        expect(await directGet(peer, 'mut:other')).toBe(MISS);
      },
      { timeout: 5000 },
    );
    expect(await directGet(peer, 'mut:refused')).toBe(hit('mut:refused', 'same'));
  });
});

describe('cas with the unique of a locally served gets (cas_from)', () => {
  /** Stores `value` in central, then `gets` it through the proxy: the unique is the local copy's. */
  async function localGets(key: string, value: string): Promise<string> {
    await directSet(central, key, value, 3);
    // Other items first, so central's and the local memcached's cas counters differ.
    await directSet(central, `${key}:bump`, 'x');
    const unique = casOf(await ask(app, `gets ${key}\r\n`));
    expect(unique).toBe(await casUnique(local, key));
    expect(unique).not.toBe(await casUnique(central, key));
    return unique;
  }

  test('gets (local) then cas: STORED, central has the new value, every local copy is gone', async () => {
    const unique = await localGets('casf:ok', 'old');
    expect(await ask(app, `gets casf:ok\r\n`)).toBe(`VALUE casf:ok 3 3 ${unique}\r\nold\r\nEND\r\n`);
    expect(await app.call(`cas casf:ok 7 0 3 ${unique}\r\nnew\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
    expect(await directGet(central, 'casf:ok')).toBe(hit('casf:ok', 'new', 7));
    await expectInvalidated('casf:ok');
    // The next gets re-reads central's new value locally; its unique works again.
    const next = await ask(app, 'gets casf:ok\r\n');
    expect(next).toMatch(/^VALUE casf:ok 7 3 \d+\r\nnew\r\nEND\r\n$/);
    const again = `cas casf:ok 0 0 5 ${casOf(next)}\r\nnewer\r\n`;
    expect(await app.call(again, 'STORED\r\n')).toBe('STORED\r\n');
    expect(await directGet(central, 'casf:ok')).toBe(hit('casf:ok', 'newer'));
  });

  test('another client wrote in between (through the proxy): EXISTS, its value stays', async () => {
    const unique = await localGets('casf:stale', 'old');
    const other = await RawClient.connect(proxy.port);
    expect(await other.call('set casf:stale 0 0 5\r\nother\r\n', 'STORED\r\n')).toBe('STORED\r\n');
    other.close();
    expect(await app.call(`cas casf:stale 0 0 3 ${unique}\r\nnew\r\n`, 'EXISTS\r\n')).toBe('EXISTS\r\n');
    expect(await directGet(central, 'casf:stale')).toBe(hit('casf:stale', 'other'));
  });

  test('central changed but the local copy is not invalidated yet: EXISTS (values differ)', async () => {
    const unique = await localGets('casf:late', 'old');
    await directSet(central, 'casf:late', 'other', 3);
    expect(await app.call(`cas casf:late 0 0 3 ${unique}\r\nnew\r\n`, 'EXISTS\r\n')).toBe('EXISTS\r\n');
    expect(await directGet(central, 'casf:late')).toBe(hit('casf:late', 'other', 3));
    // Same bytes, other flags: not the item the client read either.
    await directSet(central, 'casf:late', 'old', 4);
    expect(await app.call(`cas casf:late 0 0 3 ${unique}\r\nnew\r\n`, 'EXISTS\r\n')).toBe('EXISTS\r\n');
    expect(await directGet(central, 'casf:late')).toBe(hit('casf:late', 'old', 4));
  });

  test('the known limit: the same value and flags rewritten in between (ABA) is not seen', async () => {
    const unique = await localGets('casf:aba', 'old');
    await directSet(central, 'casf:aba', 'old', 3);
    expect(await app.call(`cas casf:aba 0 0 3 ${unique}\r\nnew\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
    expect(await directGet(central, 'casf:aba')).toBe(hit('casf:aba', 'new'));
  });

  test('a unique no copy has: EXISTS, and central is untouched', async () => {
    await localGets('casf:bogus', 'old');
    expect(await app.call('cas casf:bogus 0 0 3 1\r\nnew\r\n', 'EXISTS\r\n')).toBe('EXISTS\r\n');
    expect(await directGet(central, 'casf:bogus')).toBe(hit('casf:bogus', 'old', 3));
  });

  test("central's own unique (a local miss read from central) works on the first attempt", async () => {
    await warmEverywhere('casf:central', 'old');
    const localGets = await memcachedStat(local, 'cmd_get');
    const line = `cas casf:central 0 0 3 ${await casUnique(central, 'casf:central')}\r\nnew\r\n`;
    expect(await app.call(line, 'STORED\r\n')).toBe('STORED\r\n');
    // Stored at once: no translation, so no read of the local copy.
    expect(await memcachedStat(local, 'cmd_get')).toBe(localGets);
    await expectInvalidated('casf:central');
    expect(await directGet(central, 'casf:central')).toBe(hit('casf:central', 'new'));
  });

  test('noreply cas with a local unique: stored in central, local copies invalidated, no reply', async () => {
    const unique = await localGets('casf:noreply', 'old');
    app.send(`cas casf:noreply 0 0 3 ${unique} noreply\r\nnew\r\n`);
    await expectInvalidated('casf:noreply');
    expect(await directGet(central, 'casf:noreply')).toBe(hit('casf:noreply', 'new'));
    expect(app.unread).toBe('');
  });
});

describe('reads are local after the first miss', () => {
  test.each(['get', 'gets', 'gat 30', 'gats 30'])('%s', async (cmd) => {
    const key = `read:${cmd.replace(' ', '')}`;
    await directSet(central, key, 'central-value', 5);
    const first = await ask(app, `${cmd} ${key}\r\n`);
    expect(first).toMatch(new RegExp(`^VALUE ${key} 5 13( \\d+)?\\r\\ncentral-value\\r\\nEND\\r\\n$`));
    await vi.waitFor(
      async () => {
        expect(await directGet(local, key)).toBe(hit(key, 'central-value', 5));
      },
      { timeout: 5000 },
    );
    const centralGets = await memcachedStat(central, 'cmd_get');
    // memcached counts a gat hit in touch_hits, a get hit in get_hits.
    const hits = cmd.startsWith('gat') ? 'touch_hits' : 'get_hits';
    const localHits = await memcachedStat(local, hits);
    for (let i = 0; i < 5; i++) expect(await ask(app, `${cmd} ${key}\r\n`)).toMatch(/central-value/);
    expect(await memcachedStat(local, hits)).toBe(localHits + 5);
    // gat/gats also send their touch to central in the background (cmd_touch, not cmd_get).
    expect(await memcachedStat(central, 'cmd_get')).toBe(centralGets);
  });

  test('the local copy lives at most --local-ttl, even after a gat without expiry', async () => {
    await directSet(central, 'read:ttl', 'v');
    expect(await ask(app, 'gat 0 read:ttl\r\n')).toBe(hit('read:ttl', 'v'));
    await vi.waitFor(
      async () => {
        expect(await directGet(local, 'read:ttl')).toBe(hit('read:ttl', 'v'));
      },
      { timeout: 5000 },
    );
    expect(await ask(app, 'gat 0 read:ttl\r\n')).toBe(hit('read:ttl', 'v'));
    const ttl = await directTtl(local, 'read:ttl');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LOCAL_TTL);
  });
});

describe('a sick local memcached', () => {
  let sick: Memcached;
  let sickProxy: TestProxy;
  let c: RawClient;

  beforeAll(async () => {
    sick = await Memcached.start();
    sickProxy = await startProxy(
      coherentConfig(sick, [sick, peer], central),
      { probeTimeoutInitialMs: 60_000 },
      'TKO state is per worker: the timeouts counted are one process',
    );
    c = await RawClient.connect(sickProxy.port);
    await directSet(central, 'sick:k', 'from-central');
  });
  afterAll(async () => {
    c.close();
    await sickProxy.close();
    await sick.stop();
  });

  /** Milliseconds one `<cmd> sick:k` takes; it must return central's value. */
  async function timed(cmd: string): Promise<number> {
    const t0 = performance.now();
    expect(await ask(c, `${cmd} sick:k\r\n`)).toMatch(/^VALUE sick:k 0 12( \d+)?\r\nfrom-central\r\n/);
    return performance.now() - t0;
  }

  test('hung (SIGSTOP): only the first read waits one short timeout, then the local pool is TKO', async () => {
    expect(await timed('get')).toBeLessThan(1000); // connected, and a fill under way
    await sick.pause();
    // The first read waits at most one local timeout (none when the fill sent just before the
    // pause already timed out), then central answers; the local pool's timeouts_until_tko: 1 marks
    // the server TKO at that first timeout (--timeouts-until-tko is 3).
    // Under the default --server-timeout (1000 ms): a read that waited that long did not use the
    // local pool's short one; the gap is the loaded machine's headroom (was local + 500 ms).
    expect(await timed('get')).toBeLessThan(1000);
    c.send('stats suspect_servers\r\n');
    expect(await c.readUntil('END\r\n')).toMatch(
      new RegExp(`^STAT ${sick.address} status:tko num_failures:[12]\\r\\nEND\\r\\n$`),
    );
    const [localDest] = [...sickProxy.server.destinations.all()].filter(
      (d) => d.hostPort === sick.address && d.settings.timeoutMs === LOCAL_SERVER_TIMEOUT_MS,
    );
    const timeouts = (): number => localDest?.resultCounts[Result.Timeout] ?? NaN;
    const waited = timeouts();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await timed(i % 2 === 0 ? 'gets' : 'get');
    // None of them was sent to the hung server, so none waited for its timeout.
    expect(timeouts()).toBe(waited);
    expect(performance.now() - t0).toBeLessThan(20 * LOCAL_SERVER_TIMEOUT_MS);
    sick.signal('SIGCONT');
  });

  test('dead (killed): reads fail over to central at once', async () => {
    await sick.kill();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await timed(i % 2 === 0 ? 'get' : 'gets');
    // Less than if each had waited one local timeout (was 8 of them: 20 ms a read, which a loaded
    // machine's round trips through central exceeded).
    expect(performance.now() - t0).toBeLessThan(20 * LOCAL_SERVER_TIMEOUT_MS);
  });
});

describe('meta and binary mutations invalidate like their text forms', () => {
  /** Meta commands: [name, request (with an `mn` after a quiet one), reply, central's value after]. */
  const metaCases: [string, (key: string) => string, string, string | null][] = [
    ['ms', (k) => `ms ${k} 3\r\nnew\r\n`, 'HD\r\n', 'new'],
    ['ms MR (replace)', (k) => `ms ${k} 3 MR\r\nnew\r\n`, 'HD\r\n', 'new'],
    ['ms MA (append)', (k) => `ms ${k} 1 MA\r\n+\r\n`, 'HD\r\n', '1+'],
    ['ms MP (prepend)', (k) => `ms ${k} 1 MP\r\n+\r\n`, 'HD\r\n', '+1'],
    ['ma (incr)', (k) => `ma ${k} D5\r\n`, 'HD\r\n', '6'],
    ['ma MD (decr)', (k) => `ma ${k} MD\r\n`, 'HD\r\n', '0'],
    ['md', (k) => `md ${k}\r\n`, 'HD\r\n', null],
    ['ms q', (k) => `ms ${k} 3 q\r\nnew\r\nmn\r\n`, 'MN\r\n', 'new'],
    ['ma q', (k) => `ma ${k} q\r\nmn\r\n`, 'MN\r\n', '2'],
    ['md q', (k) => `md ${k} q\r\nmn\r\n`, 'MN\r\n', null],
  ];

  test.each(metaCases)('meta %s', async (name, request, reply, after) => {
    const key = `meta:${name.replace(/\W+/g, '')}`;
    await warmEverywhere(key, '1');
    expect(await app.call(request(key), reply)).toBe(reply);
    await expectInvalidated(key);
    expect(await directGet(central, key)).toBe(after === null ? MISS : hit(key, after));
  });

  test('meta ms with a base64 key that is not a text token: stored in central, the connection to the local memcached stays in step', async () => {
    const raw = Buffer.from('bin key\r\nx');
    expect(await app.call(`ms ${raw.toString('base64')} 1 b\r\nv\r\n`, 'HD\r\n')).toBe('HD\r\n');
    await warmEverywhere('meta:after-b64', 'old');
    expect(await app.call('set meta:after-b64 0 0 3\r\nnew\r\n', 'STORED\r\n')).toBe('STORED\r\n');
    await expectInvalidated('meta:after-b64');
  });

  /** Binary opcodes (memcached/protocol_binary.h). */
  const NOOP = 0x0a;
  const binCases: [string, (key: string) => BinRequest, string | null][] = [
    ['Set', (k) => ({ opcode: 0x01, key: k, extras: storeExtras(0, 0), value: 'new' }), 'new'],
    ['Replace', (k) => ({ opcode: 0x03, key: k, extras: storeExtras(0, 0), value: 'new' }), 'new'],
    ['Append', (k) => ({ opcode: 0x0e, key: k, value: '+' }), '1+'],
    ['Prepend', (k) => ({ opcode: 0x0f, key: k, value: '+' }), '+1'],
    ['Increment', (k) => ({ opcode: 0x05, key: k, extras: arithExtras(5n, 0n, 0xffffffff) }), '6'],
    ['Decrement', (k) => ({ opcode: 0x06, key: k, extras: arithExtras(1n, 0n, 0xffffffff) }), '0'],
    ['Delete', (k) => ({ opcode: 0x04, key: k }), null],
    ['SetQ', (k) => ({ opcode: 0x11, key: k, extras: storeExtras(0, 0), value: 'new' }), 'new'],
    ['AppendQ', (k) => ({ opcode: 0x19, key: k, value: '+' }), '1+'],
    ['IncrementQ', (k) => ({ opcode: 0x15, key: k, extras: arithExtras(5n, 0n, 0xffffffff) }), '6'],
    ['DeleteQ', (k) => ({ opcode: 0x14, key: k }), null],
  ];

  test.each(binCases)('binary %s', async (name, request, after) => {
    const key = `bin:${name}`;
    await warmEverywhere(key, '1');
    const c = await RawClient.connect(proxy.port);
    c.send(Buffer.concat([packet(request(key)), packet({ opcode: NOOP })]));
    const statuses: number[] = [];
    for (;;) {
      const header = await c.read(24);
      await c.read(header.readUInt32BE(8));
      if (header[1] === NOOP) break;
      statuses.push(header.readUInt16BE(6));
    }
    c.close();
    // Success (status 0) for the loud opcodes; a quiet one that succeeds sends nothing.
    expect(statuses).toEqual(name.endsWith('Q') ? [] : [0]);
    await expectInvalidated(key);
    expect(await directGet(central, key)).toBe(after === null ? MISS : hit(key, after));
  });

  test('binary Touch (forwarded as gats, docs/coherence.md): central gets the exptime, the local copy at most --local-ttl', async () => {
    const key = 'bin:Touch';
    await warmEverywhere(key, '1');
    const c = await RawClient.connect(proxy.port);
    c.send(packet({ opcode: 0x1c, key, extras: u32(1000) }));
    const header = await c.read(24);
    await c.read(header.readUInt32BE(8));
    c.close();
    expect(header.readUInt16BE(6)).toBe(0);
    await vi.waitFor(
      async () => {
        expect(await directTtl(central, key)).toBeGreaterThan(900);
      },
      { timeout: 5000 },
    );
    const ttl = await directTtl(local, key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LOCAL_TTL);
  });
});
