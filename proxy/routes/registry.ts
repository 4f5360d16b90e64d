/**
 * Route types by their mcrouter `type` name. Adding a route = one file under `routes/` exporting a
 * `RouteBuilder`, plus one line here.
 */
import type { RouteBuilder } from '../config/route-factory.js';
import { buildAllFastestRoute } from './all-fastest-route.js';
import { buildErrorRoute } from './error-route.js';
import { buildHashRoute } from './hash-route.js';
import { buildNullRoute } from './null-route.js';
import { buildOperationSelectorRoute } from './operation-selector-route.js';
import { buildPoolRoute } from './pool-route.js';
import { buildWarmUpRoute } from './warm-up-route.js';

/** Every supported route type. */
export const ROUTE_BUILDERS: ReadonlyMap<string, RouteBuilder> = new Map<string, RouteBuilder>([
  ['AllFastestRoute', buildAllFastestRoute],
  ['ErrorRoute', buildErrorRoute],
  ['HashRoute', buildHashRoute],
  ['NullRoute', buildNullRoute],
  ['OperationSelectorRoute', buildOperationSelectorRoute],
  ['PrefixPolicyRoute', buildOperationSelectorRoute],
  ['PoolRoute', buildPoolRoute],
  ['WarmUpRoute', buildWarmUpRoute],
]);
