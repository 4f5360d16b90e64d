/**
 * docker/healthcheck, the image's HEALTHCHECK (and the ECS/Kubernetes probes), run for real with
 * bash against a real memcached, a server that never answers and one that answers wrongly.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';

const SCRIPT = join(REPO_ROOT, 'docker/healthcheck');
let mc: Memcached;
const servers: Server[] = [];

beforeAll(async () => {
  mc = await Memcached.start();
});
afterAll(async () => {
  await mc.kill();
  for (const s of servers) s.close();
});

/** Runs the script (asynchronously: the test's own servers answer from this event loop). */
function check(
  port: number,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [SCRIPT],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', MCROUTER_PORT: String(port), ...env } },
      (err, _stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr });
      },
    );
  });
}

async function server(onData: (write: (s: string) => void) => void): Promise<number> {
  const port = await freePort();
  const s = createServer((sock) => {
    sock.on('data', () => {
      onData((text) => sock.write(text));
    });
    sock.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
  return port;
}

test('healthy when the served port answers VERSION; nothing on stderr', async () => {
  expect(await check(mc.port)).toEqual({ code: 0, stderr: '' });
});

test('unhealthy: nothing listening, no reply within the timeout, a wrong reply', async () => {
  const closed = await freePort();
  expect(await check(closed)).toEqual({
    code: 1,
    stderr: `unhealthy: cannot connect to 127.0.0.1:${closed}\n`,
  });

  const silent = await server(() => undefined);
  const started = Date.now();
  expect(await check(silent, { MCSIDECAR_HEALTHCHECK_TIMEOUT_MS: '300' })).toEqual({
    code: 1,
    stderr: `unhealthy: no reply to version from 127.0.0.1:${silent} within 300 ms\n`,
  });
  expect(Date.now() - started).toBeLessThan(5000);

  const wrong = await server((write) => {
    write('SERVER_ERROR out of memory\r\n');
  });
  expect(await check(wrong)).toEqual({
    code: 1,
    stderr: `unhealthy: 127.0.0.1:${wrong} answered SERVER_ERROR out of memory\n`,
  });
});
