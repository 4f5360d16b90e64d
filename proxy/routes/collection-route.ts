/**
 * What the collection routes (AllSyncRoute, AllAsyncRoute, AllFastestRoute, AllInitialRoute,
 * AllMajorityRoute, RandomRoute, FailoverRoute, MissFailoverRoute, HostIdRoute) share: their
 * children's two JSON forms, and mcrouter's shortcut of no children → NullRoute and one child →
 * the child itself (`makeAllSyncRoute` in `mcrouter/routes/AllSyncRouteFactory.h`, likewise
 * `AllFastestRouteFactory.h`, `AllInitialRouteFactory.h`, `AllMajorityRouteFactory.h`,
 * `RandomRouteFactory.h`, `FailoverRoute.h`, `MissFailoverRoute.h`).
 */
import { z } from 'zod';
import type { RouteHandle } from './route-handle.js';
import type { RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { NULL_ROUTE } from './null-route.js';

const schema = z.looseObject({ children: z.unknown() });

/**
 * Collection-route children: `Type|<children>` short form or `{"children": ...}`.
 * @throws ConfigError
 */
export function collectionChildren(factory: RouteFactory, json: unknown, path: string): RouteHandle[] {
  if (typeof json === 'string' || Array.isArray(json)) return factory.createList(json, path);
  const o = parseWith(schema, json, path);
  return factory.createList(o.children, childPath(path, 'children'));
}

/**
 * No children → NullRoute; one → that child (unless `keepSingle`, for routes such as
 * AllAsyncRoute whose one child still answers differently); more → `make(children)`.
 */
export function collectionRoute<C extends readonly RouteHandle[]>(
  children: C,
  make: (children: C) => RouteHandle,
  keepSingle = false,
): RouteHandle {
  if (children.length === 0) return NULL_ROUTE;
  if (children.length === 1 && !keepSingle) return children[0] as RouteHandle;
  return make(children);
}
