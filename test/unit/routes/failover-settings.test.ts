/**
 * FailoverRoute's settings without servers: `failover_errors` per operation group, the
 * `failover_limit` token bucket over requests (mcrouter's `FailoverRateLimiter`, the arithmetic of
 * `TestFailoverWithLimit`), and the `failover_policy` orders (`mcrouter/routes/FailoverRoute.h`).
 */
import { describe, expect, test } from 'vitest';
import { FailoverErrors } from '../../../proxy/routes/failover-errors.js';
import { FailoverRateLimiter } from '../../../proxy/routes/failover-rate-limiter.js';
import { makeFailoverPolicy, type FailoverPolicy } from '../../../proxy/routes/failover-policy.js';
import { TokenBucket } from '../../../proxy/routes/token-bucket.js';
import { NULL_ROUTE } from '../../../proxy/routes/null-route.js';
import { McReply } from '../../../proxy/protocol/reply.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';
import { ConfigError } from '../../../proxy/errors.js';

describe('failover_errors', () => {
  test('default: the failover errors of `mcrouter/lib/McResUtil.h` for every operation', () => {
    const e = FailoverErrors.parse(undefined, 'x');
    for (const r of [Result.Busy, Result.Tko, Result.Timeout, Result.ConnectError, Result.RemoteError]) {
      expect(e.shouldFailover(r, Op.Get)).toBe(true);
    }
    for (const r of [Result.NotFound, Result.ClientError, Result.BadKey, Result.Found]) {
      expect(e.shouldFailover(r, Op.Get)).toBe(false);
    }
  });

  test('a list applies to gets, updates and deletes; other operations keep the default', () => {
    const e = FailoverErrors.parse(['remote_error'], 'x');
    expect(e.shouldFailover(Result.RemoteError, Op.Gets)).toBe(true);
    expect(e.shouldFailover(Result.RemoteError, Op.Cas)).toBe(true);
    expect(e.shouldFailover(Result.RemoteError, Op.Delete)).toBe(true);
    expect(e.shouldFailover(Result.Timeout, Op.Get)).toBe(false);
    expect(e.shouldFailover(Result.Timeout, Op.Touch)).toBe(true);
    expect(e.shouldFailover(Result.Timeout, Op.Incr)).toBe(true);
  });

  test('the object form: per group, a missing group keeps the default, [] never fails over', () => {
    const e = FailoverErrors.parse({ gets: ['timeout'], updates: [] }, 'x');
    expect(e.shouldFailover(Result.Timeout, Op.Get)).toBe(true);
    expect(e.shouldFailover(Result.ConnectError, Op.Get)).toBe(false);
    expect(e.shouldFailover(Result.Timeout, Op.Set)).toBe(false);
    expect(e.shouldFailover(Result.ConnectError, Op.Delete)).toBe(true);
  });

  test('errors name the path: non-error results, unknown names, wrong shapes', () => {
    expect(() => FailoverErrors.parse(['found'], 'r.failover_errors')).toThrow(
      "r.failover_errors[0]: Failover error 'found' is not a valid error type.",
    );
    expect(() => FailoverErrors.parse({ gets: ['nope'] }, 'r.e')).toThrow(
      "r.e.gets[0]: Failover error 'nope' is not a valid error type.",
    );
    expect(() => FailoverErrors.parse('timeout', 'r.e')).toThrow(ConfigError);
  });
});

describe('failover_limit', () => {
  const pattern = (rate: number, burst: number, n: number): string => {
    const r = new FailoverRateLimiter(rate, burst);
    let s = '';
    for (let i = 0; i < n; i++) {
      r.bumpTotalReqs();
      s += r.failoverAllowed() ? '1' : '0';
    }
    return s;
  };

  test('rate 0.2, burst 9.8: 12 failovers, then one in five (mcrouter: "9.8 - 1 + 0.2 * 11 - 11 = 0")', () => {
    expect(pattern(0.2, 9.8, 62)).toBe(`${'1'.repeat(12)}${'00001'.repeat(10)}`);
  });

  test('rate is clamped to [0, 1] and burst to at least 1; rate 0 never fails over; burst defaults to 1000', () => {
    expect(pattern(5, 1, 5)).toBe('11111');
    expect(pattern(0, 10, 5)).toBe('00000');
    expect(pattern(0.5, 0, 4)).toBe('1010');
    const d = FailoverRateLimiter.parse({ rate: 0 }, 'x');
    d.bumpTotalReqs();
    expect(d.failoverAllowed()).toBe(false);
    expect(pattern(1e-9, 1000, 1001).indexOf('0')).toBe(1000);
  });

  test('a bucket over seconds: full at start, refilled at the rate', () => {
    const b = new TokenBucket(2, 3);
    expect([b.consume(1, 10), b.consume(1, 10), b.consume(1, 10), b.consume(1, 10)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(b.consume(1, 10.4)).toBe(false);
    expect(b.consume(1, 10.5)).toBe(true);
  });
});

/** Every child index a policy's walk visits for `req`, the normal route (0) first. */
function walk(p: FailoverPolicy, req: McRequest): number[] {
  const it = p.begin(req);
  const out = [0];
  while (out.length < it.length) out.push(it.next());
  return out;
}

describe('failover_policy', () => {
  const children = [NULL_ROUTE, NULL_ROUTE, NULL_ROUTE, NULL_ROUTE];
  const req = new McRequest(Op.Get, Buffer.from('key'));

  test('no policy, or an unknown type: every child in order, unlimited error tries', () => {
    for (const json of [undefined, { type: 'SomethingElse' }]) {
      const p = makeFailoverPolicy(json, children, {}, 'x');
      expect(walk(p, req)).toEqual([0, 1, 2, 3]);
      expect(p.maxErrorTries).toBe(Number.POSITIVE_INFINITY);
    }
  });

  test('LeastFailuresPolicy: child 0, then the fewest recent consecutive errors (stable), max_tries in all', () => {
    const p = makeFailoverPolicy({ type: 'LeastFailuresPolicy', max_tries: 3 }, children, {}, 'x');
    expect(walk(p, req)).toEqual([0, 1, 2]);
    const err = McReply.error(Result.ConnectError);
    p.record(1, err);
    p.record(1, err);
    p.record(2, err);
    expect(walk(p, req)).toEqual([0, 3, 2]);
    p.record(1, McReply.STORED);
    expect(walk(p, req)).toEqual([0, 1, 3]);
    expect(
      walk(makeFailoverPolicy({ type: 'LeastFailuresPolicy', max_tries: 10 }, children, {}, 'x'), req),
    ).toHaveLength(4);
  });

  test('DeterministicOrderPolicy: a permutation starting at 0, the same for the same key', () => {
    const p = makeFailoverPolicy(
      { type: 'DeterministicOrderPolicy', max_tries: 4, max_error_tries: 2, ignore_normal_reply_index: true },
      children,
      {},
      'x',
    );
    const o = walk(p, req);
    expect(o[0]).toBe(0);
    expect([...o].sort()).toEqual([0, 1, 2, 3]);
    expect(walk(p, new McRequest(Op.Set, Buffer.from('key')))).toEqual(o);
    expect(p.maxErrorTries).toBe(2);
    expect(() =>
      makeFailoverPolicy({ type: 'DeterministicOrderPolicy', max_tries: 2 }, children, {}, 'r.p'),
    ).toThrow("r.p: Failover: DeterministicOrderPolicy must specify 'max_error_tries' field");
  });

  test('a policy that is not an object, or has no type, is refused', () => {
    expect(() => makeFailoverPolicy('x', children, {}, 'r.p')).toThrow(
      'r.p: Failover: failover_policy is not object',
    );
    expect(() => makeFailoverPolicy({}, children, {}, 'r.p')).toThrow(
      "r.p: Failover: failover_policy object is missing 'type' field",
    );
  });
});
