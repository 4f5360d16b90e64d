/**
 * HostIdRoute: picks one child once, when the config is built, from the host id — child
 * `hostid % n` (`mcrouter/lib/routes/HostIdRoute.h`, `mcrouter/routes/`) — so each host of a fleet sends
 * everything to its own child. The host id is mcsidecar's (`proxy/config/host-id.ts`, `--hostid`),
 * not mcrouter's folly hash, so the child a given host picks differs from mcrouter's. No children
 * (e.g. an empty pool) make it a NullRoute (`mcrouter/routes/HostIdRouteFactory.h`).
 */
import { collectionChildren, collectionRoute } from './collection-route.js';
import type { RouteBuilder } from '../config/route-factory.js';
import type { RouteHandle } from './route-handle.js';

/** `HostIdRoute`: `{children}` or `HostIdRoute|<children>`; the chosen child itself is the route. */
export const buildHostIdRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  return collectionRoute(children, (c) => c[factory.hostId % c.length] as RouteHandle);
};
