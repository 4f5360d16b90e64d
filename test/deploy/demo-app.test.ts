/**
 * The demo application of the Elastic Beanstalk bundle (deploy/beanstalk/demo/app/server.mjs),
 * run for real against a real memcached: it renders a page, counts renders with incr, stores the
 * page under the key nginx's memcached_pass reads (demo:page:<path>), and its /healthz follows
 * the cache.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { Spawned } from '../helpers/process.js';

let mc: Memcached;
let app: Spawned;
let port: number;

beforeAll(async () => {
  mc = await Memcached.start();
  port = await freePort();
  app = new Spawned(
    spawn(process.execPath, [join(REPO_ROOT, 'deploy/beanstalk/demo/app/server.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        MEMCACHED_HOST: '127.0.0.1',
        MEMCACHED_PORT: String(mc.port),
        PORT: String(port),
        PAGE_TTL: '30',
      },
    }),
  );
  await waitForPort(port);
});
afterAll(async () => {
  app.proc.kill('SIGTERM');
  await app.exited;
  await mc.kill();
});

/** `get key` on the memcached, the value or null. */
function get(key: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const sock = connect(mc.port, '127.0.0.1');
    let text = '';
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (text.endsWith('END\r\n')) {
        sock.end();
        const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(text);
        resolve(m === null ? null : text.slice(m[0].length, m[0].length + Number(m[1])));
      }
    });
    sock.write(`get ${key}\r\n`);
  });
}

test('renders, counts and stores the page where nginx reads it', async () => {
  const first = await fetch(`http://127.0.0.1:${port}/products/42`);
  expect(first.status).toBe(200);
  const body = await first.text();
  expect(body).toContain('for /products/42; rendered 1 times so far.');
  expect(await get('demo:page:/products/42')).toBe(body);
  expect(await get('demo:hits')).toBe('1');

  const second = await (await fetch(`http://127.0.0.1:${port}/products/42`)).text();
  expect(second).toContain('rendered 2 times so far.');
  expect(await get('demo:hits')).toBe('2');
  expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).text()).toBe('ok\n');
});

test('a path too long for a memcached key is served, not stored', async () => {
  const path = `/${'x'.repeat(260)}`;
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  expect(r.status).toBe(200);
  expect(await get('demo:hits')).toBe('3');
});

test('with the cache gone: 503 with the reason, for pages and /healthz', async () => {
  await mc.kill();
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(503);
  expect(await health.text()).toMatch(/^cache unavailable: connect ECONNREFUSED/);
  expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(503);
});
