/**
 * `get __mcrouter__.<cmd>` over the wire (`mcrouter/ServiceInfo-inl.h`), on real memcached processes: byte-exact
 * replies (always a hit, flags 0), admin keys inside multi-gets, keys that only look like admin
 * keys are forwarded, dry runs send nothing, and `route(set,k)` names the memcached where a set
 * through the proxy actually lands.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { directGet } from '../helpers/direct.js';
import { freePort } from '../helpers/ports.js';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';
import { VERSION_STRING } from '../../proxy/version.js';

let mcs: Memcached[];
let proxy: TestProxy;
let client: RawClient;
const config = (): unknown => ({
  pools: { A: { servers: mcs.map((m) => m.address) } },
  route: 'PoolRoute|A',
});

/** The reply to `get <key>` when it is a hit with `value` (flags 0). */
const hit = (key: string, value: string): string =>
  `VALUE ${key} 0 ${Buffer.byteLength(value, 'latin1')}\r\n${value}\r\nEND\r\n`;

beforeAll(async () => {
  mcs = await Promise.all([Memcached.start(), Memcached.start(), Memcached.start()]);
  proxy = await startProxy(config());
  client = await RawClient.connect(proxy.port);
});
afterAll(async () => {
  client.close();
  await proxy.close();
  await Promise.all(mcs.map((m) => m.stop()));
});

/** Sends `stats` on a separate connection and returns the value of `name`. */
async function statValue(port: number, name: string): Promise<string | undefined> {
  const c = await RawClient.connect(port);
  c.send('stats all\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  return new RegExp(`^STAT ${name} (.*)\r$`, 'm').exec(text)?.[1];
}

describe('the reply', () => {
  test('a hit with flags 0, byte for byte; errors as value text', async () => {
    expect(await client.ask('get __mcrouter__.version\r\n')).toBe(
      hit('__mcrouter__.version', VERSION_STRING),
    );
    expect(await client.ask('get __mcrouter__.foo\r\n')).toBe(
      hit('__mcrouter__.foo', 'ERROR: unknown command: foo'),
    );
    expect(await client.ask('get __mcrouter__.config_file\r\n')).toBe(
      hit('__mcrouter__.config_file', 'ERROR: no config file found!'),
    );
    const md5 = createHash('md5').update(JSON.stringify(config())).digest('hex');
    expect(await client.ask('get __mcrouter__.config_md5_digest\r\n')).toBe(
      hit('__mcrouter__.config_md5_digest', md5),
    );
  });

  test('multi-line values (route_handles, options, pools) keep their newlines; one trailing newline is stripped', async () => {
    const tree = await client.ask('get __mcrouter__.route_handles(get,abc)\r\n');
    expect(tree).toMatch(
      /^VALUE __mcrouter__\.route_handles\(get,abc\) 0 \d+\r\nroot\n selection\|hash\|Ch3\n {2}host\|pool=A\|id=\d\|ap=127\.0\.0\.1:\d+:ascii:plain:notcompressed\|timeout=1000ms\|keep_routing_prefix=false\r\nEND\r\n$/,
    );
    const options = await client.ask('get __mcrouter__.options\r\n');
    expect(options).toContain('\nserver_timeout_ms 1000\n');
    expect(options).not.toContain('\n\r\nEND');
    expect(
      JSON.parse(/\r\n([\s\S]*)\r\nEND\r\n$/.exec(await client.ask('get __mcrouter__.pools\r\n'))?.[1] ?? ''),
    ).toEqual({
      A: mcs.map(
        (m, i) =>
          `host|pool=A|id=${i}|ap=${m.address}:ascii:plain:notcompressed|timeout=1000ms|keep_routing_prefix=false`,
      ),
    });
  });

  test('in a multi-get, each admin key answers as its own hit, in key order', async () => {
    const r = await client.ask('get miss1 __mcrouter__.version miss2 __mcrouter__.hostid\r\n');
    const hostid = /VALUE __mcrouter__\.hostid 0 \d+\r\n(\d+)\r\n/.exec(r)?.[1] ?? 'none';
    expect(r).toBe(
      `VALUE __mcrouter__.version 0 ${VERSION_STRING.length}\r\n${VERSION_STRING}\r\n` +
        `VALUE __mcrouter__.hostid 0 ${hostid.length}\r\n${hostid}\r\nEND\r\n`,
    );
  });

  test('only plain get: gets, gat and a routing prefix reach memcached like any key', async () => {
    expect(await client.ask('gets __mcrouter__.version\r\n')).toBe('END\r\n');
    expect(await client.ask('gat 0 __mcrouter__.version\r\n')).toBe('END\r\n');
    expect(await client.ask('get /a/b/__mcrouter__.version\r\n')).toBe(
      'SERVER_ERROR RootRoute: No rh found\r\n',
    );
    expect(await client.ask('set __mcrouter__.version 0 0 4\r\nmine\r\n')).toBe('STORED\r\n');
    expect(await client.ask('gets __mcrouter__.version\r\n')).toMatch(
      /^VALUE __mcrouter__\.version 0 4 \d+\r\nmine\r\nEND\r\n$/,
    );
    expect(await client.ask('get __mcrouter__.version\r\n')).toBe(
      hit('__mcrouter__.version', VERSION_STRING),
    );
  });

  test('admin gets count in request_sent, not in cmd_get_count', async () => {
    const gets = Number(await statValue(proxy.port, 'cmd_get_count'));
    const sent = Number(await statValue(proxy.port, 'request_sent_count'));
    await client.ask('get __mcrouter__.version\r\n');
    await client.ask('get __mcrouter__.config_age\r\n');
    expect(Number(await statValue(proxy.port, 'cmd_get_count'))).toBe(gets);
    expect(Number(await statValue(proxy.port, 'request_sent_count'))).toBe(sent + 2);
  });
});

describe('route(op,key)', () => {
  test('names the memcached where a set through the proxy lands, for 60 keys', async () => {
    for (let i = 0; i < 60; i++) {
      const key = `user:${i}:profile`;
      const where = /\r\n(.*)\r\nEND\r\n$/.exec(
        await client.ask(`get __mcrouter__.route(set,${key})\r\n`),
      )?.[1];
      const owner = mcs.find((m) => m.address === where);
      expect(owner, `${key} → ${where}`).toBeDefined();
      expect(await client.ask(`set ${key} 0 0 2\r\nv${i % 10}\r\n`)).toBe('STORED\r\n');
      for (const m of mcs) {
        expect(await directGet(m, key)).toBe(
          m === owner ? `VALUE ${key} 0 2\r\nv${i % 10}\r\nEND\r\n` : 'END\r\n',
        );
      }
    }
  });

  test('a dry run sends nothing: the destinations stay new and memcached sees no command', async () => {
    const fresh = await Memcached.start();
    const p = await startProxy(
      {
        pools: { F: { servers: [fresh.address] } },
        route: { type: 'AllFastestRoute', children: ['PoolRoute|F', 'Pool|F'] },
      },
      {},
      'reads the in-process destinations',
    );
    const c = await RawClient.connect(p.port);
    expect(await c.ask('get __mcrouter__.route(set,k1)\r\n')).toBe(
      hit('__mcrouter__.route(set,k1)', `${fresh.address}\r\n${fresh.address}`),
    );
    expect(await c.ask('get __mcrouter__.route_handles(delete,k1)\r\n')).toContain('all-fastest');
    c.send('stats servers\r\n');
    expect(await c.readUntil('END\r\n')).toMatch(/ new:1\r\nEND\r\n$/);
    const direct = await RawClient.connect(fresh.port);
    direct.send('stats\r\n');
    const st = await direct.readUntil('END\r\n');
    direct.close();
    expect(st).toMatch(/\r\nSTAT cmd_set 0\r\n/);
    expect(st).toMatch(/\r\nSTAT cmd_get 0\r\n/);
    expect([...p.server.destinations.all()].map((d) => d.connectionsOpened)).toEqual([0]);
    c.close();
    await p.close();
    await fresh.stop();
  });
});

describe('a file config', () => {
  test('config_file, config_sources_info, preprocessed_config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-file-'));
    try {
      const pool = join(dir, 'pool.json');
      const poolText = JSON.stringify({ servers: [mcs[0]?.address] });
      writeFileSync(pool, poolText);
      const main = join(dir, 'mcrouter.json');
      const mainText =
        '{\n  // the pool comes from a file\n  "pools": {"A": "@import(pool.json)"},\n  "route": "PoolRoute|A"\n}\n';
      writeFileSync(main, mainText);
      const port = await freePort();
      const server = new ProxyServer(
        { ...DEFAULT_OPTIONS, listenAddresses: ['127.0.0.1'], ports: [port], config: `file:${main}` },
        { text: mainText, path: main },
      );
      await server.listen();
      const c = await RawClient.connect(port);
      const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
      expect(await c.ask('get __mcrouter__.config_file\r\n')).toBe(hit('__mcrouter__.config_file', main));
      const sources = `{\n  "config_file": ${JSON.stringify(main)},\n  "config_import": {\n    ${JSON.stringify(pool)}: "${md5(poolText)}"\n  },\n  "mcrouter_config": "${md5(mainText)}"\n}`;
      expect(await c.ask('get __mcrouter__.config_sources_info\r\n')).toBe(
        hit('__mcrouter__.config_sources_info', sources),
      );
      const pre = `{\n  "pools": {\n    "A": {\n      "servers": [\n        "${mcs[0]?.address}"\n      ]\n    }\n  },\n  "route": "PoolRoute|A"\n}`;
      expect(await c.ask('get __mcrouter__.preprocessed_config\r\n')).toBe(
        hit('__mcrouter__.preprocessed_config', pre),
      );
      c.close();
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
