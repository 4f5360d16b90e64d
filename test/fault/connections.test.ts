/** 5,000 concurrent client connections against one proxy process. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import net from 'node:net';
import { Memcached } from '../helpers/memcached.js';
import { spawnProxy, type Spawned } from '../helpers/process.js';

let mc: Memcached;
let proxy: Spawned;
let port: number;
beforeAll(async () => {
  mc = await Memcached.start();
  // A burst of 5,000 clients on 2 cores can keep memcached busy past the default 1 s.
  ({ p: proxy, port } = await spawnProxy({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' }, [
    '--server-timeout',
    '20000',
  ]));
});
afterAll(async () => {
  proxy.proc.kill('SIGKILL');
  await mc.stop();
});

/** One client: connect, set its own key, read it back; resolves with what it read. */
function client(i: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const expected = `STORED\r\nVALUE c${i} 0 ${String(i).length}\r\n${i}\r\nEND\r\n`;
    s.on('connect', () => {
      s.write(`set c${i} 0 0 ${String(i).length}\r\n${i}\r\nget c${i}\r\n`);
    });
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= expected.length) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

test('5,000 clients connected at once each get their own replies', async () => {
  const n = 5000;
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => client(i)));
  const ms = performance.now() - t0;
  const wrong = results.filter(
    (r, i) => r !== `STORED\r\nVALUE c${i} 0 ${String(i).length}\r\n${i}\r\nEND\r\n`,
  );
  expect(wrong).toEqual([]);
  expect(ms).toBeLessThan(30_000);
}, 60_000);
