/**
 * FailoverRoute's `failover_policy` (`mcrouter/routes/FailoverPolicy.h`, `mcrouter/routes/FailoverRoute.h`): the order
 * in which children are tried and how many error replies end the search.
 *
 * - no policy, or any other `type`: in order, every child, no limit on error tries;
 * - `{"type": "LeastFailuresPolicy", "max_tries": n}`: child 0 first, then the others ordered by
 *   fewest recent consecutive errors (a stable sort; a non-error reply resets a child's count),
 *   `max_tries` children in all (capped at the number of children);
 * - `{"type": "DeterministicOrderPolicy", "max_tries": n, "max_error_tries": m}`: child 0 first,
 *   then children chosen by hashing the routing key with salts "2", "3", … (Ch3, or WeightedCh3
 *   with the route's `hash.weights`), skipping children already chosen and — unless
 *   `ignore_normal_reply_index` — the child after the one child 0 hashed to (mcrouter's layout
 *   `[PoolRoute|A, Pool|A...]`); at most `max_tries` children and `max_error_tries` error replies.
 *   `exclude_errors` lists results that do not count as error tries.
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
import { HashRoute } from './hash-route.js';
import type { RouteHandle } from './route-handle.js';

/** See the file comment. */
export interface FailoverPolicy {
  /** Error replies (not TKO-like, not excluded) after which no further child is tried. */
  readonly maxErrorTries: number;
  /** True when `result` does not count as an error try. */
  excludeError(result: Result): boolean;
  /**
   * The children to try for `req`, as indices: element 0 is always 0 (the normal route, already
   * tried). Called once per request, when the normal reply asks for a failover.
   */
  order(req: McRequest): readonly number[];
  /** Observes the reply of child `index` (LeastFailuresPolicy keeps error counts). */
  record(index: number, reply: McReply): void;
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

/** Children in config order, no limit. */
class InOrderPolicy implements FailoverPolicy {
  readonly maxErrorTries = Number.POSITIVE_INFINITY;
  private readonly all: readonly number[];

  constructor(n: number) {
    this.all = Array.from({ length: n }, (_, i) => i);
  }

  excludeError(): boolean {
    return false;
  }

  order(): readonly number[] {
    return this.all;
  }

  record(): void {
    /* stateless */
  }
}

/** Child 0, then the children with the fewest recent consecutive errors. */
class LeastFailuresPolicy implements FailoverPolicy {
  readonly maxErrorTries = Number.POSITIVE_INFINITY;
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

  order(): readonly number[] {
    const e = this.errors;
    const rest = Array.from({ length: e.length - 1 }, (_, i) => i + 1);
    rest.sort((a, b) => (e[a] as number) - (e[b] as number) || a - b);
    return [0, ...rest].slice(0, this.maxTries);
  }

  record(index: number, reply: McReply): void {
    if (isErrorResult(reply.result)) this.errors[index] = (this.errors[index] ?? 0) + 1;
    else this.errors[index] = 0;
  }
}

/** Child 0, then children picked by salted hashes of the routing key. */
class DeterministicOrderPolicy implements FailoverPolicy {
  private readonly selectors: HashSelector[] = [];

  constructor(
    private readonly children: readonly RouteHandle[],
    private readonly maxTries: number,
    readonly maxErrorTries: number,
    private readonly exclude: Uint8Array | null,
    private readonly ignoreNormalReplyIndex: boolean,
    private readonly hashFunc: string,
    private readonly weights: readonly number[] | undefined,
  ) {}

  excludeError(result: Result): boolean {
    return this.exclude !== null && this.exclude[result] === 1;
  }

  private selector(attempt: number): HashSelector {
    let s = this.selectors[attempt];
    if (s === undefined) {
      // mcrouter starts from salt 1 and increments before each pick: "2", "3", …
      s = createHashSelector({
        hashFunc: this.hashFunc,
        n: this.children.length,
        salt: String(attempt + 2),
        ...(this.weights !== undefined ? { weights: this.weights } : {}),
      });
      this.selectors[attempt] = s;
    }
    return s;
  }

  order(req: McRequest): readonly number[] {
    const n = this.children.length;
    const used = new Uint8Array(n);
    used[0] = 1;
    const first = this.children[0];
    if (!this.ignoreNormalReplyIndex && first instanceof HashRoute) {
      const normal = first.pickIndex(req) + 1;
      if (normal < n) used[normal] = 1;
    }
    const out = [0];
    let attempt = 0;
    while (out.length < this.maxTries) {
      let index = 0;
      // mcrouter gives up after 100 collisions and takes the last pick.
      for (let tries = 0; tries <= 100; tries++) {
        index = this.selector(attempt++)(req.key, req.routingKeyStart, req.routingKeyEnd);
        if (used[index] !== 1) break;
      }
      used[index] = 1;
      out.push(index);
    }
    return out;
  }

  record(): void {
    /* stateless */
  }
}

const maxTries = z.int('max_tries must be an integer').min(1, 'max_tries must be at least 1');

const leastFailuresSchema = z.looseObject({
  max_tries: maxTries.optional(),
});

const deterministicSchema = z.looseObject({
  max_tries: maxTries.optional(),
  max_error_tries: z.int('max_error_tries must be an integer').min(1).optional(),
  exclude_errors: z.unknown().optional(),
  ignore_normal_reply_index: z.boolean().optional(),
});

/**
 * Builds the policy for `failover_policy` (undefined → in order).
 * @param hash the FailoverRoute's `hash` option (DeterministicOrderPolicy's hash function)
 * @throws ConfigError at `path`
 */
export function makeFailoverPolicy(
  json: unknown,
  children: readonly RouteHandle[],
  hash: unknown,
  path: string,
): FailoverPolicy {
  const n = children.length;
  if (json === undefined) return new InOrderPolicy(n);
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
    let hashFunc = 'Ch3';
    let weights: number[] | undefined;
    if (typeof hash === 'object' && hash !== null) {
      const h = hash as Record<string, unknown>;
      if (typeof h.hash_func === 'string') hashFunc = h.hash_func;
      if (Array.isArray(h.weights)) weights = h.weights.filter((w): w is number => typeof w === 'number');
    }
    if (hashFunc !== 'Ch3' && hashFunc !== 'WeightedCh3') {
      throw new ConfigError(childPath(path, 'hash'), `Unknown hash function ${hashFunc}`);
    }
    if (hashFunc === 'WeightedCh3' && weights === undefined) {
      throw new ConfigError(childPath(path, 'hash'), 'WeightedCh3: weights are required');
    }
    return new DeterministicOrderPolicy(
      children,
      tries,
      Math.min(p.max_error_tries, tries),
      parseExclude(p.exclude_errors, childPath(path, 'exclude_errors')),
      p.ignore_normal_reply_index ?? false,
      hashFunc,
      weights,
    );
  }
  // Any other type is mcrouter's in-order policy.
  return new InOrderPolicy(n);
}
