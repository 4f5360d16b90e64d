/**
 * Building configs (`mcrouter/routes/McRouteHandleProvider.cpp`): mcrouter's JSON dialect, short forms, named handles, shared
 * destinations, and errors that name the JSON path and the reason.
 */
import { describe, expect, test } from 'vitest';
import { buildConfig, type ProxyConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { ConfigError } from '../../../proxy/errors.js';
import { AllFastestRoute } from '../../../proxy/routes/all-fastest-route.js';
import { OperationSelectorRoute } from '../../../proxy/routes/operation-selector-route.js';
import { Op } from '../../../proxy/protocol/op.js';

const OPTS = { routePrefix: '/././', sendInvalidRouteToDefault: false, serverTimeoutMs: 1000 };

function build(config: unknown, map = new DestinationMap()): ProxyConfig {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  return buildConfig({ text, path: null }, map, OPTS);
}

/** Narrows `v` to an instance of `cls`, failing the test otherwise. */
function as<T>(v: unknown, cls: new (...args: never[]) => T): T {
  expect(v).toBeInstanceOf(cls);
  if (!(v instanceof cls)) throw new Error('unreachable');
  return v;
}

function errorOf(config: unknown): string {
  try {
    build(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('MCR_ERR_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const SEED = {
  pools: {
    local: { servers: ['127.0.0.1:11212'] },
    peers: { servers: ['10.0.0.1:11212', '10.0.0.2:11212'] },
    central: { servers: ['10.1.0.1:11211'] },
  },
  route: {
    type: 'OperationSelectorRoute',
    default_policy: 'PoolRoute|central',
    operation_policies: {
      delete: { type: 'AllFastestRoute', children: ['PoolRoute|peers', 'PoolRoute|central'] },
      set: { type: 'AllFastestRoute', children: ['PoolRoute|peers', 'PoolRoute|central'] },
      get: { type: 'WarmUpRoute', cold: 'PoolRoute|local', warm: 'PoolRoute|central' },
    },
  },
};

describe('valid configs', () => {
  test('the seed config builds: operation selector with warm-up and all-fastest', () => {
    const cfg = build(SEED);
    const sel = as(cfg.root.defaultRoute, OperationSelectorRoute);
    expect(sel.select(Op.Get)?.name).toBe('warm-up');
    expect(sel.select(Op.Set)?.name).toBe('all-fastest');
    expect(sel.select(Op.Incr)?.name).toMatch(
      /^host\|pool=central\|id=0\|ap=10\.1\.0\.1:11211:ascii:plain:notcompressed\|timeout=1000ms/,
    );
    expect([...cfg.pools.keys()]).toEqual(['local', 'peers', 'central']);
    expect(cfg.destinations.size).toBe(4);
  });

  test('comments and trailing commas (mcrouter JSON dialect)', () => {
    const text = `// a comment
      { /* pools */ "pools": { "A": { "servers": ["127.0.0.1:1",], }, },
        "route": "PoolRoute|A", // trailing
      }`;
    expect(build(text).root.defaultRoute.name).toMatch(/^host\|pool=A/);
  });

  test('"Pool|A" expands to one child per server', () => {
    const cfg = build({
      pools: { A: { servers: ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'] } },
      route: 'AllFastestRoute|Pool|A',
    });
    expect(as(cfg.root.defaultRoute, AllFastestRoute).children.map((c) => c.name.split('|')[2])).toEqual([
      'id=0',
      'id=1',
      'id=2',
    ]);
  });

  test('named handles (array and object forms) and named objects are built once and reused', () => {
    for (const named of [
      [{ name: 'shared', type: 'AllFastestRoute', children: 'Pool|A' }],
      { shared: { type: 'AllFastestRoute', children: 'Pool|A' } },
    ]) {
      const cfg = build({
        pools: { A: { servers: ['127.0.0.1:1', '127.0.0.1:2'] } },
        named_handles: named,
        route: { type: 'OperationSelectorRoute', operation_policies: { get: 'shared', set: 'shared' } },
      });
      const sel = as(cfg.root.defaultRoute, OperationSelectorRoute);
      expect(sel.select(Op.Get)).toBeInstanceOf(AllFastestRoute);
      expect(sel.select(Op.Get)).toBe(sel.select(Op.Set));
    }
    const cfg = build({
      pools: { A: { servers: ['127.0.0.1:1', '127.0.0.1:2'] } },
      route: {
        type: 'OperationSelectorRoute',
        operation_policies: { get: { name: 'x', type: 'HashRoute', children: 'Pool|A' }, set: 'x' },
      },
    });
    const sel = as(cfg.root.defaultRoute, OperationSelectorRoute);
    expect(sel.select(Op.Set)).toBe(sel.select(Op.Get));
  });

  test('one destination per server and timeout, shared by pools and by later configs', () => {
    const map = new DestinationMap();
    const cfg1 = build(
      {
        pools: {
          A: { servers: ['127.0.0.1:1'] },
          B: { servers: ['127.0.0.1:1'] },
          C: { servers: ['127.0.0.1:1'], server_timeout: 50 },
        },
        route: 'PoolRoute|A',
      },
      map,
    );
    expect(cfg1.destinations.size).toBe(2);
    const cfg2 = build({ pools: { X: { servers: ['127.0.0.1:1'] } }, route: 'PoolRoute|X' }, map);
    expect([...cfg2.destinations][0]).toBe([...cfg1.destinations][0]);
    expect([...map.all()].map((d) => d.key)).toEqual([
      '127.0.0.1:1:ascii:plain:notcompressed-1000',
      '127.0.0.1:1:ascii:plain:notcompressed-50',
    ]);
  });

  test('IPv6 and unix servers', () => {
    const cfg = build({
      pools: { A: { servers: ['[::1]:11211', 'unix:/tmp/mc.sock'] } },
      route: 'PoolRoute|A',
    });
    expect([...cfg.destinations].map((d) => d.hostPort)).toEqual(['[::1]:11211', 'unix:/tmp/mc.sock']);
  });

  test('routes in object form with aliases', () => {
    const cfg = build({
      pools: { A: { servers: ['127.0.0.1:1'] } },
      routes: { '/././': 'PoolRoute|A', '/a/b/': 'NullRoute' },
    });
    expect(cfg.root.defaultRoute.name).toMatch(/^host/);
  });
});

describe('errors name the JSON path and the reason', () => {
  test.each<[string, unknown, string]>([
    [
      'JSON syntax',
      '{"pools": {',
      'inline config: JSON syntax error at line 1, column 12: CloseBraceExpected',
    ],
    ['not an object', '[1]', 'the config must be a JSON object'],
    [
      'unknown pool inside a list',
      {
        ...SEED,
        route: {
          ...SEED.route,
          operation_policies: {
            ...SEED.route.operation_policies,
            set: { type: 'AllFastestRoute', children: ['PoolRoute|peer', 'PoolRoute|central'] },
          },
        },
      },
      'route.operation_policies.set.children[0]: unknown pool "peer"',
    ],
    [
      'both route and routes',
      { route: 'NullRoute', routes: {} },
      "Invalid config: both 'route' and 'routes' are specified",
    ],
    ['neither route nor routes', { pools: {} }, 'No route/routes in config'],
    [
      'unknown route type',
      { route: { type: 'FancyRoute' } },
      'route: Unknown RouteHandle: FancyRoute line: 1 (and no named handle by that name)',
    ],
    [
      'unknown short form',
      { route: 'NoSuchThing' },
      'route: Unknown RouteHandle: NoSuchThing (and no named handle by that name)',
    ],
    [
      'unknown route type, with the line of its "type" in the file (mcrouter test_linenumbers.py)',
      '{\n  "route": {\n    "type": "XYZRoute",\n    "pool": "A",\n  },\n}',
      'route: Unknown RouteHandle: XYZRoute line: 3 (and no named handle by that name)',
    ],
    ['missing type', { route: { children: [] } }, 'route.type: a route object needs a string "type"'],
    [
      'bad server string',
      { pools: { A: { servers: ['127.0.0.1:1', 'nohost'] } }, route: 'PoolRoute|A' },
      'pools.A.servers[1]: invalid server "nohost": expected host:port',
    ],
    [
      'bad port',
      { pools: { A: { servers: ['127.0.0.1:70000'] } }, route: 'PoolRoute|A' },
      'pools.A.servers[0]: invalid server "127.0.0.1:70000": port out of range',
    ],
    [
      'unsupported protocol',
      { pools: { A: { servers: ['127.0.0.1:1:caret'] } }, route: 'PoolRoute|A' },
      'pools.A.servers[0]: invalid server "127.0.0.1:1:caret": protocol "caret" is not supported (only ascii)',
    ],
    [
      'servers not an array',
      { pools: { A: { servers: 'x' } }, route: 'PoolRoute|A' },
      'pools.A.servers: expected "servers": an array of server strings',
    ],
    [
      'timeout out of range',
      { pools: { A: { servers: [], server_timeout: 0 } }, route: 'PoolRoute|A' },
      'pools.A.server_timeout: must be between 1 and 1000000 ms',
    ],
    [
      'timeouts_until_tko below 1',
      { pools: { A: { servers: [], timeouts_until_tko: 0 } }, route: 'PoolRoute|A' },
      'pools.A.timeouts_until_tko: timeouts_until_tko must be ≥ 1',
    ],
    [
      'boolean must be a boolean',
      { pools: { A: { servers: [], keep_routing_prefix: 'true' } }, route: 'PoolRoute|A' },
      'pools.A.keep_routing_prefix: expected a boolean',
    ],
    [
      'weights outside [0,1]',
      { pools: { A: { servers: [], weights: [2] } }, route: 'PoolRoute|A' },
      'pools.A.weights[0]: weights must be in [0, 1]',
    ],
    [
      'WarmUpRoute without cold',
      { route: { type: 'WarmUpRoute', warm: 'NullRoute' } },
      'route.cold: WarmUpRoute needs "cold"',
    ],
    [
      'WarmUpRoute exptime not an integer',
      { route: { type: 'WarmUpRoute', cold: 'NullRoute', warm: 'NullRoute', exptime: 'soon' } },
      'route.exptime: expected an integer number of seconds',
    ],
    [
      'unknown operation',
      { route: { type: 'OperationSelectorRoute', operation_policies: { fetch: 'NullRoute' } } },
      'route.operation_policies.fetch: Unknown operation: fetch, valid operations: add, append, cas, decr, delete, flushall, flushre, gat, gats, get, gets, incr, lease-get, lease-set, metaget, prepend, replace, set, touch',
    ],
    [
      'empty operation selector',
      { route: { type: 'OperationSelectorRoute' } },
      'route: OperationSelectorRoute needs "default_policy" or "operation_policies"',
    ],
    [
      'ErrorRoute result that is not an error',
      { route: { type: 'ErrorRoute', result: 'mc_res_found' } },
      'route.result: "mc_res_found" is not an error result',
    ],
    [
      'unknown hash function',
      {
        pools: { A: { servers: ['127.0.0.1:1', '127.0.0.1:2'] } },
        route: { type: 'PoolRoute', pool: 'A', hash: 'Md5' },
      },
      'route: Unknown hash function: Md5',
    ],
    [
      'a route where one is needed but a list of two is given',
      { pools: { A: { servers: ['127.0.0.1:1', '127.0.0.1:2'] } }, route: 'Pool|A' },
      'route: expected exactly one route, got 2',
    ],
    [
      'bad routing prefix alias',
      { routes: [{ aliases: ['/a/'], route: 'NullRoute' }] },
      'routes[0].aliases[0]: invalid routing prefix "/a/": expected "/region/cluster/"',
    ],
    [
      'no alias for the default prefix',
      { routes: { '/a/b/': 'NullRoute' } },
      'routes: invalid default route: /././',
    ],
    [
      'named handle that refers to itself',
      {
        named_handles: { loop: { type: 'AllFastestRoute', children: ['loop', 'NullRoute'] } },
        route: 'loop',
      },
      'named_handles.loop.children[0]: named handle "loop" refers to itself',
    ],
    [
      'ambiguous named handle',
      { named_handles: { a: { name: 'b', type: 'NullRoute' } }, route: 'a' },
      'named_handles.a: Ambiguous RouteHandle name: a vs "b"',
    ],
  ])('%s', (_name, config, message) => {
    expect(errorOf(config)).toBe(message);
  });
});

describe('hash function choice', () => {
  test('pool weights make PoolRoute hash with WeightedCh3; a bare HashRoute with weights stays Ch3', () => {
    const pools = { W: { servers: ['127.0.0.1:1', '127.0.0.1:2'], weights: [1, 0.5] } };
    expect(build({ pools, route: 'PoolRoute|W' }).root.defaultRoute.name).toBe('selection|hash|WeightedCh3');
    expect(
      build({ pools, route: { type: 'PoolRoute', pool: 'W', hash: 'Ch3' } }).root.defaultRoute.name,
    ).toBe('selection|hash|Ch3');
    expect(
      build({ pools, route: { type: 'HashRoute', children: 'Pool|W', weights: [1, 0.5] } }).root.defaultRoute
        .name,
    ).toBe('selection|hash|Ch3');
    expect(
      build({ pools, route: { type: 'HashRoute', children: 'Pool|W', salt: 's' } }).root.defaultRoute.name,
    ).toBe('selection|hash|Ch3|salt=s');
  });
});
