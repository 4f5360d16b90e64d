/**
 * `seed`: exactly the routing of the seed deployment's `mcrouter.jq`. Gets are served by the
 * local memcached and warmed from central on a miss (no expiry on the local copy); sets and deletes
 * go to the key's peer (`PoolRoute|peers` hashes the key to one peer) and to central at once, the
 * first good reply wins; every other operation goes to central.
 *
 * Known weakness, kept for compatibility: a host's local copy is never invalidated by a set or
 * delete made through another host (use `coherent`).
 */
import { standardPools, type Template } from './template.js';

/** See the file comment. */
export const SEED_TEMPLATE: Template = {
  name: 'seed',
  render(t) {
    return {
      pools: standardPools(t),
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
  },
};
