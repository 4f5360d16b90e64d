/**
 * FailoverWithExptimeRoute: a FailoverRoute over `normal` then the `failover` routes, where the
 * failover routes store with a capped exptime (`mcrouter/routes/FailoverWithExptimeRouteFactory.h`,
 * `mcrouter/routes/FailoverRoute.h`). With `failover_exptime` > 0 (default 60 seconds) every failover child is wrapped
 * in ModifyExptimeRoute `min`: the exptime becomes min(request's, failover_exptime), 0 counting as
 * infinite. Every FailoverRoute option (`failover_errors`, `failover_limit`, `failover_policy`,
 * `failover_tag`) applies.
 */
import { z } from 'zod';
import type { RouteBuilder } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { makeFailoverRoute } from './failover-route.js';
import { ModifyExptimeRoute } from './modify-exptime-route.js';
import type { RouteHandle } from './route-handle.js';

const schema = z.looseObject({
  normal: z.unknown().refine((v) => v !== undefined, 'FailoverWithExptimeRoute: normal not found'),
  failover: z.unknown().optional(),
  failover_exptime: z.int('FailoverWithExptimeRoute: failover_exptime is not an integer').optional(),
});

/** `FailoverWithExptimeRoute`: `{normal, failover, failover_exptime, …FailoverRoute options}`. */
export const buildFailoverWithExptimeRoute: RouteBuilder = (factory, json, path) => {
  const o = parseWith(schema, json, path);
  const normal = factory.create(o.normal, childPath(path, 'normal'));
  const exptime = o.failover_exptime ?? 60;
  const failover =
    o.failover === undefined ? [] : factory.createList(o.failover, childPath(path, 'failover'));
  const children: RouteHandle[] = [normal];
  for (const f of failover) children.push(exptime > 0 ? new ModifyExptimeRoute(f, exptime, 'min') : f);
  return makeFailoverRoute(factory, children, json, path);
};
