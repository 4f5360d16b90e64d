/**
 * `coherent` (the recommended default): the seed's layout with bounded staleness.
 *
 * - get: local memcached first, warmed from central on a miss; the local copy is filled with
 *   `exptime` = `--local-ttl` seconds (WarmUpRoute `exptime`), so a copy that missed an
 *   invalidation is wrong for at most that long.
 * - set, delete: `AllInitialRoute` over central and every peer (`Pool|peers`, one route per
 *   peer): the client gets central's reply, and the same set or delete reaches every instance's
 *   local memcached in the background, replacing or removing its copy.
 * - everything else: central.
 */
import { standardPools, type Template } from './template.js';

/** See the file comment. */
export const COHERENT_TEMPLATE: Template = {
  name: 'coherent',
  render(t, settings) {
    const everywhere = { type: 'AllInitialRoute', children: ['PoolRoute|central', 'Pool|peers'] };
    return {
      pools: standardPools(t),
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'PoolRoute|central',
        operation_policies: {
          delete: everywhere,
          set: everywhere,
          get: {
            type: 'WarmUpRoute',
            cold: 'PoolRoute|local',
            warm: 'PoolRoute|central',
            exptime: settings.localTtl,
          },
        },
      },
    };
  },
};
