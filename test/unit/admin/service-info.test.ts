/**
 * `__mcrouter__.*` admin commands on a built config (`mcrouter/ServiceInfo-inl.h`), without a network: the dry runs
 * (`route`, `route_handles`) only traverse the route tree, so the pools can name servers nobody
 * listens on. Golden `route_handles` trees; `route(set,k)` against mcrouter's own Ch3 vectors and
 * against `createHashSelector` for many keys.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { buildConfig, type ConfigSource } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { DEFAULT_OPTIONS, type ProxyOptions } from '../../../proxy/options.js';
import {
  isServiceInfoKey,
  serviceInfo,
  toPrettySortedJson,
  type ServiceInfoContext,
} from '../../../proxy/admin/service-info.js';
import { createHashSelector } from '../../../proxy/hash/hash-selector.js';
import { hostId } from '../../../proxy/config/jsonm/host-address.js';
import { VERSION_STRING } from '../../../proxy/version.js';
import { VECTORS } from '../hash/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'service-info-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A context over `config` (an object is JSON-encoded; a path reads the file). */
function context(
  config: unknown,
  options: Partial<ProxyOptions> = {},
  path: string | null = null,
): ServiceInfoContext {
  const opts: ProxyOptions = { ...DEFAULT_OPTIONS, ports: [11211], ...options };
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  const source: ConfigSource = { text, path };
  return {
    options: opts,
    config: buildConfig(source, new DestinationMap(), opts),
    versionString: VERSION_STRING,
  };
}

const servers = (n: number, base = 20000): string[] =>
  Array.from({ length: n }, (_, i) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}:${base + i}`);

const host = (pool: string, id: number, hostPort: string, timeout = 1000): string =>
  `host|pool=${pool}|id=${id}|ap=${hostPort}:ascii:plain:notcompressed|timeout=${timeout}ms|keep_routing_prefix=false`;

describe('isServiceInfoKey', () => {
  test('only keys starting with __mcrouter__.', () => {
    const yes = ['__mcrouter__.', '__mcrouter__.version', '__mcrouter__.route(get,a,b)'];
    const no = [
      '',
      '_',
      '__mcrouter__',
      '__mcrouter_.x',
      'x__mcrouter__.version',
      '/a/b/__mcrouter__.version',
    ];
    for (const k of yes) expect(isServiceInfoKey(Buffer.from(k))).toBe(true);
    for (const k of no) expect(isServiceInfoKey(Buffer.from(k))).toBe(false);
  });
});

describe('route_handles (golden trees)', () => {
  const [a0, a1, a2] = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];
  const b0 = '10.0.1.1:11211';
  const ctx = context({
    pools: { A: { servers: [a0, a1, a2] }, B: { servers: [b0], server_timeout: 250 } },
    route: {
      type: 'OperationSelectorRoute',
      default_policy: 'PoolRoute|A',
      operation_policies: {
        get: { type: 'WarmUpRoute', cold: 'PoolRoute|B', warm: 'PoolRoute|A' },
        set: { type: 'AllFastestRoute', children: ['PoolRoute|A', 'Pool|B'] },
        delete: 'NullRoute',
      },
    },
  });
  // Which server of A a key hashes to (checked against the Ch3 selector, not hard-coded).
  const ch3 = createHashSelector({ n: 3 });
  const pick = (key: string): { id: number; ap: string } => {
    const id = ch3(Buffer.from(key), 0, key.length);
    return { id, ap: [a0, a1, a2][id] as string };
  };

  test('get: operation selector → warm-up → cold pool (one server), warm pool hashed', () => {
    const { id, ap } = pick('user:42');
    expect(serviceInfo(ctx, 'route_handles(get,user:42)')).toBe(
      [
        'root',
        ' operation-selector',
        '  warm-up',
        `   ${host('B', 0, b0, 250)}`,
        '   selection|hash|Ch3',
        `    ${host('A', id, ap)}`,
      ].join('\n'),
    );
  });

  test('set: all-fastest over a hashed pool and every server of B', () => {
    const { id, ap } = pick('k');
    expect(serviceInfo(ctx, 'route_handles(set,k)')).toBe(
      [
        'root',
        ' operation-selector',
        '  all-fastest',
        '   selection|hash|Ch3',
        `    ${host('A', id, ap)}`,
        `   ${host('B', 0, b0, 250)}`,
      ].join('\n'),
    );
  });

  test('delete: a NullRoute leaf; the default policy for other ops', () => {
    expect(serviceInfo(ctx, 'route_handles(delete,k)')).toBe('root\n operation-selector\n  null');
    const { id, ap } = pick('a,b');
    // Only the first comma splits: the key is "a,b".
    expect(serviceInfo(ctx, 'route_handles(incr,a,b)')).toBe(
      ['root', ' operation-selector', '  selection|hash|Ch3', `   ${host('A', id, ap)}`].join('\n'),
    );
  });

  test('routing prefixes: the alias that matches, or nothing below root', () => {
    const c = context({
      pools: { A: { servers: [a0] }, B: { servers: [b0] } },
      routes: [
        { aliases: ['/././'], route: 'PoolRoute|A' },
        { aliases: ['/r/c/'], route: 'PoolRoute|B' },
      ],
    });
    expect(serviceInfo(c, 'route_handles(get,/r/c/key)')).toBe(`root\n ${host('B', 0, b0)}`);
    expect(serviceInfo(c, 'route_handles(get,key)')).toBe(`root\n ${host('A', 0, a0)}`);
    expect(serviceInfo(c, 'route_handles(get,/no/where/key)')).toBe('root');
  });

  test('errors are value text', () => {
    expect(serviceInfo(ctx, 'route_handles(get)')).toBe('ERROR: route_handles: 2 args expected');
    expect(serviceInfo(ctx, 'route_handles')).toBe('ERROR: route_handles: 2 args expected');
    expect(serviceInfo(ctx, 'route_handles(lease-get,k)')).toBe('ERROR: route: unknown request lease-get');
    expect(serviceInfo(ctx, 'route_handles(get,{"key":})')).toMatch(/^ERROR: .*JSON/);
  });

  test('a {...} key fills the request from JSON', () => {
    const { id, ap } = pick('json-key');
    expect(serviceInfo(ctx, 'route(set,{"key":"json-key","exptime":10})')).toBe(`${ap}\r\n${b0}`);
    expect(id).toBeGreaterThanOrEqual(0);
  });
});

describe('route(op,key)', () => {
  test('destinations as host:port lines joined by CRLF, in tree order; empty when none', () => {
    const ctx = context({
      pools: {
        A: { servers: ['10.0.0.1:1', '10.0.0.2:2'] },
        B: { servers: ['[::1]:3', 'unix:/run/mc.sock'] },
      },
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'NullRoute',
        operation_policies: { set: { type: 'AllFastestRoute', children: ['Pool|A', 'Pool|B'] } },
      },
    });
    expect(serviceInfo(ctx, 'route(set,x)')).toBe('10.0.0.1:1\r\n10.0.0.2:2\r\n[::1]:3\r\nunix:/run/mc.sock');
    expect(serviceInfo(ctx, 'route(get,x)')).toBe('');
    expect(serviceInfo(ctx, 'route(set)')).toBe('ERROR: route: 2 args expected');
    expect(serviceInfo(ctx, 'route(nope,x)')).toBe('ERROR: route: unknown request nope');
  });

  test("agrees with mcrouter's furc_hash golden values (hash_test.cpp) for pools of up to 1000", () => {
    const vectors = VECTORS.furc_hash.golden_values.filter((v) => v.m <= 1000);
    expect(vectors.length).toBeGreaterThan(100);
    const sizes = [...new Set(vectors.map((v) => v.m))];
    for (const m of sizes) {
      const list = servers(m);
      const ctx = context({ pools: { A: { servers: list } }, route: 'PoolRoute|A' });
      for (const v of vectors.filter((x) => x.m === m)) {
        expect(serviceInfo(ctx, `route(set,${v.key})`), `${v.key} m=${m}`).toBe(list[v.expected]);
      }
    }
  });

  test("spreads '0'..'999' over 3 servers as mcrouter's Ch3HashTest (307/342/351)", () => {
    const list = servers(3);
    const ctx = context({ pools: { A: { servers: list } }, route: 'PoolRoute|A' });
    const counts = [0, 0, 0];
    for (let i = 0; i < 1000; i++) {
      const where = serviceInfo(ctx, `route(set,${i})`);
      const idx = list.indexOf(where);
      expect(idx).toBeGreaterThanOrEqual(0);
      counts[idx] = (counts[idx] ?? 0) + 1;
    }
    const expected = VECTORS.Ch3HashFunc.distribution.find((d) => d.n === 3)?.counts_per_index;
    expect(counts).toEqual(expected);
  });

  const poolCtx = new Map<number, { ctx: ServiceInfoContext; list: string[] }>();
  const forSize = (n: number): { ctx: ServiceInfoContext; list: string[] } => {
    let c = poolCtx.get(n);
    if (c === undefined) {
      const list = servers(n);
      c = { ctx: context({ pools: { A: { servers: list } }, route: 'PoolRoute|A' }), list };
      poolCtx.set(n, c);
    }
    return c;
  };

  propTest.prop(
    [
      fc.integer({ min: 1, max: 64 }),
      // No routing prefix (routing-prefix.test covers those) and no `{...}` (a JSON request).
      fc.stringMatching(/^[!-.0-z|~][!-~]{0,199}$/).filter((k) => !(k.startsWith('{') && k.endsWith('}'))),
    ],
    { numRuns: 2000 },
  )('names the server Ch3 picks for any key and pool size', (n, key) => {
    const { ctx, list } = forSize(n);
    // The routing key ends at a `|#|` hash stop.
    const stop = key.indexOf('|#|');
    const bytes = Buffer.from(key, 'latin1');
    const expected = list[createHashSelector({ n })(bytes, 0, stop >= 0 ? stop : bytes.length)];
    expect(serviceInfo(ctx, `route(set,${key})`)).toBe(expected);
  });
});

describe('config commands', () => {
  test('version, config_md5_digest, config_age, hostid', () => {
    const text = '{"pools": {"A": {"servers": ["10.0.0.1:1"]}}, // comment\n "route": "PoolRoute|A"}';
    const ctx = context(text);
    expect(serviceInfo(ctx, 'version')).toBe(VERSION_STRING);
    expect(serviceInfo(ctx, 'config_md5_digest')).toBe(createHash('md5').update(text).digest('hex'));
    expect(Number(serviceInfo(ctx, 'config_age'))).toBeGreaterThanOrEqual(0);
    expect(Number(serviceInfo(ctx, 'config_age'))).toBeLessThan(5);
    expect(serviceInfo(ctx, 'hostid')).toBe(String(hostId()));
    expect(serviceInfo(context(text, { hostId: 77 }), 'hostid')).toBe('77');
  });

  test('config_file: the path as given with file:, -f, or an error for inline configs', () => {
    const cfg = { pools: { A: { servers: ['10.0.0.1:1'] } }, route: 'PoolRoute|A' };
    expect(serviceInfo(context(cfg, { config: 'file:rel/mcrouter.json' }), 'config_file')).toBe(
      'rel/mcrouter.json',
    );
    expect(serviceInfo(context(cfg, { configFile: '/etc/mc.json' }), 'config_file')).toBe('/etc/mc.json');
    expect(serviceInfo(context(cfg), 'config_file')).toBe('ERROR: no config file found!');
  });

  test('preprocessed_config: the expanded config, keys sorted, pretty', () => {
    const ctx = context({
      macros: {
        srv: { type: 'macroDef', params: ['p'], result: { type: 'merge', params: ['10.0.0.1:', '%p%'] } },
      },
      route: 'PoolRoute|A',
      pools: { A: { servers: ['@srv(11)'], server_timeout: 300 } },
    });
    expect(serviceInfo(ctx, 'preprocessed_config')).toBe(
      [
        '{',
        '  "pools": {',
        '    "A": {',
        '      "server_timeout": 300,',
        '      "servers": [',
        '        "10.0.0.1:11"',
        '      ]',
        '    }',
        '  },',
        '  "route": "PoolRoute|A"',
        '}',
      ].join('\n'),
    );
  });

  test('config_sources_info: md5 of the main file and of every import', () => {
    const imported = join(dir, 'pool-a.json');
    const poolText = '{"servers": ["10.0.0.9:11211"]}';
    writeFileSync(imported, poolText);
    const main = join(dir, 'main.json');
    const mainText = '{"pools": {"A": "@import(pool-a.json)"}, "route": "PoolRoute|A"}';
    writeFileSync(main, mainText);
    const ctx = context(mainText, { config: `file:${main}` }, main);
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    expect(serviceInfo(ctx, 'config_sources_info')).toBe(
      toPrettySortedJson({
        config_file: main,
        config_import: { [imported]: md5(poolText) },
        mcrouter_config: md5(mainText),
      }),
    );
    expect(JSON.parse(serviceInfo(context('{"route":"NullRoute"}'), 'config_sources_info'))).toEqual({
      mcrouter_config: md5('{"route":"NullRoute"}'),
    });
  });

  test('pools: pool → destination route names, sorted pretty JSON', () => {
    const ctx = context({
      pools: {
        Z: { servers: ['10.0.0.2:2'] },
        A: { servers: ['10.0.0.1:1', '10.0.0.3:3'], server_timeout: 20 },
      },
      route: 'PoolRoute|A',
    });
    expect(JSON.parse(serviceInfo(ctx, 'pools'))).toEqual({
      A: [host('A', 0, '10.0.0.1:1', 20), host('A', 1, '10.0.0.3:3', 20)],
      Z: [host('Z', 0, '10.0.0.2:2')],
    });
    expect(serviceInfo(ctx, 'pools').indexOf('"A"')).toBeLessThan(serviceInfo(ctx, 'pools').indexOf('"Z"'));
  });

  test('options: every option by internal name, one per line; options(name); errors', () => {
    const ctx = context({ route: 'NullRoute' }, { serverTimeoutMs: 250, enableFlushCmd: true });
    const lines = serviceInfo(ctx, 'options').split('\n');
    expect(lines).toContain('server_timeout_ms 250');
    expect(lines).toContain('enable_flush_cmd true');
    expect(lines).toContain('ports 11211');
    expect(lines).toContain('metrics_port 0');
    expect(lines.every((l) => /^[a-z0-9_]+ /.test(l))).toBe(true);
    expect(serviceInfo(ctx, 'options(server_timeout_ms)')).toBe('250');
    expect(serviceInfo(ctx, 'options(version)')).toBe(VERSION_STRING);
    expect(serviceInfo(ctx, 'options(nope)')).toBe('ERROR: options: option nope not found');
    expect(serviceInfo(ctx, 'options(a,b)')).toBe('ERROR: options: 0 or 1 args expected');
  });

  test('unknown commands; an unclosed parenthesis is part of the command', () => {
    const ctx = context({ route: 'NullRoute' });
    expect(serviceInfo(ctx, 'foo')).toBe('ERROR: unknown command: foo');
    expect(serviceInfo(ctx, '')).toBe('ERROR: unknown command: ');
    expect(serviceInfo(ctx, 'version(')).toBe('ERROR: unknown command: version(');
    expect(serviceInfo(ctx, 'version()')).toBe(VERSION_STRING);
  });
});
