/**
 * `--listen-sock-fd` (mcrouter's standalone option; what its test harness and systemd socket
 * activation use): the proxy serves a listening socket it inherits as a file descriptor.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { REPO_ROOT } from '../helpers/config.js';
import { Spawned } from '../helpers/process.js';

// Under --num-proxies every worker accepts on the socket (the primary hands it on at the same fd).
test.each([
  { fd: 3, args: [] as string[] },
  { fd: 5, args: ['--num-proxies', '2'] },
])('an inherited listening socket (fd $fd, $args) is served', async ({ fd: childFd, args }) => {
  const mc = await Memcached.start();
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  // The listening socket's descriptor, handed to the child as its fd 3 (Node has no public getter).
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  const config = JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' });
  const p = new Spawned(
    spawn(
      process.execPath,
      ['--import', 'tsx', 'proxy/cli.ts', '--listen-sock-fd', String(childFd), ...args, '--config', config],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(childFd - 3).fill('ignore'), fd],
      },
    ),
  );
  // The parent stops listening; only the child's copy of the socket remains.
  listener.close();
  try {
    await p.waitForOutput('"event":"startup"');
    // Several connections: under --num-proxies they spread over the workers.
    for (let i = 0; i < 4; i++) {
      const c = await RawClient.connect(port);
      expect(await c.ask(`set k${i} 0 0 1\r\nv\r\n`)).toBe('STORED\r\n');
      expect(await c.ask(`get k${i}\r\n`)).toBe(`VALUE k${i} 0 1\r\nv\r\nEND\r\n`);
      c.close();
    }
  } finally {
    p.proc.kill('SIGKILL');
    await mc.stop();
  }
});
