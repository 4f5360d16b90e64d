/**
 * HostIdRoute: picks one child once, when the config is built, from the host id — child
 * `hostid % n` (`mcrouter/lib/routes/HostIdRoute.h`, `mcrouter/routes/`) — so each host of a fleet sends
 * everything to its own child. The host id is mcsidecar's (`proxy/config/host-id.ts`, `--hostid`),
 * not mcrouter's folly hash, so the child a given host picks differs from mcrouter's. No children
 * (e.g. an empty pool) make it a NullRoute (`mcrouter/routes/HostIdRouteFactory.h`).
 */
import type { RouteBuilder } from '../config/route-factory.js';
import { collectionChildren } from './all-fastest-route.js';
import { NULL_ROUTE } from './null-route.js';
import type { RouteHandle } from './route-handle.js';

/** `HostIdRoute`: `{children}` or `HostIdRoute|<children>`; the chosen child itself is the route. */
export const buildHostIdRoute: RouteBuilder = (factory, json, path) => {
  const children = collectionChildren(factory, json, path);
  if (children.length === 0) return NULL_ROUTE;
  return children[factory.hostId % children.length] as RouteHandle;
};
