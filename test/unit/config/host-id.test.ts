/**
 * One host id for everything that uses it: HostIdRoute (and friends), `%hostid%`, `--hostid`.
 */
import { describe, expect, test } from 'vitest';
import { effectiveHostId } from '../../../proxy/config/host-id.js';
import { hostId } from '../../../proxy/config/jsonm/host-address.js';
import { buildConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';

const OPTS = { routePrefix: '/././', sendInvalidRouteToDefault: false, serverTimeoutMs: 1000 };

describe('host id', () => {
  test("this host's id is mcrouter's address hash, stable and unsigned", () => {
    expect(effectiveHostId()).toBe(hostId() >>> 0);
    expect(effectiveHostId()).toBe(effectiveHostId());
    expect(effectiveHostId()).toBeGreaterThanOrEqual(0);
  });

  test('--hostid overrides it; a negative value means "derive it"', () => {
    expect(effectiveHostId(7)).toBe(7);
    expect(effectiveHostId(-1)).toBe(effectiveHostId());
  });

  test('HostIdRoute and %hostid% agree, with and without --hostid', () => {
    const children = Array.from({ length: 7 }, (_, i) => `ErrorRoute|child${i}`);
    for (const hostid of [undefined, 3, 12345]) {
      const cfg = buildConfig(
        {
          text: JSON.stringify({
            route: { type: 'HostIdRoute', children },
            pools: { p: { servers: [], name_from_hostid: '@int(%hostid%)' } },
          }),
          path: null,
        },
        new DestinationMap(),
        { ...OPTS, ...(hostid !== undefined ? { hostId: hostid } : {}) },
      );
      const id = (cfg.json.pools as { p: { name_from_hostid: number } }).p.name_from_hostid;
      expect(id).toBe(effectiveHostId(hostid));
      expect(cfg.root.defaultRoute.name).toBe(`error|log|mc_res_local_error|child${id % 7}`);
    }
  });
});
