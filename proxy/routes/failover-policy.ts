/**
 * FailoverRoute's `failover_policy` (`mcrouter/routes/FailoverPolicy.h`, `mcrouter/routes/FailoverRoute.h`): the order
 * in which children are tried and how many error replies end the search.
 *
 * - no policy, or any other `type`: in order, every child; `max_tries` error tries (default: no
 *   limit), `exclude_errors`;
 * - `{"type": "LeastFailuresPolicy", "max_tries": n}`: child 0 first, then the others ordered by
 *   fewest recent consecutive errors (a stable sort; a non-error reply resets a child's count),
 *   `max_tries` children in all (capped at the number of children);
 * - `{"type": "DeterministicOrderPolicy", "max_tries": n, "max_error_tries": m}`: child 0 first,
 *   then children chosen by hashing the routing key with salts "2", "3", … (Ch3, or WeightedCh3
 *   with the route's `hash.weights`), skipping children already chosen and — unless
 *   `ignore_normal_reply_index` — the child after the one child 0 hashed to (mcrouter's layout
 *   `[PoolRoute|A, Pool|A...]`); at most `max_tries` children and `max_error_tries` error replies.
 *   `exclude_errors` lists results that do not count as error tries. `enable_failure_domains`:
 *   a child in a failure domain (pool `failure_domains`) that answered TKO is skipped like a
 *   collision (for the first 75 of at most 100 picks). Picks are made one at a time, as the
 *   failover proceeds, and counted in `failover_num_collisions` /
 *   `failover_num_failed_domain_collisions`;
 * - `{"type": "RendezvousPolicy", "tags": [...]}`: see `rendezvous-policy.ts`.
 *
 * TKO-like replies never count as tries (FailoverRoute's rule).
 */
import { z } from 'zod';
import type { McReply } from '../protocol/reply.js';
import type { McRequest } from '../protocol/request.js';
import { RESULT_NAMES, isErrorResult, resultFromName, type Result } from '../protocol/result.js';
import { createHashSelector, type HashSelector } from '../hash/hash-selector.js';
import { ConfigError } from '../errors.js';
import { childPath } from '../config/json-path.js';
import { parseWith } from '../config/schema.js';
import { DestinationRoute } from './destination-route.js';
import { HashRoute } from './hash-route.js';
import { makeRendezvousPolicy } from './rendezvous-policy.js';
import type { RouteHandle } from './route-handle.js';

/**
 * One request's walk over the children (mcrouter's policy iterator). Position 0 is the normal
 * route (child 0); each `next()` moves to the next position and returns its child index.
 */
export interface FailoverIterator {
  /** mcrouter's `++iter`: the child index of the next position. */
  next(): number;
  /** A TKO-like reply came from the current child, whose failure domain is `domain` (0 = none). */
  setFailedDomain(domain: number): void;
  /** Positions in this walk, the normal route included (mcrouter's `end()`). */
  readonly length: number;
  /** Picks that hit a child already chosen (DeterministicOrderPolicy; 0 for the others). */
  readonly collisions: number;
  /** Picks that hit a failed failure domain (DeterministicOrderPolicy with `enable_failure_domains`). */
  readonly failedDomainCollisions: number;
}

/** See the file comment. */
export interface FailoverPolicy {
  /** Error replies (not TKO-like, not excluded) after which no further child is tried. */
  readonly maxErrorTries: number;
  /** True when replies' failure domains matter (`enable_failure_domains`). */
  readonly failureDomains: boolean;
  /** True when `result` does not count as an error try. */
  excludeError(result: Result): boolean;
  /** Starts the walk for `req`, once the normal reply asks for a failover. */
  begin(req: McRequest): FailoverIterator;
  /** Observes the reply of child `index` (LeastFailuresPolicy keeps error counts). */
  record(index: number, reply: McReply): void;
}

/** Walks a fixed order of child indices (element 0 is the normal route, 0). */
export class ListIterator implements FailoverIterator {
  readonly collisions = 0;
  readonly failedDomainCollisions = 0;
  readonly length: number;
  private pos = 0;

  constructor(private readonly order: readonly number[]) {
    this.length = order.length;
  }

  next(): number {
    return this.order[++this.pos] ?? 0;
  }

  setFailedDomain(): void {
    /* no failure domains */
  }
}

function parseExclude(json: unknown, path: string): Uint8Array | null {
  if (json === undefined) return null;
  const list = parseWith(z.array(z.string(), 'List of carbon errors is not an array'), json, path);
  const set = new Uint8Array(RESULT_NAMES.length);
  list.forEach((name, i) => {
    const r = resultFromName(name);
    if (r === undefined || !isErrorResult(r)) {
      throw new ConfigError(childPath(path, i), `Failover error ${name} is not a valid error result`);
    }
    set[r] = 1;
  });
  return set;
}

/** Children in config order; `max_tries` (default: no limit) error tries. */
class InOrderPolicy implements FailoverPolicy {
  readonly failureDomains = false;
  private readonly all: readonly number[];

  constructor(
    n: number,
    readonly maxErrorTries: number,
    private readonly exclude: Uint8Array | null,
  ) {
    this.all = Array.from({ length: n }, (_, i) => i);
  }

  excludeError(result: Result): boolean {
    return this.exclude !== null && this.exclude[result] === 1;
  }

  begin(): FailoverIterator {
    return new ListIterator(this.all);
  }

  record(): void {
    /* stateless */
  }
}

/** Child 0, then the children with the fewest recent consecutive errors. */
class LeastFailuresPolicy implements FailoverPolicy {
  readonly maxErrorTries = Number.POSITIVE_INFINITY;
  readonly failureDomains = false;
  private readonly errors: Uint32Array;

  constructor(
    n: number,
    private readonly maxTries: number,
  ) {
    this.errors = new Uint32Array(n);
  }

  excludeError(): boolean {
    return false;
  }

  begin(): FailoverIterator {
    const e = this.errors;
    const rest = Array.from({ length: e.length - 1 }, (_, i) => i + 1);
    rest.sort((a, b) => (e[a] as number) - (e[b] as number) || a - b);
    return new ListIterator([0, ...rest].slice(0, this.maxTries));
  }

  record(index: number, reply: McReply): void {
    if (isErrorResult(reply.result)) this.errors[index] = (this.errors[index] ?? 0) + 1;
    else this.errors[index] = 0;
  }
}

/** mcrouter gives up after this many picks and takes the last one. */
const MAX_ATTEMPTS = 100;
/** After this many picks a failed failure domain no longer counts as a collision. */
const FAILURE_DOMAIN_THRESHOLD = (3 * MAX_ATTEMPTS) / 4;

/** DeterministicOrderPolicy's walk (`FailoverDeterministicOrderPolicy::Iter::increment`). */
class DeterministicIterator implements FailoverIterator {
  readonly length: number;
  collisions = 0;
  failedDomainCollisions = 0;
  private salt = 1;
  private index = 0;
  private used: Uint8Array | null = null;
  private failed: Set<number> | null = null;

  constructor(
    private readonly policy: DeterministicOrderPolicy,
    private readonly req: McRequest,
  ) {
    this.length = policy.maxTries;
  }

  next(): number {
    const p = this.policy;
    const n = p.children.length;
    const req = this.req;
    if (this.index === 0) {
      const used = new Uint8Array(n);
      used[0] = 1;
      if (!p.ignoreNormalReplyIndex) {
        const normal = p.normalIndex(req) + 1;
        if (normal < n) used[normal] = 1;
      }
      this.used = used;
    }
    const used = this.used as Uint8Array;
    let attempts = 0;
    let failedDomain = false;
    let index: number;
    do {
      this.salt++;
      index = p.selector(this.salt)(req.key, req.routingKeyStart, req.routingKeyEnd);
      // mcrouter looks the domain up (and memoizes it) on every pick, even before any failed:
      // the memo of child 0 (a PoolRoute) keeps the domain of the first server it resolved to.
      if (p.failureDomains) {
        const domain = p.failureDomain(index, req);
        failedDomain = this.failed?.has(domain) === true;
      }
      if (attempts > FAILURE_DOMAIN_THRESHOLD) failedDomain = false;
      if (failedDomain) this.failedDomainCollisions++;
      else this.collisions++;
    } while ((used[index] === 1 || failedDomain) && attempts++ < MAX_ATTEMPTS);
    this.collisions--;
    used[index] = 1;
    this.index = index;
    return index;
  }

  setFailedDomain(domain: number): void {
    if (!this.policy.failureDomains || domain <= 0) return;
    (this.failed ??= new Set()).add(domain);
    if (this.index > 0) this.policy.memoizeDomain(this.index, domain);
  }
}

/** Child 0, then children picked by salted hashes of the routing key. */
class DeterministicOrderPolicy implements FailoverPolicy {
  private readonly selectors: HashSelector[] = [];
  /** Failure domains by child index, learnt from traversals and TKO replies. */
  private readonly domains = new Map<number, number>();

  constructor(
    readonly children: readonly RouteHandle[],
    readonly maxTries: number,
    readonly maxErrorTries: number,
    private readonly exclude: Uint8Array | null,
    readonly ignoreNormalReplyIndex: boolean,
    readonly failureDomains: boolean,
    private readonly hashFunc: string,
    private readonly weights: readonly number[] | undefined,
  ) {}

  excludeError(result: Result): boolean {
    return this.exclude !== null && this.exclude[result] === 1;
  }

  begin(req: McRequest): FailoverIterator {
    return new DeterministicIterator(this, req);
  }

  record(): void {
    /* stateless */
  }

  /** The hash selector for salt `salt` (mcrouter starts at 1 and increments before each pick). */
  selector(salt: number): HashSelector {
    let s = this.selectors[salt];
    if (s === undefined) {
      s = createHashSelector({
        hashFunc: this.hashFunc,
        n: this.children.length,
        salt: String(salt),
        ...(this.weights !== undefined ? { weights: this.weights } : {}),
      });
      this.selectors[salt] = s;
    }
    return s;
  }

  normalIndex(req: McRequest): number {
    return normalRouteIndex(this.children, req);
  }

  /** Child `index`'s failure domain for `req` (its first destination's; 0 = none), memoized. */
  failureDomain(index: number, req: McRequest): number {
    const known = this.domains.get(index);
    if (known !== undefined) return known;
    const d = destinationFailureDomain(this.children[index] as RouteHandle, req);
    if (d > 0) this.domains.set(index, d);
    return d;
  }

  memoizeDomain(index: number, domain: number): void {
    if (!this.domains.has(index)) this.domains.set(index, domain);
  }
}

/**
 * The server index the normal route (child 0) picked for `req`: a HashRoute's pick, else 0
 * (mcrouter's `fiber_local::getSelectedIndex()`).
 */
export function normalRouteIndex(children: readonly RouteHandle[], req: McRequest): number {
  const first = children[0];
  return first instanceof HashRoute ? first.pickIndex(req) : 0;
}

/**
 * The failure domain of the first destination `route` sends `req` to (0 = none), as mcrouter's
 * `RouteHandleTraverser` over the child.
 */
export function destinationFailureDomain(route: RouteHandle, req: McRequest): number {
  if (route instanceof DestinationRoute) return route.failureDomain;
  let domain = -1;
  route.traverse(
    req,
    (h) => {
      if (domain < 0 && h instanceof DestinationRoute) domain = h.failureDomain;
    },
    0,
  );
  return domain < 0 ? 0 : domain;
}

const maxTries = z.int('max_tries must be an integer').min(1, 'max_tries must be at least 1');

const inOrderSchema = z.looseObject({
  max_tries: maxTries.optional(),
  exclude_errors: z.unknown().optional(),
});

const leastFailuresSchema = z.looseObject({
  max_tries: maxTries.optional(),
});

const deterministicSchema = z.looseObject({
  max_tries: maxTries.optional(),
  max_error_tries: z.int('max_error_tries must be an integer').min(1).optional(),
  exclude_errors: z.unknown().optional(),
  ignore_normal_reply_index: z.boolean('ignore_normal_reply_index is not a boolean').optional(),
  enable_failure_domains: z.boolean('enable_failure_domains is not a boolean').optional(),
  hash: z.unknown().optional(),
  weights: z.unknown().optional(),
});

const hashSchema = z.looseObject(
  {
    hash_func: z.string('Failover: DeterministicOrderPolicy: hash_func is not a string').optional(),
    weights: z.array(z.number(), 'weights is not an array of numbers').optional(),
  },
  'hash is not an object',
);

/** The FailoverRoute options a policy reads (`mcrouter/routes/FailoverRoute-inl.h`). */
export interface FailoverRouteKeys {
  /** DeterministicOrderPolicy's hash; replaces the policy's own `hash`. */
  readonly hash?: unknown;
  /** RendezvousPolicy's tags; replace the policy's own `tags`. */
  readonly tags?: unknown;
}

/**
 * Builds the policy for `failover_policy` (undefined → in order).
 * @param route the FailoverRoute's own `hash` and `tags`
 * @param routePath the FailoverRoute's JSON path (where its `hash` is)
 * @throws ConfigError at `path`
 */
export function makeFailoverPolicy(
  json: unknown,
  children: readonly RouteHandle[],
  route: FailoverRouteKeys,
  path: string,
  routePath: string = path,
): FailoverPolicy {
  const hash = route.hash;
  const n = children.length;
  if (json === undefined) return new InOrderPolicy(n, Number.POSITIVE_INFINITY, null);
  const o = parseWith(z.looseObject({}, 'Failover: failover_policy is not object'), json, path);
  const type = o.type;
  if (type === undefined)
    throw new ConfigError(path, "Failover: failover_policy object is missing 'type' field");
  if (typeof type !== 'string') throw new ConfigError(childPath(path, 'type'), 'type is not a string');
  if (type === 'LeastFailuresPolicy') {
    const p = parseWith(leastFailuresSchema, o, path);
    if (p.max_tries === undefined) {
      throw new ConfigError(path, "Failover: LeastFailuresPolicy must specify 'max_tries' field");
    }
    return new LeastFailuresPolicy(n, Math.min(p.max_tries, n));
  }
  if (type === 'DeterministicOrderPolicy') {
    const p = parseWith(deterministicSchema, o, path);
    if (p.max_tries === undefined) {
      throw new ConfigError(path, "Failover: DeterministicOrderPolicy must specify 'max_tries' field");
    }
    if (p.max_error_tries === undefined) {
      throw new ConfigError(path, "Failover: DeterministicOrderPolicy must specify 'max_error_tries' field");
    }
    const tries = Math.min(p.max_tries, n);
    const hashPath = hash !== undefined ? childPath(routePath, 'hash') : childPath(path, 'hash');
    const h =
      hash !== undefined || p.hash !== undefined
        ? parseWith(hashSchema, hash ?? p.hash, hashPath)
        : parseWith(hashSchema, { weights: p.weights }, childPath(path, 'weights'));
    const hashFunc = h.hash_func ?? 'Ch3';
    if (hashFunc !== 'Ch3' && hashFunc !== 'WeightedCh3') {
      throw new ConfigError(hashPath, `Unknown hash function ${hashFunc}`);
    }
    if (hashFunc === 'WeightedCh3' && h.weights === undefined) {
      throw new ConfigError(hashPath, 'WeightedCh3: weights are required');
    }
    return new DeterministicOrderPolicy(
      children,
      tries,
      Math.min(p.max_error_tries, tries),
      parseExclude(p.exclude_errors, childPath(path, 'exclude_errors')),
      p.ignore_normal_reply_index ?? false,
      p.enable_failure_domains ?? false,
      hashFunc,
      h.weights,
    );
  }
  if (type === 'RendezvousPolicy') {
    if (hash === 'WeightedRendezvous') {
      throw new ConfigError(childPath(routePath, 'hash'), 'WeightedRendezvous is not supported');
    }
    return makeRendezvousPolicy(route.tags !== undefined ? { ...o, tags: route.tags } : o, children, path);
  }
  // Any other type is mcrouter's in-order policy, which reads `max_tries` and `exclude_errors`.
  const p = parseWith(inOrderSchema, o, path);
  return new InOrderPolicy(
    n,
    p.max_tries === undefined ? Number.POSITIVE_INFINITY : Math.min(p.max_tries, n),
    parseExclude(p.exclude_errors, childPath(path, 'exclude_errors')),
  );
}
