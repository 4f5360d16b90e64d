/**
 * TLS on the proxy's own ports (`--ssl-port`, docs/tls.md): plain and TLS ports side by side, session
 * resumption for clients, client certificates with `--ssl-require-peer-certs`, and start-up errors
 * for missing or unreadable certificate files (exit 3, the option named).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { runTs, spawnProxy } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs.js';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';

let mc: Memcached;
let certs: TestCerts;
let ca: Buffer;
beforeAll(async () => {
  certs = makeTestCerts();
  ca = readFileSync(certs.ca);
  mc = await Memcached.start();
});
afterAll(async () => {
  await mc.stop();
});

const config = (): string =>
  JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' });

test('mcproxy -p P --ssl-port S: plain and TLS clients side by side; TLS clients resume sessions', async () => {
  const sslPort = await freePort();
  const { p, port } = await spawnProxy(config(), [
    '--ssl-port',
    String(sslPort),
    '--server-pem-cert-path',
    certs.server.cert,
    '--server-pem-key-path',
    certs.server.key,
  ]);
  try {
    await waitForPort(sslPort);
    const plain = await RawClient.connect(port);
    expect(await plain.ask('set side 3 0 4\r\nside\r\n')).toBe('STORED\r\n');
    const first = await RawClient.connectTls(sslPort, { ca });
    expect(first.socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    expect(await first.ask('get side\r\n')).toBe('VALUE side 3 4\r\nside\r\nEND\r\n');
    expect(await first.ask('set side2 0 0 3\r\ntls\r\n')).toBe('STORED\r\n');
    expect(first.socket.isSessionReused()).toBe(false);
    const session = first.socket.getSession();
    first.close();
    const second = await RawClient.connectTls(sslPort, { ca, ...(session ? { session } : {}) });
    expect(second.socket.isSessionReused()).toBe(true);
    expect(await second.ask('get side2\r\n')).toBe('VALUE side2 0 3\r\ntls\r\nEND\r\n');
    second.close();
    // Plain bytes on the TLS port: that connection ends, the proxy serves on.
    const wrong = await RawClient.connect(sslPort);
    wrong.send('get side\r\n');
    expect(await wrong.readUntil('END\r\n', 5000)).not.toContain('VALUE');
    await waitClosed(wrong);
    expect(await plain.ask('get side2\r\n')).toBe('VALUE side2 0 3\r\ntls\r\nEND\r\n');
    plain.close();
  } finally {
    p.proc.kill('SIGTERM');
    await p.exited;
  }
});

async function waitClosed(c: RawClient): Promise<void> {
  await c.readUntil('\u0000never', 5000);
  expect(c.closed).toBe(true);
}

test('--ssl-require-peer-certs: a client without a certificate signed by --server-pem-ca-path gets nothing', async () => {
  const sslPort = await freePort();
  const server = new ProxyServer(
    {
      ...DEFAULT_OPTIONS,
      listenAddresses: ['127.0.0.1'],
      sslPorts: [sslPort],
      serverPemCertPath: certs.server.cert,
      serverPemKeyPath: certs.server.key,
      serverPemCaPath: certs.ca,
      sslRequirePeerCerts: true,
    },
    { text: config(), path: null },
  );
  expect(await server.listen()).toEqual([`127.0.0.1:${sslPort}`]);
  try {
    const withCert = await RawClient.connectTls(sslPort, {
      ca,
      cert: readFileSync(certs.client.cert),
      key: readFileSync(certs.client.key),
    });
    expect(await withCert.ask('version\r\n')).toMatch(/^VERSION /);
    withCert.close();
    // TLS 1.3: the client's handshake ends before the server checks its (missing) certificate;
    // the server then refuses and closes without a reply.
    const outcome = await RawClient.connectTls(sslPort, { ca }).then(
      async (c) => {
        c.send('version\r\n');
        const reply = await c.readUntil('\r\n', 5000);
        return c.closed && reply === '' ? 'closed' : `served: ${reply}`;
      },
      () => 'refused',
    );
    expect(['closed', 'refused']).toContain(outcome);
  } finally {
    await server.close();
  }
});

test.each<[string, string[], RegExp]>([
  [
    '--ssl-port without a certificate',
    ['--ssl-port', '1'],
    /--ssl-port needs --server-pem-cert-path and --server-pem-key-path/,
  ],
  [
    'an unreadable --pem-ca-path',
    ['--pem-ca-path', '/nonexistent/ca.pem'],
    /--pem-ca-path \/nonexistent\/ca\.pem: cannot read \(ENOENT\)/,
  ],
  [
    'a --server-pem-key-path that is not PEM',
    ['--ssl-port', '1', '--server-pem-cert-path', 'CERT', '--server-pem-key-path', 'package.json'],
    /--server-pem-key-path package\.json: no PEM block in the file/,
  ],
  [
    'a key that does not match its certificate',
    ['--ssl-port', '1', '--server-pem-cert-path', 'CERT', '--server-pem-key-path', 'OTHERKEY'],
    /--server-pem-cert-path\/--server-pem-key-path\/--server-pem-ca-path: .*key values mismatch/,
  ],
])('%s: exit 3, the option named', async (_name, args, message) => {
  const resolved = args.map((a) =>
    a === 'CERT' ? certs.server.cert : a === 'OTHERKEY' ? certs.client.key : a,
  );
  const p = runTs('proxy/cli.ts', ['-p', String(await freePort()), '--config', config(), ...resolved]);
  expect((await p.exited).code).toBe(3);
  expect(p.stderr).toMatch(message);
});
