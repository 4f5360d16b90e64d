/**
 * libmemcached's compliance suite, memcapable (Debian libmemcached-tools: `memccapable`), through
 * mcproxy started with --enable-flush-cmd over a PoolRoute to a real memcached: every ASCII (-a)
 * and binary (-b) test passes, as against memcached itself.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';

const run = promisify(execFile);

let mc: Memcached;
let proxy: TestProxy;
beforeAll(async () => {
  mc = await Memcached.start();
  proxy = await startProxy(
    { pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' },
    { enableFlushCmd: true },
  );
});
afterAll(async () => {
  await proxy.close();
  await mc.stop();
});

test.each([
  ['ascii', '-a'],
  ['binary', '-b'],
])('memcapable %s: every test passes (exit 0)', async (_name, flag) => {
  const { stdout } = await run(
    'memccapable',
    ['-h', '127.0.0.1', '-p', String(proxy.port), flag, '-t', '5'],
    {
      timeout: 60_000,
    },
  );
  expect(stdout).not.toContain('[FAIL]');
  expect(stdout).toContain('All tests passed');
});
