/**
 * Routing cost of the route catalog (issue 3), without the network: configs whose leaves answer
 * at once (NullRoute, ErrorRoute), routed through the real RootRoute and route handles, so the
 * numbers are the per-request overhead each route adds. Run: `npx tsx bench/route-catalog-bench.ts`.
 */
import { buildConfig } from '../proxy/config/proxy-config.js';
import { DestinationMap } from '../proxy/destination/destination-map.js';
import { McRequest } from '../proxy/protocol/request.js';
import { Op } from '../proxy/protocol/op.js';
import type { McReply, ReplySink } from '../proxy/protocol/reply.js';

const N = 1_000_000;
let replies = 0;
const SINK: ReplySink = {
  onReply(_r: McReply): void {
    replies++;
  },
};

const err = { type: 'ErrorRoute', result: 'mc_res_remote_error', response: 'x' };
const cases: [string, unknown, string][] = [
  ['NullRoute (baseline)', 'NullRoute', 'key:1234'],
  ['HashRoute over 8', { type: 'HashRoute', children: Array<string>(8).fill('NullRoute') }, 'key:1234'],
  [
    'AllSyncRoute over 3',
    { type: 'AllSyncRoute', children: ['NullRoute', 'NullRoute', 'NullRoute'] },
    'key:1234',
  ],
  [
    'AllMajorityRoute over 3',
    { type: 'AllMajorityRoute', children: ['NullRoute', 'NullRoute', 'NullRoute'] },
    'key:1234',
  ],
  ['FailoverRoute, no failover', { type: 'FailoverRoute', children: ['NullRoute', 'NullRoute'] }, 'key:1234'],
  ['FailoverRoute, one failover', { type: 'FailoverRoute', children: [err, 'NullRoute'] }, 'key:1234'],
  [
    'PrefixSelectorRoute, 20 policies',
    {
      type: 'PrefixSelectorRoute',
      policies: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}:`, 'NullRoute'])),
      wildcard: 'NullRoute',
    },
    'p17:abcdef',
  ],
  [
    'ModifyExptimeRoute (a set)',
    { type: 'ModifyExptimeRoute', target: 'NullRoute', exptime: 60, action: 'min' },
    'key:1234',
  ],
];

for (const [name, route, key] of cases) {
  const cfg = buildConfig({ text: JSON.stringify({ route }), path: null }, new DestinationMap(), {
    routePrefix: '/././',
    sendInvalidRouteToDefault: false,
    serverTimeoutMs: 1000,
  });
  const op = name.includes('a set') ? Op.Set : Op.Get;
  const req = new McRequest(op, Buffer.from(key), 0, 0, Buffer.from('v'));
  for (let i = 0; i < 100_000; i++) cfg.root.route(req, SINK);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) cfg.root.route(req, SINK);
  const ms = performance.now() - t0;
  console.log(
    `${name.padEnd(36)} ${(((N / ms) * 1000) / 1e6).toFixed(2)} M routes/s  ${((ms * 1e6) / N).toFixed(0)} ns/route`,
  );
}
if (replies === 0) throw new Error('no replies');
