/**
 * One config that uses every route type (test/fixtures/configs/all-routes.json) loads, and each
 * prefix of its PrefixSelectorRoute reaches the route type it names (a dry run with `traverse`:
 * nothing is sent).
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildConfig, type ProxyConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { ROUTE_BUILDERS } from '../../../proxy/routes/registry.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';
import { ProxyStats } from '../../../proxy/admin/proxy-stats.js';
import { REPO_ROOT, readConfig } from '../../helpers/config.js';
import { runTs } from '../../helpers/process.js';

const FIXTURE = 'test/fixtures/configs/all-routes.json';

function load(): ProxyConfig {
  const path = resolve(REPO_ROOT, FIXTURE);
  return buildConfig({ text: readFileSync(path, 'utf8'), path }, new DestinationMap(), {
    routePrefix: '/././',
    sendInvalidRouteToDefault: false,
    serverTimeoutMs: 1000,
    hostId: 7,
    runtime: { stats: new ProxyStats(), asyncLog: null },
  });
}

/** Every route type named in `json`: object `type`s and `Type|…` short forms. */
function typesIn(json: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(json)) json.forEach((v) => typesIn(v, out));
  else if (typeof json === 'string') {
    const bar = json.indexOf('|');
    if (bar > 0) out.add(json.slice(0, bar));
    else if (/^[A-Z][A-Za-z]+Route$/.test(json)) out.add(json);
  } else if (typeof json === 'object' && json !== null) {
    const o = json as Record<string, unknown>;
    if (typeof o.type === 'string') out.add(o.type);
    for (const [k, v] of Object.entries(o)) {
      if (k !== 'type') typesIn(v, out);
    }
  }
  return out;
}

/** Names of the handles a dry run of `op key` visits. */
function visited(cfg: ProxyConfig, key: string, op = Op.Get): string[] {
  const names: string[] = [];
  cfg.root.traverse(new McRequest(op, Buffer.from(key, 'latin1')), (h) => names.push(h.name), 0);
  return names;
}

describe('the all-routes fixture', () => {
  test('names every registered route type, PrefixSelectorRoute and Pool', () => {
    const used = typesIn(readConfig(FIXTURE));
    for (const type of ROUTE_BUILDERS.keys()) expect(used, type).toContain(type);
    expect(used).toContain('PrefixSelectorRoute');
    expect(used).toContain('Pool');
  });

  test('loads, with its file: pool among the files a reload watches', () => {
    const cfg = load();
    expect(cfg.files).toEqual([
      resolve(REPO_ROOT, FIXTURE),
      resolve(REPO_ROOT, 'test/fixtures/configs/pool-file.json'),
      resolve(REPO_ROOT, 'test/fixtures/configs/lookaside-flavor.json'),
      resolve(REPO_ROOT, 'test/fixtures/configs/lookaside-config.json'),
    ]);
    expect([...cfg.pools.keys()]).toEqual(
      expect.arrayContaining([
        'local',
        'peers',
        'central',
        'central-slow',
        'inline-pool',
        'file:test/fixtures/configs/pool-file.json',
      ]),
    );
    expect(cfg.pools.get('central-slow')?.timeoutMs).toBe(2000);
    expect(cfg.pools.get('central-slow')?.keepRoutingPrefix).toBe(true);
  });

  test.each([
    ['sync:k', 'all-sync'],
    ['async:k', 'all-async'],
    ['initial:k', 'all-initial'],
    ['majority:k', 'all-majority'],
    ['fastest:k', 'all-fastest'],
    ['null:k', 'devnull'],
    ['err:k', 'error|log|mc_res_busy|'],
    ['fo:k', 'failover:central-failover:failover_targets=3'],
    ['fox:k', 'failover'],
    ['det:k', 'failover'],
    ['miss:k', 'miss-failover'],
    ['latest:k', 'failover'],
    ['salted:k', 'failover'],
    ['inval:k', 'invalidate'],
    ['l1l2:k', 'l1l2-cache'],
    ['migrate:k', 'migrate'],
    ['mexp:k', 'modify-exptime|min|exptime=60'],
    ['mkey:k', 'modify-key'],
    ['split:k', 'keysplit|replicas=3|all-sync=true|first-hit=false|replicaId=1'],
    ['random:k', 'random'],
    ['lookaside:k', 'lookaside-cache|name=MemcacheCarbonLookasideHelper|ttl=60s|leases=false'],
    ['lb:k', 'loadbalancer|weighted-hashing'],
    ['lbpool:k', 'loadbalancer|weighted-hashing'],
    ['log:k', 'logging'],
    ['bigvalue:k', 'big-value|split_threshold=500000|batch_size=10|hide_reply_flag=false'],
    ['shadow:k', 'selection|hash|Crc32'],
    ['pool:k', 'rate-limit'],
    ['op:k', 'operation-selector'],
    ['other', 'warm-up'],
  ])('%s → %s', (key, name) => {
    expect(visited(load(), key)[0]).toBe(name);
  });

  test('HostIdRoute picks child hostid % n at build time; an empty pool with error_on_empty false is NullRoute', () => {
    const cfg = load();
    expect(visited(cfg, 'hostid:k')[0]).toMatch(/^host\|pool=peers\|id=1\|/);
    expect(visited(cfg, 'empty:k')[0]).toBe('null');
    expect(visited(cfg, '/remote/b/k')[0]).toBe('selection|hash|Ch3');
    expect(visited(cfg, '/remote/zzz/k')[0]).toBe('null');
  });

  test('mcproxy --validate-config accepts it (exit 0)', async () => {
    const p = runTs('proxy/cli.ts', ['--validate-config', '--config', `file:${FIXTURE}`]);
    expect((await p.exited).code).toBe(0);
  });
});
