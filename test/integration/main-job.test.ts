/**
 * The main job (`npm start` → mcsidecar): memcached behind the proxy, both supervised.
 */
import { expect, test } from 'vitest';
import { freePort, isPortClosed, waitForPort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs } from '../helpers/process.js';

const MAIN = 'proxy/sidecar/main.ts';

test('serves memcached traffic through the proxy; SIGTERM stops both and exits 0', async () => {
  const [proxyPort, mcPort] = [await freePort(), await freePort()];
  const p = runTs(MAIN, [
    '-p',
    String(proxyPort),
    '--memcached-port',
    String(mcPort),
    '--listen-addresses',
    '127.0.0.1',
  ]);
  await p.waitForOutput('serving');
  await waitForPort(proxyPort);
  const c = await RawClient.connect(proxyPort);
  expect(
    await c.call('set main 0 0 3\r\njob\r\nget main\r\n', 'STORED\r\nVALUE main 0 3\r\njob\r\nEND\r\n'),
  ).toBe('STORED\r\nVALUE main 0 3\r\njob\r\nEND\r\n');
  // The value lives in the memcached behind the proxy.
  const d = await RawClient.connect(mcPort);
  expect(await d.call('get main\r\n', 'VALUE main 0 3\r\njob\r\nEND\r\n')).toBe(
    'VALUE main 0 3\r\njob\r\nEND\r\n',
  );
  d.close();
  c.close();
  p.proc.kill('SIGTERM');
  expect(await p.exited).toEqual({ code: 0, signal: null });
  expect(await isPortClosed(mcPort)).toBe(true);
  expect(await isPortClosed(proxyPort)).toBe(true);
});

test('the example config: npm start -- --config file:examples/colocated.json', async () => {
  const [proxyPort, mcPort] = [await freePort(), await freePort()];
  // The example points at 11212/11213; run the proxy against it as given, on our own ports.
  const p = runTs(MAIN, [
    '-p',
    String(proxyPort),
    '--memcached-port',
    String(mcPort),
    '--listen-addresses',
    '127.0.0.1',
    '--config',
    'file:examples/colocated.json',
  ]);
  await p.waitForOutput('serving');
  expect(p.stderr).toMatch(/"pools":\["local","peers","central"\]/);
  p.proc.kill('SIGTERM');
  expect((await p.exited).code).toBe(0);
});

test('if memcached dies, the proxy is stopped and the sidecar exits non-zero', async () => {
  const [proxyPort, mcPort] = [await freePort(), await freePort()];
  const p = runTs(MAIN, [
    '-p',
    String(proxyPort),
    '--memcached-port',
    String(mcPort),
    '--listen-addresses',
    '127.0.0.1',
  ]);
  await p.waitForOutput('serving');
  const pid = /"childPid":(\d+),"port":\d+,"msg":"memcached started"/.exec(p.stderr)?.[1];
  expect(pid).toBeDefined();
  process.kill(Number(pid), 'SIGKILL');
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toContain('memcached exited; stopping the sidecar');
  expect(await isPortClosed(proxyPort)).toBe(true);
});

test('a clear message when memcached is not installed', async () => {
  const p = runTs(MAIN, ['-p', String(await freePort()), '--memcached-bin', 'memcached-not-installed']);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toContain('memcached-not-installed not found in PATH: install memcached');
});
