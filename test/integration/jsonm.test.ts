/**
 * A macro-heavy mcrouter config (JSONM, `mcrouter/lib/config/ConfigPreprocessor.cpp`) loaded by a real proxy from a file, in front
 * of real memcached: pools generated with `transform`/`foreach`/`range` from `--config-params`,
 * the central pool `@import`ed from a second file, the seed's route built by a `macroDef`, and a
 * second routing prefix whose children are generated too. Requests must route exactly as the
 * hand-written seed config does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { readConfigSource } from '../../proxy/config/config-source.js';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { directGet, directSet } from '../helpers/direct.js';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs } from '../helpers/process.js';

/** The main config: everything but the central pool is computed. */
const MAIN_CONFIG = `// mcrouter JSONM: the seed's co-located routing, generated.
{
  "macros": {
    // "p1-p2-p3" (config params cannot hold commas) -> ["p1", "p2", "p3"]
    "peer_ports": { "type": "constDef", "result": "@split(%peer-ports%,-)" },
    "server": {
      "type": "macroDef",
      "params": ["port", { "name": "host", "default": "127.0.0.1" }],
      "result": { "type": "merge", "params": ["%host%:", "%port%"] }
    },
    "pool_of": {
      "type": "macroDef",
      "params": ["ports"],
      "result": { "servers": { "type": "transform", "dictionary": "%ports%", "itemTransform": "@server(%item%)" } }
    },
    "seed_route": {
      "type": "macroDef",
      "params": ["cold", "peers", "central"],
      "result": {
        "type": "OperationSelectorRoute",
        "default_policy": "PoolRoute|%central%",
        "operation_policies": {
          "get": { "type": "WarmUpRoute", "cold": "PoolRoute|%cold%", "warm": "PoolRoute|%central%" },
          "set": { "type": "AllFastestRoute", "children": ["PoolRoute|%peers%", "PoolRoute|%central%"] },
          "delete": { "type": "AllFastestRoute", "children": ["PoolRoute|%peers%", "PoolRoute|%central%"] }
        }
      }
    }
  },
  "pools": {
    "type": "merge",
    "params": [
      {
        "local": "@pool_of(@split(%local-port%,-))",
        "peers": "@pool_of(%peer_ports%)",
        "central": "@import(central.json)"
      },
      // one pool per peer: peer0, peer1, ...
      {
        "type": "foreach",
        "from": "@range(@int(0), @sub(@size(%peer_ports%), @int(1)))",
        "use": {
          "type": "define",
          "vars": { "i": "@str(%item%)", "port": "@select(%peer_ports%, %item%)" },
          "result": { "peer%i%": { "servers": ["@server(%port%)"] } }
        }
      }
    ]
  },
  "routes": [
    { "aliases": ["%default-route%"], "route": "@seed_route(local, peers, central)" },
    {
      "aliases": ["/peers/each/"],
      "route": {
        "type": "AllFastestRoute",
        "children": {
          "type": "foreach",
          "from": "@range(@int(0), @sub(@size(%peer_ports%), @int(1)))",
          "use": { "type": "define", "vars": { "i": "@str(%item%)" }, "result": ["PoolRoute|peer%i%"] }
        }
      }
    }
  ]
}
`;

let local: Memcached;
let peerA: Memcached;
let peerB: Memcached;
let central: Memcached;
let server: ProxyServer | undefined;
let client: RawClient | undefined;
let dir: string;
let mainPath: string;

beforeAll(async () => {
  [local, peerA, peerB, central] = await Promise.all([
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
    Memcached.start(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'jsonm-proxy-'));
  mainPath = join(dir, 'mcrouter.json');
  writeFileSync(mainPath, MAIN_CONFIG);
  writeFileSync(join(dir, 'central.json'), `{ "servers": ["@server(${central.port})"] }`);
  const port = await freePort();
  server = new ProxyServer(
    {
      ...DEFAULT_OPTIONS,
      listenAddresses: ['127.0.0.1'],
      ports: [port],
      serverTimeoutMs: 500,
      configParams: { 'peer-ports': `${peerA.port}-${peerB.port}`, 'local-port': String(local.port) },
    },
    readConfigSource({ config: `file:${mainPath}`, configFile: '', configStr: '' }),
  );
  await server.listen();
  client = await RawClient.connect(port);
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await Promise.all([local.stop(), peerA.stop(), peerB.stop(), central.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The started proxy and client (beforeAll failed if they are missing). */
function proxy(): { server: ProxyServer; app: RawClient } {
  if (server === undefined || client === undefined) throw new Error('proxy not started');
  return { server, app: client };
}

describe('the expanded config', () => {
  test('pools are generated, macros are gone, imported files are listed', () => {
    const cfg = proxy().server.config;
    expect([...cfg.pools.keys()].sort()).toEqual(['central', 'local', 'peer0', 'peer1', 'peers']);
    expect(cfg.json.macros).toBeUndefined();
    expect(cfg.json.pools).toMatchObject({
      local: { servers: [local.address] },
      peers: { servers: [peerA.address, peerB.address] },
      central: { servers: [central.address] },
      peer0: { servers: [peerA.address] },
      peer1: { servers: [peerB.address] },
    });
    expect(cfg.files).toEqual([mainPath, join(dir, 'central.json')]);
  });
});

describe('routing through the generated seed route', () => {
  const select = createHashSelector({ hashFunc: 'Ch3', n: 2 });
  const peerFor = (key: string): Memcached => (select(Buffer.from(key), 0, key.length) === 0 ? peerA : peerB);

  test('get: a local miss is served from central and warms local', async () => {
    await directSet(central, 'jm:warm', 'central-value', 3);
    const hit = 'VALUE jm:warm 3 13\r\ncentral-value\r\nEND\r\n';
    expect(await proxy().app.call('get jm:warm\r\n', hit)).toBe(hit);
    await vi.waitFor(
      async () => {
        expect(await directGet(local, 'jm:warm')).toBe('VALUE jm:warm 3 13\r\ncentral-value\r\nEND\r\n');
      },
      { timeout: 5000 },
    );
  });

  test('set: central and exactly the Ch3-hashed peer get the value', async () => {
    const keys = Array.from({ length: 16 }, (_, i) => `jm:set:${i}`);
    expect(new Set(keys.map(peerFor)).size).toBe(2);
    for (const key of keys)
      expect(await proxy().app.call(`set ${key} 0 0 1\r\nv\r\n`, 'STORED\r\n')).toBe('STORED\r\n');
    for (const key of keys) {
      const hit = `VALUE ${key} 0 1\r\nv\r\nEND\r\n`;
      const other = peerFor(key) === peerA ? peerB : peerA;
      await vi.waitFor(
        async () => {
          expect(await directGet(central, key)).toBe(hit);
          expect(await directGet(peerFor(key), key)).toBe(hit);
        },
        { timeout: 5000 },
      );
      expect(await directGet(other, key)).toBe('END\r\n');
    }
  });

  test('other operations go to central only', async () => {
    await directSet(central, 'jm:n', '5');
    await directSet(local, 'jm:n', '100');
    expect(await proxy().app.call('incr jm:n 1\r\n', '6\r\n')).toBe('6\r\n');
    expect(await directGet(local, 'jm:n')).toBe('VALUE jm:n 0 3\r\n100\r\nEND\r\n');
  });

  test('the generated /peers/each/ route sends a set to every peer, prefix stripped', async () => {
    expect(await proxy().app.call('set /peers/each/jm:all 0 0 2\r\nok\r\n', 'STORED\r\n')).toBe('STORED\r\n');
    for (const peer of [peerA, peerB]) {
      await vi.waitFor(
        async () => {
          expect(await directGet(peer, 'jm:all')).toBe('VALUE jm:all 0 2\r\nok\r\nEND\r\n');
        },
        { timeout: 5000 },
      );
    }
    expect(await directGet(central, 'jm:all')).toBe('END\r\n');
  });
});

describe('the mcproxy command line', () => {
  const CLI = 'proxy/cli.ts';

  test('--validate-config with --config-params accepts the JSONM config (exit 0)', async () => {
    const p = runTs(CLI, [
      '--validate-config',
      '--config',
      `file:${mainPath}`,
      '--config-params',
      'peer-ports:1-2,local-port:3',
    ]);
    expect((await p.exited).code).toBe(0);
  });

  test('without the params it is refused, naming the missing param (exit 3)', async () => {
    const p = runTs(CLI, ['--validate-config', '--config', `file:${mainPath}`]);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain("Param in string: 'local-port' not found");
  });

  test('a missing @import file is refused, naming the file (exit 3)', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"pools": {"A": "@import(gone.json)"}, "route": "PoolRoute|A"}');
    const p = runTs(CLI, ['--validate-config', '--config', `file:${broken}`]);
    expect((await p.exited).code).toBe(3);
    const gone = join(dir, 'gone.json');
    expect(p.stderr).toContain(`invalid config: pools.A: in @import "${gone}": cannot read ${gone}: ENOENT`);
  });

  test('a malformed --config-params is a bad option (exit 3)', async () => {
    const p = runTs(CLI, ['--validate-config', '--config', `file:${mainPath}`, '--config-params', 'a:b:c']);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain("Invalid string map pair: 'a:b:c'. Expected name:value.");
  });
});
