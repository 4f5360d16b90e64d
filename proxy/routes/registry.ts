/**
 * Route types by their mcrouter `type` name. Adding a route = one file under `routes/` exporting a
 * `RouteBuilder`, plus one line here. (PrefixSelectorRoute is not here: like mcrouter, it is only
 * valid at the top level, built by `buildTopLevelRoute`.)
 */
import type { RouteBuilder } from '../config/route-factory.js';
import { buildAllAsyncRoute } from './all-async-route.js';
import { buildAllFastestRoute } from './all-fastest-route.js';
import { buildAllInitialRoute } from './all-initial-route.js';
import { buildAllMajorityRoute } from './all-majority-route.js';
import { buildAllSyncRoute } from './all-sync-route.js';
import { buildBigValueRoute } from './big-value-route.js';
import { buildCarbonLookasideRoute } from './carbon-lookaside-route.js';
import { buildDevNullRoute } from './dev-null-route.js';
import { buildErrorRoute } from './error-route.js';
import { buildFailoverRoute } from './failover-route.js';
import { buildFailoverWithExptimeRoute } from './failover-with-exptime-route.js';
import { buildHashRoute } from './hash-route.js';
import { buildHostIdRoute } from './host-id-route.js';
import { buildInvalidateRoute } from './invalidate-route.js';
import { buildKeySplitRoute } from './key-split-route.js';
import { buildL1L2CacheRoute } from './l1l2-cache-route.js';
import { buildL1L2SizeSplitRoute } from './l1l2-size-split-route.js';
import { buildLatencyInjectionRoute } from './latency-injection-route.js';
import { buildLatestRoute } from './latest-route.js';
import { buildLoadBalancerRoute } from './load-balancer-route.js';
import { buildLoggingRoute } from './logging-route.js';
import { buildMigrateRoute } from './migrate-route.js';
import { buildMissFailoverRoute } from './miss-failover-route.js';
import { buildModifyExptimeRoute } from './modify-exptime-route.js';
import { buildModifyKeyRoute } from './modify-key-route.js';
import { buildNullRoute } from './null-route.js';
import { buildOperationSelectorRoute } from './operation-selector-route.js';
import { buildPoolRoute } from './pool-route.js';
import { buildRandomRoute } from './random-route.js';
import { buildRoutingGroupRoute } from './routing-group-route.js';
import { buildSaltedFailoverRoute } from './salted-failover-route.js';
import { buildShadowRoute } from './shadow-route.js';
import { buildWarmUpRoute } from './warm-up-route.js';

/** Every supported route type. */
export const ROUTE_BUILDERS: ReadonlyMap<string, RouteBuilder> = new Map<string, RouteBuilder>([
  ['AllAsyncRoute', buildAllAsyncRoute],
  ['AllFastestRoute', buildAllFastestRoute],
  ['AllInitialRoute', buildAllInitialRoute],
  ['AllMajorityRoute', buildAllMajorityRoute],
  ['AllSyncRoute', buildAllSyncRoute],
  ['BigValueRoute', buildBigValueRoute],
  ['CarbonLookasideRoute', buildCarbonLookasideRoute],
  ['DevNullRoute', buildDevNullRoute],
  ['ErrorRoute', buildErrorRoute],
  ['FailoverRoute', buildFailoverRoute],
  ['FailoverWithExptimeRoute', buildFailoverWithExptimeRoute],
  ['HashRoute', buildHashRoute],
  ['HostIdRoute', buildHostIdRoute],
  ['InvalidateRoute', buildInvalidateRoute],
  ['KeySplitRoute', buildKeySplitRoute],
  ['L1L2CacheRoute', buildL1L2CacheRoute],
  ['L1L2SizeSplitRoute', buildL1L2SizeSplitRoute],
  ['LatencyInjectionRoute', buildLatencyInjectionRoute],
  ['LatestRoute', buildLatestRoute],
  ['LoadBalancerRoute', buildLoadBalancerRoute],
  ['LoggingRoute', buildLoggingRoute],
  ['MigrateRoute', buildMigrateRoute],
  ['MissFailoverRoute', buildMissFailoverRoute],
  ['ModifyExptimeRoute', buildModifyExptimeRoute],
  ['ModifyKeyRoute', buildModifyKeyRoute],
  ['NullRoute', buildNullRoute],
  ['OperationSelectorRoute', buildOperationSelectorRoute],
  ['PrefixPolicyRoute', buildOperationSelectorRoute],
  ['PoolRoute', buildPoolRoute],
  ['RandomRoute', buildRandomRoute],
  ['RoutingGroupRoute', buildRoutingGroupRoute],
  ['SaltedFailoverRoute', buildSaltedFailoverRoute],
  ['ShadowRoute', buildShadowRoute],
  ['WarmUpRoute', buildWarmUpRoute],
]);
