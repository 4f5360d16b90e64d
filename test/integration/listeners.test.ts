/**
 * Listeners and destinations beyond one TCP port: `-p` with several ports, `--unix-domain-sock`,
 * unix-socket servers in a pool, and one shared backend connection per server.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';

let mc: Memcached;
let dir: string;
beforeAll(async () => {
  mc = await Memcached.start();
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-test-'));
});
afterAll(async () => {
  await mc.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('several ports and a unix socket serve the same routes', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const sock = join(dir, 'proxy.sock');
  const server = new ProxyServer(
    { ...DEFAULT_OPTIONS, ports: [p1, p2], listenAddresses: ['127.0.0.1'], unixDomainSock: sock },
    { text: JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }), path: null },
  );
  const bound = await server.listen();
  expect(bound).toEqual([`127.0.0.1:${p1}`, `127.0.0.1:${p2}`, sock]);
  const a = await RawClient.connect(p1);
  const b = await RawClient.connect(p2);
  const u = await RawClient.connect(sock);
  expect(await a.call('set multi 0 0 1\r\n1\r\n', 'STORED\r\n')).toBe('STORED\r\n');
  expect(await b.call('get multi\r\n', 'VALUE multi 0 1\r\n1\r\nEND\r\n')).toBe(
    'VALUE multi 0 1\r\n1\r\nEND\r\n',
  );
  expect(await u.call('get multi\r\n', 'VALUE multi 0 1\r\n1\r\nEND\r\n')).toBe(
    'VALUE multi 0 1\r\n1\r\nEND\r\n',
  );
  for (const c of [a, b, u]) c.close();
  await server.close();
});

test('a unix-socket memcached works as a pool server (unix:/path)', async () => {
  const sock = join(dir, 'memcached.sock');
  const args = ['-s', sock, '-a', '0700'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child: ChildProcess = spawn('memcached', args, { stdio: 'ignore' });
  try {
    // memcached creates the socket before accepting; connect until it does.
    for (let i = 0; i < 200; i++) {
      try {
        (await RawClient.connect(sock)).close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const port = await freePort();
    const server = new ProxyServer(
      { ...DEFAULT_OPTIONS, ports: [port], listenAddresses: ['127.0.0.1'] },
      {
        text: JSON.stringify({ pools: { U: { servers: [`unix:${sock}`] } }, route: 'PoolRoute|U' }),
        path: null,
      },
    );
    await server.listen();
    const c = await RawClient.connect(port);
    expect(
      await c.call(
        'set viaunix 0 0 2\r\nok\r\nget viaunix\r\n',
        'STORED\r\nVALUE viaunix 0 2\r\nok\r\nEND\r\n',
      ),
    ).toBe('STORED\r\nVALUE viaunix 0 2\r\nok\r\nEND\r\n');
    c.close();
    await server.close();
  } finally {
    child.kill('SIGKILL');
  }
});

test('the same server in two pools, and many clients, share one backend connection', async () => {
  const port = await freePort();
  const server = new ProxyServer(
    { ...DEFAULT_OPTIONS, ports: [port], listenAddresses: ['127.0.0.1'] },
    {
      text: JSON.stringify({
        pools: { A: { servers: [mc.address] }, B: { servers: [mc.address] } },
        route: {
          type: 'OperationSelectorRoute',
          default_policy: 'PoolRoute|A',
          operation_policies: { set: 'PoolRoute|B' },
        },
      }),
      path: null,
    },
  );
  await server.listen();
  const stats = await RawClient.connect(mc.port);
  stats.send('stats\r\n');
  const conns0 = Number(/STAT total_connections (\d+)/.exec(await stats.readUntil('END\r\n'))?.[1]);
  const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(port)));
  await Promise.all(
    clients.map(async (c, i) => {
      expect(
        await c.call(
          `set shared${i} 0 0 1\r\nx\r\nget shared${i}\r\n`,
          `STORED\r\nVALUE shared${i} 0 1\r\nx\r\nEND\r\n`,
        ),
      ).toBe(`STORED\r\nVALUE shared${i} 0 1\r\nx\r\nEND\r\n`);
    }),
  );
  stats.send('stats\r\n');
  const conns1 = Number(/STAT total_connections (\d+)/.exec(await stats.readUntil('END\r\n'))?.[1]);
  expect(conns1 - conns0).toBe(1);
  expect([...server.destinations.all()]).toHaveLength(1);
  for (const c of [...clients, stats]) c.close();
  await server.close();
});
