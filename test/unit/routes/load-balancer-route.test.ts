/**
 * LoadBalancerRoute's child choice without servers (`mcrouter/routes/LoadBalancerRoute.h`): with no
 * server load (memcached reports none) weighted-hashing is WeightedCh3 with weights 1.0 over the
 * routing key, and `failover_count` retries an error on children not tried yet, each at most once.
 */
import { describe, expect, test } from 'vitest';
import {
  LoadBalancerRoute,
  TWO_RANDOM_CHOICES,
  WEIGHTED_HASHING,
} from '../../../proxy/routes/load-balancer-route.js';
import { createHashSelector } from '../../../proxy/hash/hash-selector.js';
import { McReply, type ReplySink } from '../../../proxy/protocol/reply.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';
import type { RouteHandle } from '../../../proxy/routes/route-handle.js';

/** A child that records the keys it got and answers with `result`. */
class Child implements RouteHandle {
  readonly seen: string[] = [];
  constructor(
    readonly name: string,
    private readonly result: Result,
  ) {}
  route(req: McRequest, sink: ReplySink): void {
    this.seen.push(req.keyString());
    sink.onReply(
      this.result === Result.Found
        ? new McReply(Result.Found, Buffer.from(this.name))
        : McReply.error(this.result),
    );
  }
  traverse(): void {
    /* a leaf */
  }
}

function routeOnce(route: RouteHandle, key: string): McReply {
  const replies: McReply[] = [];
  route.route(new McRequest(Op.Get, Buffer.from(key)), { onReply: (r) => replies.push(r) });
  expect(replies).toHaveLength(1);
  return replies[0] as McReply;
}

const KEYS = Array.from({ length: 300 }, (_, i) => `key:${i}|#|suffix${i % 3}`);

describe('LoadBalancerRoute', () => {
  test('weighted-hashing picks WeightedCh3 (weights 1.0) of the routing key and salt', () => {
    const children = ['a', 'b', 'c', 'd', 'e'].map((n) => new Child(n, Result.Found));
    const lb = new LoadBalancerRoute(children, 'pepper', 1, WEIGHTED_HASHING);
    const select = createHashSelector({
      hashFunc: 'WeightedCh3',
      n: 5,
      salt: 'pepper',
      weights: [1, 1, 1, 1, 1],
    });
    for (const key of KEYS) {
      const req = new McRequest(Op.Get, Buffer.from(key));
      const want = children[select(req.key, req.routingKeyStart, req.routingKeyEnd)] as Child;
      expect(routeOnce(lb, key).value?.toString()).toBe(want.name);
    }
    for (const c of children) expect(c.seen.length).toBeGreaterThan(20);
    // The part after |#| is not hashed: keys that differ only there go to the same child.
    for (let i = 0; i < 50; i++) {
      expect(routeOnce(lb, `k${i}|#|x`).value).toEqual(routeOnce(lb, `k${i}|#|y`).value);
    }
  });

  test('failover_count n: an error is retried on n - 1 other children, each child at most once', () => {
    const children = ['a', 'b', 'c', 'd'].map((n) => new Child(n, Result.RemoteError));
    const lb = new LoadBalancerRoute(children, '', 3, WEIGHTED_HASHING);
    for (const key of KEYS) {
      for (const c of children) c.seen.length = 0;
      expect(routeOnce(lb, key).result).toBe(Result.RemoteError);
      const tried = children.filter((c) => c.seen.length > 0);
      expect(tried).toHaveLength(3);
      for (const c of tried) expect(c.seen).toEqual([key]);
    }
  });

  test('failover stops at the first reply that is not an error; count is capped at the children', () => {
    const bad = new Child('bad', Result.Timeout);
    const good = new Child('good', Result.Found);
    const lb = new LoadBalancerRoute([bad, good], '', 10, WEIGHTED_HASHING);
    for (const key of KEYS) expect(routeOnce(lb, key).value?.toString()).toBe('good');
    expect(good.seen).toHaveLength(KEYS.length);
    expect(bad.seen.length).toBeGreaterThan(0);
    expect(bad.seen.length).toBeLessThan(KEYS.length);
  });

  test('two-random-choices reaches every child', () => {
    const children = ['a', 'b', 'c'].map((n) => new Child(n, Result.Found));
    const lb = new LoadBalancerRoute(children, '', 1, TWO_RANDOM_CHOICES);
    expect(lb.name).toBe('loadbalancer|two-random-choices');
    for (const key of KEYS) routeOnce(lb, key);
    for (const c of children) expect(c.seen.length).toBeGreaterThan(30);
  });
});
