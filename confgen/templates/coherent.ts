/**
 * `coherent` (the recommended default): the seed's layout, with every write keeping every local
 * copy coherent and a bounded staleness when an invalidation is lost (docs/coherence.md).
 *
 * - Writes — set, add, replace, append, prepend, cas, incr, decr, touch, delete — go through the
 *   named handle `write`: an `InvalidateRoute` (proxy/routes/invalidate-route.ts) that applies the
 *   write to central, whose reply the client gets, then deletes the key from this instance's local
 *   memcached and from every peer's in the background. A delete carries no value: the fan-out costs
 *   one small request per instance whatever the size of the write.
 *   `cas_from: PoolRoute|local`: a `cas` whose unique came from a locally served `gets` is
 *   translated to central's unique when the local copy still equals central's item
 *   (proxy/routes/cas-translation.ts), so gets + cas works while gets stay local.
 * - get, gets: the named handle `read`, a `WarmUpRoute` (cold = this instance's local memcached,
 *   warm = central), as `mcrouter/routes/WarmUpRoute.h` serves them: get fills the local copy with an
 *   async `add`; gets fills it synchronously and re-reads it (the cas unique is the local copy's).
 *   Every fill has `exptime` = `--local-ttl`, so a copy that missed its invalidation (a peer
 *   unreachable past its timeout) is wrong for at most that long.
 * - gat, gats: `read` answers (the touch is applied to the local copy, its exptime capped at
 *   `--local-ttl` by ModifyExptimeRoute `min`), and the same gat goes to central in the background,
 *   so central's item gets the client's new exptime.
 * - Reads of the local memcached fail over to central (FailoverRoute): the `local` pool has a short
 *   `server_timeout` (`LOCAL_SERVER_TIMEOUT_MS`, loopback) and `timeouts_until_tko: 1` (our pool
 *   extension, docs/failures.md), so a hung local costs the first request one short timeout, then
 *   it is TKO and costs none; a dead (refusing) local costs nothing. Fills and invalidations never fail over: an
 *   `add` of an old value must not reach central.
 * - everything else (flush_all, version): central.
 */
import { standardPools, type Template, type TemplateSettings } from './template.js';

/** `server_timeout` of the `local` pool, ms: memcached on loopback answers in well under 1 ms. */
export const LOCAL_SERVER_TIMEOUT_MS = 50;

/** `timeouts_until_tko` of the `local` pool: one timeout of a loopback memcached marks it TKO. */
export const LOCAL_TIMEOUTS_UNTIL_TKO = 1;

/** The mutations, as `operation_policies` names. */
export const WRITE_OPS = [
  'set',
  'add',
  'replace',
  'append',
  'prepend',
  'cas',
  'incr',
  'decr',
  'touch',
  'delete',
] as const;

/** The local read path: local memcached, central when local fails; fills go to local only. */
function localReads(settings: TemplateSettings): unknown {
  const failover = { type: 'FailoverRoute', children: ['PoolRoute|local', 'PoolRoute|central'] };
  const selector = {
    type: 'OperationSelectorRoute',
    default_policy: 'PoolRoute|local',
    operation_policies: { get: failover, gets: failover, gat: failover, gats: failover },
  };
  // ModifyExptimeRoute refuses `min` with 0; --local-ttl 0 means local copies never expire anyway.
  if (settings.localTtl === 0) return selector;
  return { type: 'ModifyExptimeRoute', target: selector, exptime: settings.localTtl, action: 'min' };
}

/** See the file comment. */
export const COHERENT_TEMPLATE: Template = {
  name: 'coherent',
  render(t, settings) {
    const pools = standardPools(t) as Record<string, Record<string, unknown>>;
    pools.local = {
      ...pools.local,
      server_timeout: LOCAL_SERVER_TIMEOUT_MS,
      timeouts_until_tko: LOCAL_TIMEOUTS_UNTIL_TKO,
    };
    const policies: Record<string, unknown> = { get: 'read', gets: 'read' };
    const readAndTouchCentral = { type: 'AllInitialRoute', children: ['read', 'PoolRoute|central'] };
    policies.gat = readAndTouchCentral;
    policies.gats = readAndTouchCentral;
    for (const op of WRITE_OPS) policies[op] = 'write';
    return {
      pools,
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
          cold: localReads(settings),
          warm: 'PoolRoute|central',
          exptime: settings.localTtl,
        },
      ],
      route: {
        type: 'OperationSelectorRoute',
        default_policy: 'PoolRoute|central',
        operation_policies: policies,
      },
    };
  },
};
