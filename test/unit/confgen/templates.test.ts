/**
 * Templates: `seed` is exactly the seed's mcrouter.jq routing, `coherent` bounds staleness, a user
 * template substitutes placeholders structurally; output is byte-identical for the same inputs in
 * any order.
 */
import { describe, expect, test } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEED_TEMPLATE } from '../../../confgen/templates/seed.js';
import {
  COHERENT_TEMPLATE,
  LOCAL_SERVER_TIMEOUT_MS,
  LOCAL_TIMEOUTS_UNTIL_TKO,
  WRITE_OPS,
} from '../../../confgen/templates/coherent.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { opFromName, type Op } from '../../../proxy/protocol/op.js';
import { resolveTemplate } from '../../../confgen/templates/index.js';
import { renderConfig } from '../../../confgen/templates/template.js';
import { compareServers, normalizeServer, sortServers, type Topology } from '../../../confgen/topology.js';
import { buildConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { ConfgenOptionError } from '../../../confgen/errors.js';

const TOPOLOGY: Topology = {
  local: '127.0.0.1:11212',
  peers: ['10.0.1.12:11212', '10.0.2.7:11212'],
  central: ['mc.abc.0001.use1.cache.amazonaws.com:11211', 'mc.abc.0002.use1.cache.amazonaws.com:11211'],
};

describe('seed', () => {
  test("is the seed's mcrouter.jq output, key order included", () => {
    // What `jq --slurp -f mcrouter.jq` prints for these instances and cache nodes.
    const expected = {
      pools: {
        local: { servers: ['127.0.0.1:11212'] },
        peers: { servers: ['10.0.1.12:11212', '10.0.2.7:11212'] },
        central: {
          servers: [
            'mc.abc.0001.use1.cache.amazonaws.com:11211',
            'mc.abc.0002.use1.cache.amazonaws.com:11211',
          ],
        },
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
    const text = renderConfig(SEED_TEMPLATE, TOPOLOGY, { localTtl: 60 });
    expect(text).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  test('builds in the proxy', () => {
    const text = renderConfig(SEED_TEMPLATE, TOPOLOGY, { localTtl: 60 });
    const config = buildConfig({ text, path: null }, new DestinationMap(), {
      routePrefix: '/././',
      sendInvalidRouteToDefault: false,
      serverTimeoutMs: 1000,
    });
    expect([...config.pools.keys()]).toEqual(['local', 'peers', 'central']);
    expect(config.destinations.size).toBe(5);
  });
});

describe('coherent', () => {
  const render = (localTtl: number): Record<string, unknown> =>
    JSON.parse(renderConfig(COHERENT_TEMPLATE, TOPOLOGY, { localTtl })) as Record<string, unknown>;

  test('writes invalidate every local copy; reads are local, warmed from central, bounded by --local-ttl', () => {
    const failover = { type: 'FailoverRoute', children: ['PoolRoute|local', 'PoolRoute|central'] };
    const gatLike = { type: 'AllInitialRoute', children: ['read', 'PoolRoute|central'] };
    expect(render(45)).toEqual({
      pools: {
        local: {
          servers: ['127.0.0.1:11212'],
          server_timeout: LOCAL_SERVER_TIMEOUT_MS,
          timeouts_until_tko: LOCAL_TIMEOUTS_UNTIL_TKO,
        },
        peers: { servers: TOPOLOGY.peers },
        central: { servers: TOPOLOGY.central },
      },
      named_handles: [
        {
          name: 'write',
          type: 'InvalidateRoute',
          target: 'PoolRoute|central',
          invalidate: ['PoolRoute|local', 'Pool|peers'],
          cas_from: 'PoolRoute|local',
        },
        {
          name: 'read',
          type: 'WarmUpRoute',
          cold: {
            type: 'ModifyExptimeRoute',
            target: {
              type: 'OperationSelectorRoute',
              default_policy: 'PoolRoute|local',
              operation_policies: { get: failover, gets: failover, gat: failover, gats: failover },
            },
            exptime: 45,
            action: 'min',
          },
          warm: 'PoolRoute|central',
          exptime: 45,
        },
      ],
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'PoolRoute|central',
        operation_policies: {
          get: 'read',
          gets: 'read',
          gat: gatLike,
          gats: gatLike,
          set: 'write',
          add: 'write',
          replace: 'write',
          append: 'write',
          prepend: 'write',
          cas: 'write',
          incr: 'write',
          decr: 'write',
          touch: 'write',
          delete: 'write',
        },
      },
    });
    expect(LOCAL_SERVER_TIMEOUT_MS).toBeLessThan(100);
  });

  test('--local-ttl 0: no exptime cap on the local reads', () => {
    const handles = render(0).named_handles as Record<string, unknown>[];
    const cold = handles[1]?.cold as Record<string, unknown>;
    expect(cold.type).toBe('OperationSelectorRoute');
  });

  test.each([0, 60])(
    'builds in the proxy (--local-ttl %d); every mutation op has the write route',
    (localTtl) => {
      const text = renderConfig(COHERENT_TEMPLATE, TOPOLOGY, { localTtl });
      const config = buildConfig({ text, path: null }, new DestinationMap(), {
        routePrefix: '/././',
        sendInvalidRouteToDefault: false,
        serverTimeoutMs: 1000,
      });
      expect(config.pools.get('local')?.timeoutMs).toBe(LOCAL_SERVER_TIMEOUT_MS);
      for (const op of WRITE_OPS) {
        const names: string[] = [];
        const req = new McRequest(opFromName(op) as Op, Buffer.from('k'));
        config.root.traverse(req, (h) => names.push(h.name), 0);
        expect(names[1], op).toBe('invalidate');
      }
    },
  );
});

describe('file template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcconfgen-tpl-'));

  test('placeholders are replaced structurally; arrays are spliced; comments allowed', () => {
    const path = join(dir, 'tpl.json');
    writeFileSync(
      path,
      `// my routing
      {
        "pools": {
          "everyone": { "servers": ["{{local}}", "{{peers}}"] },
          "central": { "servers": "{{central}}" },
          "peers": { "servers": "{{peers}}" },
        },
        "route": { "type": "WarmUpRoute", "cold": "PoolRoute|everyone", "warm": "PoolRoute|central", "exptime": "{{local_ttl}}" },
      }`,
    );
    const t = resolveTemplate(`file:${path}`);
    expect(JSON.parse(renderConfig(t, TOPOLOGY, { localTtl: 30 }))).toEqual({
      pools: {
        everyone: { servers: ['127.0.0.1:11212', ...TOPOLOGY.peers] },
        central: { servers: TOPOLOGY.central },
        peers: { servers: TOPOLOGY.peers },
      },
      route: { type: 'WarmUpRoute', cold: 'PoolRoute|everyone', warm: 'PoolRoute|central', exptime: 30 },
    });
  });

  test('an unknown placeholder, a syntax error or a missing file is a ConfgenOptionError', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"pools": {"x": {"servers": "{{peer}}"}}}');
    expect(() => resolveTemplate(`file:${bad}`)).toThrow(`template ${bad}: unknown placeholder {{peer}}`);
    writeFileSync(bad, '{"pools": ');
    expect(() => resolveTemplate(`file:${bad}`)).toThrow(ConfgenOptionError);
    expect(() => resolveTemplate(`file:${join(dir, 'missing.json')}`)).toThrow(/ENOENT/);
    expect(() => resolveTemplate('fancy')).toThrow('--template: expected seed, coherent or file:<path>');
  });
});

describe('determinism', () => {
  const ipv4 = fc
    .tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255))
    .map((p) => `${p.join('.')}:11212`);
  const host = fc
    .integer({ min: 1, max: 40 })
    .map((n) => `mc.abc.${String(n).padStart(4, '0')}.use1.cache.amazonaws.com:11211`);

  fcTest.prop([fc.array(ipv4, { maxLength: 30 }), fc.array(host, { minLength: 1, maxLength: 10 }), fc.nat()])(
    'the same servers in any order, with duplicates, render the same bytes',
    (peers, central, seed) => {
      const shuffle = <T>(xs: T[]): T[] => {
        const copy = [...xs, ...xs.slice(0, seed % (xs.length + 1))];
        let s = seed;
        for (let i = copy.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) >>> 0;
          const j = s % (i + 1);
          [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
        }
        return copy;
      };
      const render = (p: string[], c: string[]): string =>
        renderConfig(
          COHERENT_TEMPLATE,
          { local: '127.0.0.1:11212', peers: sortServers(p), central: sortServers(c) },
          {
            localTtl: 60,
          },
        );
      expect(render(shuffle(peers), shuffle(central))).toBe(render(peers, central));
    },
  );

  test('IPv4 peers sort numerically; host names by code units (ElastiCache node order)', () => {
    expect(
      sortServers(['10.0.0.10:11212', '10.0.0.9:11212', '9.1.1.1:11212', 'b:1', 'a:2', '[fd00::1]:1']),
    ).toEqual(['9.1.1.1:11212', '10.0.0.9:11212', '10.0.0.10:11212', '[fd00::1]:1', 'a:2', 'b:1']);
    expect(compareServers('10.0.0.9:11212', '10.0.0.9:11213')).toBeLessThan(0);
  });

  test('server strings are normalised (default port, IPv6 brackets) and checked', () => {
    expect(normalizeServer('10.0.0.1', 11212)).toBe('10.0.0.1:11212');
    expect(normalizeServer(' host:11300 ', 11212)).toBe('host:11300');
    expect(normalizeServer('fd00::1', 11212)).toBe('[fd00::1]:11212');
    expect(normalizeServer('[fd00::1]', 11212)).toBe('[fd00::1]:11212');
    expect(() => normalizeServer('host:99999', 11212)).toThrow('port out of range');
  });
});
