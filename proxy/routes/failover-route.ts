/**
 * FailoverRoute: tries its children one after another until a reply that is not a failover error
 * (`mcrouter/routes/FailoverRoute.h`).
 *
 * Child 0 (the normal route) is tried first. A reply that `failover_errors` does not list is
 * returned. Otherwise, for an error that is not TKO-like (TKO, CONNECT_ERROR, CONNECT_TIMEOUT,
 * SHUTDOWN: no work was done, so they are free), `failover_limit` must grant a token — when it
 * refuses, that reply is returned — and the reply counts as an error try; the next child of the
 * `failover_policy` order is tried while fewer than `max_error_tries` error tries were made. The
 * last child's reply is returned whatever it is.
 *
 * `failover_tag: true`: failover requests for keys with a `|#|` hash stop carry `:failover=1`
 * appended to the key (not when that would exceed memcached's 250-byte key limit).
 * `name` is accepted (route name `failover:<name>`); `enable_lease_pairing` is accepted and has no
 * effect (memcached has no leases). Counters: `failover_all`, `failover_all_failed`,
 * `failover_rate_limited`, and those of `failover-stats.ts`.
 */
import { collectionRoute } from './collection-route.js';
import { z } from 'zod';
import type { McReply, ReplySink } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { isErrorResult, isTkoLikeError } from '../protocol/result.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import type { RouteBuilder, RouteFactory } from '../config/route-factory.js';
import { childPath } from '../config/json-path.js';
import { isObject, parseWith } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { FailoverErrors } from './failover-errors.js';
import { FailoverRateLimiter } from './failover-rate-limiter.js';
import {
  destinationFailureDomain,
  makeFailoverPolicy,
  type FailoverIterator,
  type FailoverPolicy,
} from './failover-policy.js';
import { FailoverStat, countFailover } from './failover-stats.js';
import { traverseAll, type RouteHandle, type RouteVisitor } from './route-handle.js';

const FAILOVER_TAG = Buffer.from(':failover=1', 'latin1');
const MAX_KEY_LENGTH = 250;

/** FailoverRoute's settings besides its children. */
export interface FailoverSettings {
  readonly errors: FailoverErrors;
  readonly rateLimiter: FailoverRateLimiter | null;
  readonly policy: FailoverPolicy;
  readonly failoverTag: boolean;
  /** `name`, for the route name `failover:<name>`; '' for none. */
  readonly name: string;
}

/**
 * Per-request state, following mcrouter's `FailoverRoute::doRoute`: the normal reply, then the
 * policy's children one at a time while fewer than `max_error_tries` error tries were made; the
 * last child's reply is returned whatever it is.
 */
class FailoverState implements ReplySink {
  private iter: FailoverIterator | null = null;
  /** Position of the child being tried (0 = normal route). */
  private pos = 0;
  /** Its child index. */
  private index = 0;
  private tries = 0;
  private last: McReply | null = null;
  /** True while the child being tried is the last one (its reply is returned whatever it is). */
  private lastChild = false;
  private failoverReq: McRequest;

  constructor(
    private readonly route: FailoverRoute,
    private readonly req: McRequest,
    private readonly sink: ReplySink,
  ) {
    this.failoverReq = req;
  }

  onReply(reply: McReply): void {
    const route = this.route;
    const policy = route.settings.policy;
    policy.record(this.index, reply);
    if (this.pos === 0) {
      route.settings.rateLimiter?.bumpTotalReqs();
      if (this.stop(reply)) {
        this.sink.onReply(reply);
        return;
      }
      const iter = this.iterator();
      this.index = iter.next();
      this.pos = 1;
      if (iter.length <= 1) {
        if (isErrorResult(reply.result)) this.allFailed();
        this.sink.onReply(reply);
        return;
      }
      route.stats.failoverAll++;
      this.last = reply;
      if (route.settings.failoverTag) this.failoverReq = tagged(this.req);
      this.tryCurrent();
      return;
    }
    this.last = reply;
    if (this.lastChild) {
      if (isErrorResult(reply.result)) this.allFailed();
      this.finish(reply);
      return;
    }
    if (this.stop(reply)) {
      this.sink.onReply(reply);
      return;
    }
    this.index = (this.iter as FailoverIterator).next();
    this.pos++;
    this.tryCurrent();
  }

  private iterator(): FailoverIterator {
    return (this.iter ??= this.route.settings.policy.begin(this.req));
  }

  /** mcrouter's `processReply`: true when this reply ends the search. */
  private stop(reply: McReply): boolean {
    const s = this.route.settings;
    const r = reply.result;
    if (!s.errors.shouldFailover(r, this.req.op)) return true;
    const counters = this.route.stats.failoverPolicy;
    if (isErrorResult(r)) {
      if (!isTkoLikeError(r)) countFailover(counters, FailoverStat.PolicyResultError);
      else {
        countFailover(counters, FailoverStat.PolicyTkoError);
        if (s.policy.failureDomains) {
          const child = this.route.children[this.index] as RouteHandle;
          this.iterator().setFailedDomain(destinationFailureDomain(child, this.req));
        }
      }
    }
    if (!isTkoLikeError(r)) {
      if (s.rateLimiter !== null && !s.rateLimiter.failoverAllowed()) {
        this.route.stats.failoverRateLimited++;
        return true;
      }
      if (!s.policy.excludeError(r)) this.tries++;
    }
    return false;
  }

  /** Sends the request to the current child, or ends when the error tries are used up. */
  private tryCurrent(): void {
    const iter = this.iter as FailoverIterator;
    if (this.tries >= this.route.settings.policy.maxErrorTries) {
      this.finish(this.last as McReply);
      return;
    }
    this.lastChild = this.pos + 1 >= iter.length;
    (this.route.children[this.index] as RouteHandle).route(this.failoverReq, this);
  }

  private allFailed(): void {
    this.route.stats.failoverAllFailed++;
    countFailover(this.route.stats.failoverPolicy, FailoverStat.AllFailedCount);
  }

  /** Counts the walk's collisions and returns `reply`. */
  private finish(reply: McReply): void {
    const iter = this.iter as FailoverIterator;
    const counters = this.route.stats.failoverPolicy;
    countFailover(counters, FailoverStat.NumCollisions, iter.collisions);
    countFailover(counters, FailoverStat.NumFailedDomainCollisions, iter.failedDomainCollisions);
    this.sink.onReply(reply);
  }
}

/** `key` + `:failover=1` when the key has a hash stop and the result fits memcached's limit. */
function tagged(req: McRequest): McRequest {
  const key = req.key;
  if (req.routingKeyEnd >= key.length || key.length + FAILOVER_TAG.length > MAX_KEY_LENGTH) return req;
  return req.withKey(Buffer.concat([key, FAILOVER_TAG]));
}

/** See the file comment. Built with ≥ 2 children (0 → NullRoute, 1 → the child). */
export class FailoverRoute implements RouteHandle {
  readonly name: string;

  constructor(
    readonly children: readonly RouteHandle[],
    readonly settings: FailoverSettings,
    readonly stats: ProxyStats,
  ) {
    this.name = settings.name === '' ? 'failover' : `failover:${settings.name}`;
  }

  route(req: McRequest, sink: ReplySink): void {
    (this.children[0] as RouteHandle).route(req, new FailoverState(this, req, sink));
  }

  traverse(req: McRequest, visit: RouteVisitor, depth: number): void {
    traverseAll(this.children, req, visit, depth);
  }
}

const optionsSchema = z.looseObject({
  failover_errors: z.unknown().optional(),
  failover_limit: z.unknown().optional(),
  failover_policy: z.unknown().optional(),
  failover_tag: z.boolean('Failover: failover_tag is not bool').optional(),
  enable_lease_pairing: z.boolean('Failover: enable_lease_pairing is not bool').optional(),
  name: z.string('Failover: name is not a string').optional(),
  hash: z.unknown().optional(),
  tags: z.unknown().optional(),
});

/**
 * Wraps `children` in a FailoverRoute configured by the FailoverRoute options in `json` (an
 * object, or anything else for the defaults): 0 children → NullRoute, 1 → the child.
 * Shared by FailoverRoute, FailoverWithExptimeRoute and LatestRoute.
 * @throws ConfigError
 */
export function makeFailoverRoute(
  factory: RouteFactory,
  children: readonly RouteHandle[],
  json: unknown,
  path: string,
): RouteHandle {
  return collectionRoute(children, () => {
    const o = isObject(json) ? parseWith(optionsSchema, json, path) : {};
    if (o.enable_lease_pairing === true && o.name === undefined) {
      throw new ConfigError(path, 'Failover: name is required when lease pairing is enabled');
    }
    const settings: FailoverSettings = {
      errors: FailoverErrors.parse(o.failover_errors, childPath(path, 'failover_errors')),
      rateLimiter:
        o.failover_limit === undefined
          ? null
          : FailoverRateLimiter.parse(o.failover_limit, childPath(path, 'failover_limit')),
      policy: makeFailoverPolicy(o.failover_policy, children, o, childPath(path, 'failover_policy'), path),
      failoverTag: o.failover_tag ?? false,
      name: o.name === undefined ? '' : `${o.name}:failover_targets=${children.length}`,
    };
    return new FailoverRoute(children, settings, factory.stats);
  });
}

const childrenSchema = z.looseObject({ children: z.unknown().optional() });

/** `FailoverRoute`: `{children, failover_errors, failover_limit, failover_policy, failover_tag}` or `FailoverRoute|<children>`. */
export const buildFailoverRoute: RouteBuilder = (factory, json, path) => {
  if (!isObject(json)) return makeFailoverRoute(factory, factory.createList(json ?? '', path), json, path);
  const o = parseWith(childrenSchema, json, path);
  const children =
    o.children === undefined ? [] : factory.createList(o.children, childPath(path, 'children'));
  return makeFailoverRoute(factory, children, json, path);
};
