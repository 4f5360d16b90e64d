import { afterAll, beforeAll, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

let mc: Memcached;
let proxy: TestProxy;
beforeAll(async () => {
  mc = await Memcached.start();
  proxy = await startProxy({ pools: { local: { servers: [mc.address] } }, route: 'PoolRoute|local' });
});
afterAll(async () => {
  await proxy.close();
  await mc.stop();
});

test('smoke', async () => {
  const c = await RawClient.connect(proxy.port);
  expect(await c.call('set a 5 0 3\r\nabc\r\n', 'STORED\r\n')).toBe('STORED\r\n');
  expect(await c.call('get a\r\n', 'VALUE a 5 3\r\nabc\r\nEND\r\n')).toBe('VALUE a 5 3\r\nabc\r\nEND\r\n');
  expect(await c.call('get a b a\r\n', 'VALUE a 5 3\r\nabc\r\nVALUE a 5 3\r\nabc\r\nEND\r\n')).toBe(
    'VALUE a 5 3\r\nabc\r\nVALUE a 5 3\r\nabc\r\nEND\r\n',
  );
  c.close();
});
