/**
 * TLS to destinations against real TLS memcached (`memcached -Z`), with certificates made by
 * openssl for this run (docs/tls.md): handshake and traffic, the pool and server-string forms,
 * session resumption, verification failures (wrong CA, wrong name, expired) that fail the
 * destination visibly, TKO and probes over TLS, and a TLS backend killed and restarted under load.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { LogCapture } from '../helpers/log-capture.js';
import { keysByServer, twoServerLoad } from '../helpers/load.js';
import { colocatedConfig } from '../helpers/config.js';
import { directGet } from '../helpers/direct.js';
import { makeTestCerts, memcachedTlsArgs, type TestCerts } from '../helpers/tls-certs.js';
import type { Destination } from '../../proxy/destination/destination.js';
import type { ProxyOptions } from '../../proxy/options.js';

let certs: TestCerts;
let tlsMc: Memcached;
beforeAll(async () => {
  certs = makeTestCerts();
  tlsMc = await Memcached.start(memcachedTlsArgs(certs.server));
});
afterAll(async () => {
  await tlsMc.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Sets, deletes and the rest to pool A; gets to pool B when there is one. */
function routeFor(pools: Record<string, unknown>): unknown {
  if (!('B' in pools)) return 'PoolRoute|A';
  return {
    type: 'OperationSelectorRoute',
    default_policy: 'PoolRoute|A',
    operation_policies: { get: 'PoolRoute|B' },
  };
}

/** A proxy over `pools` (`routeFor`) and a client connected to it. */
async function setup(
  pools: Record<string, unknown>,
  options: Partial<ProxyOptions> = {},
): Promise<{ proxy: TestProxy; client: RawClient }> {
  const proxy = await startProxy(
    { pools, route: routeFor(pools) },
    { pemCaPath: certs.ca, ...options },
    'reads the in-process destinations',
  );
  const client = await RawClient.connect(proxy.port);
  cleanups.push(async () => {
    client.close();
    await proxy.close();
  });
  return { proxy, client };
}

function destinations(proxy: TestProxy): Destination[] {
  return [...proxy.server.destinations.all()];
}

/** `get key` on a TLS memcached directly, trusting the test CA. */
async function directTlsGet(m: Memcached, key: string): Promise<string> {
  const c = await RawClient.connectTls(m.port, { ca: readFileSync(certs.ca) });
  c.send(`get ${key}\r\n`);
  const r = await c.readUntil('END\r\n');
  c.close();
  return r;
}

describe('handshake and traffic', () => {
  test('pool security_mech "ssl": sets and gets go over TLS to memcached', async () => {
    const { proxy, client } = await setup({ A: { servers: [tlsMc.address], security_mech: 'ssl' } });
    expect(await client.ask('set tls:1 5 0 5\r\nhello\r\n')).toBe('STORED\r\n');
    expect(await client.ask('get tls:1\r\n')).toBe('VALUE tls:1 5 5\r\nhello\r\nEND\r\n');
    expect(await directTlsGet(tlsMc, 'tls:1')).toBe('VALUE tls:1 5 5\r\nhello\r\nEND\r\n');
    const [d] = destinations(proxy) as [Destination];
    expect(d.key).toBe(`${tlsMc.address}:ascii:ssl:notcompressed-1000`);
    expect(d.tlsHandshakes).toBe(1);
  });

  test('server-string forms: host:port:ascii:ssl, and :tls with a host name verified through SNI', async () => {
    const { proxy, client } = await setup({
      A: { servers: [`${tlsMc.address}:ascii:ssl`] },
      B: { servers: [`localhost:${tlsMc.port}:ascii:tls`] },
    });
    expect(await client.ask('set tls:2 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    expect(await client.ask('get tls:2\r\n')).toBe('VALUE tls:2 0 1\r\nx\r\nEND\r\n');
    expect(destinations(proxy).map((d) => [d.key, d.tlsHandshakes])).toEqual([
      [`${tlsMc.address}:ascii:ssl:notcompressed-1000`, 1],
      [`localhost:${tlsMc.port}:ascii:ssl:notcompressed-1000`, 1],
    ]);
  });

  test('a plain and a TLS destination to one host:port are two destinations', async () => {
    const { proxy } = await setup({
      A: { servers: [tlsMc.address], security_mech: 'ssl' },
      P: { servers: [tlsMc.address] },
    });
    const keys = destinations(proxy).map((d) => d.key);
    expect(keys).toEqual([
      `${tlsMc.address}:ascii:ssl:notcompressed-1000`,
      `${tlsMc.address}:ascii:plain:notcompressed-1000`,
    ]);
  });
});

describe('session resumption', () => {
  test("a second connection to the server resumes the first one's TLS session", async () => {
    const { proxy, client } = await setup({
      A: { servers: [tlsMc.address], security_mech: 'ssl', server_timeout: 1000 },
      B: { servers: [tlsMc.address], security_mech: 'ssl', server_timeout: 1001 },
    });
    // Two timeouts: two destinations, two connections (mcrouter's destination key).
    expect(await client.ask('set tls:r 0 0 1\r\nr\r\n')).toBe('STORED\r\n');
    expect(await client.ask('get tls:r\r\n')).toBe('VALUE tls:r 0 1\r\nr\r\nEND\r\n');
    const [da, db] = destinations(proxy) as [Destination, Destination];
    expect([da.tlsHandshakes, da.tlsResumed]).toEqual([1, 0]);
    expect([db.tlsHandshakes, db.tlsResumed]).toEqual([1, 1]);
  });

  test('--ssl-connection-cache=false: every connection pays a full handshake', async () => {
    const { proxy, client } = await setup(
      {
        A: { servers: [tlsMc.address], security_mech: 'ssl', server_timeout: 1000 },
        B: { servers: [tlsMc.address], security_mech: 'ssl', server_timeout: 1001 },
      },
      { sslConnectionCache: false },
    );
    expect(await client.ask('set tls:n 0 0 1\r\nn\r\n')).toBe('STORED\r\n');
    expect(await client.ask('get tls:n\r\n')).toBe('VALUE tls:n 0 1\r\nn\r\nEND\r\n');
    const [, db] = destinations(proxy) as [Destination, Destination];
    expect([db.tlsHandshakes, db.tlsResumed]).toEqual([1, 0]);
  });
});

describe('verification failures fail the destination, visibly', () => {
  const cases: [string, () => Promise<Memcached>, () => Partial<ProxyOptions>, string, RegExp][] = [
    [
      'wrong CA (--pem-ca-path names another CA)',
      () => Promise.resolve(tlsMc),
      () => ({ pemCaPath: certs.otherCa }),
      '127.0.0.1',
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate/,
    ],
    [
      "wrong CA (Node's bundled roots do not know the test CA)",
      () => Promise.resolve(tlsMc),
      () => ({ pemCaPath: '' }),
      '127.0.0.1',
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify the first certificate/,
    ],
    [
      'wrong name (the certificate is for wrong.example)',
      () => Memcached.start(memcachedTlsArgs(certs.wrongName)),
      () => ({}),
      'localhost',
      /ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match certificate's altnames: Host: localhost/,
    ],
    [
      'expired certificate',
      () => Memcached.start(memcachedTlsArgs(certs.expired)),
      () => ({}),
      '127.0.0.1',
      /CERT_HAS_EXPIRED: certificate has expired/,
    ],
  ];
  test.each(cases)(
    '%s: SERVER_ERROR naming the reason, a log line, TKO; the proxy keeps serving',
    async (_name, server, options, host, reason) => {
      const mc = await server();
      if (mc !== tlsMc) cleanups.push(() => mc.stop());
      const logs = new LogCapture();
      cleanups.push(() => {
        logs.restore();
        return Promise.resolve();
      });
      const { proxy, client } = await setup({ A: { servers: [`${host}:${mc.port}:ascii:ssl`] } }, options());
      const reply = await client.ask('get k\r\n');
      expect(reply).toMatch(/^SERVER_ERROR AsyncSocketException: SSL connect failed, type = SSL error, /);
      expect(reply).toMatch(reason);
      const line = logs.lines.find((l) => l.event === 'tls_connect_failed');
      expect(line?.destination).toBe(`${host}:${mc.port}`);
      expect(String(line?.reason)).toMatch(reason);
      // Marked down: the next request fails at once, without a connection attempt.
      expect(await client.ask('get k\r\n')).toBe(
        'SERVER_ERROR Server unavailable. Reason: mc_res_connect_error\r\n',
      );
      const [d] = destinations(proxy) as [Destination];
      expect([d.connectionsOpened, d.tlsHandshakes]).toEqual([0, 0]);
      // And the proxy still answers.
      expect(await client.ask('version\r\n')).toMatch(/^VERSION /);
    },
  );

  test('a TLS destination to a plain memcached fails the handshake, never hangs', async () => {
    const plain = await Memcached.start();
    cleanups.push(() => plain.stop());
    const { client } = await setup(
      { A: { servers: [plain.address], security_mech: 'ssl' } },
      { serverTimeoutMs: 300 },
    );
    const t0 = performance.now();
    const reply = await client.ask('get k\r\n');
    expect(reply).toMatch(/^SERVER_ERROR /);
    expect(reply).toMatch(/SSL|Timed out/);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('TKO, probes and restarts over TLS', () => {
  test('a hung TLS server: soft TKO, probes on fresh connections that resume the session, recovery', async () => {
    const mc = await Memcached.start(memcachedTlsArgs(certs.server));
    cleanups.push(() => mc.stop());
    // Replies time out in 200 ms (timers never fire early); connecting, a TLS handshake that may
    // wait for a core on a loaded machine, gets 10 s.
    const { proxy, client } = await setup(
      { A: { servers: [mc.address], security_mech: 'ssl', connect_timeout: 10_000 } },
      { serverTimeoutMs: 200, probeTimeoutInitialMs: 100, probeTimeoutMaxMs: 200 },
    );
    // A set that memcached answers after the 200 ms timeout (starved of CPU) is sent again.
    await vi.waitFor(
      async () => {
        expect(await client.ask('set k 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
      },
      { timeout: 10_000 },
    );
    await mc.pause();
    try {
      for (let i = 0; i < 3; i++)
        expect(await client.ask('get k\r\n')).toBe('SERVER_ERROR Reply timeout\r\n');
      expect(await client.ask('get k\r\n')).toBe(
        'SERVER_ERROR Server unavailable. Reason: mc_res_timeout\r\n',
      );
      const [d] = destinations(proxy) as [Destination];
      // A probe timed out and reset the connection: the next probe opens a new one.
      await vi.waitFor(
        () => {
          expect(d.probesSent).toBeGreaterThanOrEqual(2);
        },
        { timeout: 5000 },
      );
    } finally {
      mc.signal('SIGCONT');
    }
    await vi.waitFor(
      async () => {
        expect(await client.ask('get k\r\n')).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
      },
      { timeout: 15_000, interval: 20 },
    );
    const [d] = destinations(proxy) as [Destination];
    expect(d.tlsHandshakes).toBeGreaterThanOrEqual(2);
    // Reconnects and probes resumed the first connection's session (socket.isSessionReused()).
    expect(d.tlsResumed).toBe(d.tlsHandshakes - 1);
  });

  test('a TLS backend killed and restarted under load: one reply per request, in order', async () => {
    const [a, b] = await Promise.all([
      Memcached.start(memcachedTlsArgs(certs.server)),
      Memcached.start(memcachedTlsArgs(certs.server)),
    ]);
    cleanups.push(() => Promise.all([a.stop(), b.stop()]).then(() => undefined));
    const { proxy } = await setup(
      { A: { servers: [a.address, b.address], security_mech: 'ssl' } },
      // The fault is a kill (refused and reset connections fail at once): a's requests must never
      // time out, also when memcached waits for a core on a loaded machine (it was 300 ms).
      { serverTimeoutMs: 10_000, probeTimeoutInitialMs: 100, probeTimeoutMaxMs: 200 },
    );
    const split = keysByServer(200);
    const c = await RawClient.connect(proxy.port);
    for (const k of split.flat())
      expect(await c.ask(`set ${k} 0 0 ${k.length}\r\n${k}\r\n`)).toBe('STORED\r\n');
    c.close();
    const load = twoServerLoad(proxy.port, 8, 16, split);
    await vi.waitFor(
      () => {
        expect(load.tally.of('b').ok).toBeGreaterThan(200);
      },
      { timeout: 10_000 },
    );
    await b.kill();
    await vi.waitFor(
      () => {
        expect(load.tally.of('b').error).toBeGreaterThan(0);
      },
      { timeout: 10_000 },
    );
    await b.restart();
    const okBefore = load.tally.of('b').ok;
    await vi.waitFor(
      () => {
        expect(load.tally.of('b').ok).toBeGreaterThan(okBefore + 200);
      },
      { timeout: 10_000 },
    );
    const tally = await load.stop();
    // b restarted empty: its gets may miss until a set refills the key, never another key's value.
    expect(tally.wrongSamples.filter((w) => !w.startsWith('b: "END'))).toEqual([]);
    expect(tally.replies).toBe(tally.sent);
    expect(tally.of('a').error).toBe(0);
    expect(tally.of('a').wrong).toBe(0);
    expect(tally.of('a').ok).toBeGreaterThan(500);
  });
});

describe('the seed route with central on TLS memcached', () => {
  test('sets reach central over TLS; a local miss is warmed from central', async () => {
    const [local, peer, central] = await Promise.all([
      Memcached.start(),
      Memcached.start(),
      Memcached.start(memcachedTlsArgs(certs.server)),
    ]);
    cleanups.push(() => Promise.all([local.stop(), peer.stop(), central.stop()]).then(() => undefined));
    const cfg = colocatedConfig(local.address, [local.address, peer.address], [central.address]);
    cfg.pools = {
      ...(cfg.pools as Record<string, unknown>),
      central: { servers: [central.address], security_mech: 'ssl' },
    };
    const proxy = await startProxy(
      cfg,
      { pemCaPath: certs.ca, serverTimeoutMs: 500 },
      'reads the in-process destinations',
    );
    cleanups.push(() => proxy.close());
    const app = await RawClient.connect(proxy.port);
    cleanups.push(() => {
      app.close();
      return Promise.resolve();
    });
    expect(await app.ask('set seed:1 7 0 4\r\nseed\r\n')).toBe('STORED\r\n');
    await vi.waitFor(
      async () => {
        expect(await directTlsGet(central, 'seed:1')).toBe('VALUE seed:1 7 4\r\nseed\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
    // A key only central has: served from central, then filled into local.
    const w = await RawClient.connectTls(central.port, { ca: readFileSync(certs.ca) });
    expect(await w.ask('set seed:2 0 0 7\r\ncentral\r\n')).toBe('STORED\r\n');
    w.close();
    expect(await app.ask('get seed:2\r\n')).toBe('VALUE seed:2 0 7\r\ncentral\r\nEND\r\n');
    await vi.waitFor(
      async () => {
        expect(await directGet(local, 'seed:2')).toBe('VALUE seed:2 0 7\r\ncentral\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
    const tlsDest = destinations(proxy).find((d) => d.settings.address.securityMech === 'ssl');
    expect(tlsDest?.hostPort).toBe(central.address);
  });
});
