/**
 * InvalidateRoute in memory: which ops invalidate, that deletes leave only after the target's
 * reply, which replies skip them, and the builder's shapes and errors. Against real memcached:
 * test/integration/routes-invalidate.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { McReply, type ReplySink } from '../../../proxy/protocol/reply.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { OP_NAMES, Op, opFromName } from '../../../proxy/protocol/op.js';
import { Result } from '../../../proxy/protocol/result.js';
import { InvalidateRoute, invalidates } from '../../../proxy/routes/invalidate-route.js';
import type { RouteHandle, RouteVisitor } from '../../../proxy/routes/route-handle.js';
import { buildConfig } from '../../../proxy/config/proxy-config.js';
import { DestinationMap } from '../../../proxy/destination/destination-map.js';
import { ConfigError } from '../../../proxy/errors.js';

/** A leaf that records what it receives and answers when told to. */
class Leaf implements RouteHandle {
  readonly name = 'leaf';
  readonly seen: string[] = [];
  private pending: ReplySink[] = [];

  constructor(private readonly log: string[]) {}

  route(req: McRequest, sink: ReplySink): void {
    const line = `${OP_NAMES[req.op] ?? '?'} ${req.keyString()}`;
    this.seen.push(line);
    this.log.push(line);
    this.pending.push(sink);
  }

  answer(reply: McReply): void {
    this.pending.shift()?.onReply(reply);
  }

  traverse(_req: McRequest, _visit: RouteVisitor, _depth: number): void {
    /* a leaf */
  }
}

function setup(): { log: string[]; target: Leaf; copies: Leaf[]; route: InvalidateRoute } {
  const log: string[] = [];
  const target = new Leaf(log);
  const copies = [new Leaf(log), new Leaf(log)];
  return { log, target, copies, route: new InvalidateRoute(target, copies) };
}

const req = (op: Op, key = 'k'): McRequest => new McRequest(op, Buffer.from(key));

describe('InvalidateRoute', () => {
  test('the ten mutations invalidate; reads, flush_all and version do not', () => {
    const mutating = OP_NAMES.filter((name) => invalidates(opFromName(name) ?? Op.Get));
    expect(mutating.sort()).toEqual(
      ['set', 'add', 'replace', 'append', 'prepend', 'cas', 'incr', 'decr', 'touch', 'delete'].sort(),
    );
  });

  test('a mutation reaches the target first; deletes leave when its reply arrives, before the client sees it', () => {
    const { log, target, copies, route } = setup();
    const client: McReply[] = [];
    route.route(req(Op.Append, 'a'), {
      onReply: (r) => {
        client.push(r);
        log.push('client');
      },
    });
    expect(log).toEqual(['append a']);
    target.answer(McReply.STORED);
    expect(log).toEqual(['append a', 'delete a', 'delete a', 'client']);
    expect(client).toEqual([McReply.STORED]);
    expect(copies.map((c) => c.seen)).toEqual([['delete a'], ['delete a']]);
  });

  test.each([
    ['NOT_STORED', McReply.NOT_STORED, 0],
    ['EXISTS', McReply.EXISTS, 0],
    ['NOT_FOUND', McReply.NOT_FOUND, 2],
    ['a timeout', McReply.error(Result.Timeout), 2],
    ['TOUCHED', McReply.TOUCHED, 2],
  ])('after %s the copies get %d deletes', (_name, reply, deletes) => {
    const { target, copies, route } = setup();
    let got: McReply | null = null;
    route.route(req(Op.Cas), { onReply: (r) => (got = r) });
    target.answer(reply);
    expect(got).toBe(reply);
    expect(copies.flatMap((c) => c.seen)).toHaveLength(deletes);
  });

  test('a get goes to the target alone, its reply untouched', () => {
    const { target, copies, route } = setup();
    const hit = new McReply(Result.Found, Buffer.from('v'));
    let got: McReply | null = null;
    route.route(req(Op.Gets), { onReply: (r) => (got = r) });
    target.answer(hit);
    expect(got).toBe(hit);
    expect(target.seen).toEqual(['gets k']);
    expect(copies.flatMap((c) => c.seen)).toEqual([]);
  });
});

describe('InvalidateRoute cas_from: a cas the target refuses with a local unique', () => {
  const cas = (unique: number): McRequest =>
    new McRequest(Op.Cas, Buffer.from('k'), 5, 0, Buffer.from('new'), 0, unique);
  const found = (value: string, flags: number, unique: number): McReply =>
    new McReply(Result.Found, Buffer.from(value), flags, 0, unique);

  function setupCasFrom(): ReturnType<typeof setup> & { local: Leaf; client: McReply[] } {
    const s = setup();
    const local = new Leaf(s.log);
    return { ...s, local, route: new InvalidateRoute(s.target, s.copies, local), client: [] };
  }

  test.each([
    ['STORED', McReply.STORED, ['delete k', 'delete k']],
    ['EXISTS (a writer in between)', McReply.EXISTS, []],
  ])(
    'same unique locally, same item centrally: retried with the target unique; %s is the client reply',
    (_name, retryReply, deletes) => {
      const { log, target, local, route, client } = setupCasFrom();
      route.route(cas(7), { onReply: (r) => client.push(r) });
      target.answer(McReply.EXISTS);
      local.answer(found('old', 3, 7));
      target.answer(found('old', 3, 99));
      expect(log).toEqual(['cas k', 'gets k', 'gets k', 'cas k']);
      expect(client).toEqual([]);
      target.answer(retryReply);
      expect(log.slice(4)).toEqual(deletes);
      expect(client).toEqual([retryReply]);
    },
  );

  test.each([
    ['a local miss', McReply.NOT_FOUND, null],
    ['another local unique', found('old', 3, 8), null],
    ['another central value', found('old', 3, 7), found('odd', 3, 99)],
    ['other central flags', found('old', 3, 7), found('old', 4, 99)],
    ['a central miss', found('old', 3, 7), McReply.NOT_FOUND],
  ])('%s: the original EXISTS, nothing invalidated', (_name, localReply, centralReply) => {
    const { target, copies, local, route, client } = setupCasFrom();
    route.route(cas(7), { onReply: (r) => client.push(r) });
    target.answer(McReply.EXISTS);
    local.answer(localReply);
    if (centralReply !== null) target.answer(centralReply);
    expect(target.seen).toEqual(centralReply === null ? ['cas k'] : ['cas k', 'gets k']);
    expect(client).toEqual([McReply.EXISTS]);
    expect(copies.flatMap((c) => c.seen)).toEqual([]);
  });

  test('other ops and other replies never read cas_from', () => {
    const { target, local, route } = setupCasFrom();
    route.route(req(Op.Set), { onReply: () => undefined });
    target.answer(McReply.EXISTS);
    route.route(cas(7), { onReply: () => undefined });
    target.answer(McReply.NOT_FOUND);
    expect(local.seen).toEqual([]);
  });
});

describe('the InvalidateRoute builder', () => {
  const build = (route: unknown): ReturnType<typeof buildConfig> =>
    buildConfig(
      {
        text: JSON.stringify({
          pools: {
            central: { servers: ['127.0.0.1:1'] },
            peers: { servers: ['127.0.0.1:2', '127.0.0.1:3'] },
          },
          route,
        }),
        path: null,
      },
      new DestinationMap(),
      { routePrefix: '/././', sendInvalidRouteToDefault: false, serverTimeoutMs: 1000 },
    );
  const names = (cfg: ReturnType<typeof buildConfig>, op: Op): string[] => {
    const out: string[] = [];
    cfg.root.traverse(req(op), (h, depth) => out.push(`${depth}:${h.name}`), 0);
    return out;
  };

  test('Pool|peers expands to one delete route per server; traverse shows them for mutations only', () => {
    const cfg = build({ type: 'InvalidateRoute', target: 'PoolRoute|central', invalidate: 'Pool|peers' });
    const set = names(cfg, Op.Set);
    expect(set[0]).toMatch(/^1:invalidate$/);
    expect(set.filter((n) => n.startsWith('2:'))).toHaveLength(3); // the pool route and two servers
    expect(names(cfg, Op.Get).filter((n) => n.startsWith('2:'))).toHaveLength(1);
  });

  test('cas_from is built, and traverse shows it for cas only', () => {
    const cfg = build({
      type: 'InvalidateRoute',
      target: 'PoolRoute|central',
      invalidate: 'Pool|peers',
      cas_from: 'PoolRoute|peers',
    });
    expect(names(cfg, Op.Cas).filter((n) => n.startsWith('2:'))).toHaveLength(4);
    expect(names(cfg, Op.Set).filter((n) => n.startsWith('2:'))).toHaveLength(3);
    expect(() =>
      build({
        type: 'InvalidateRoute',
        target: 'PoolRoute|central',
        invalidate: [],
        cas_from: 'PoolRoute|x',
      }),
    ).toThrow('route.cas_from: unknown pool "x"');
  });

  test('an empty invalidate list builds the target alone', () => {
    const cfg = build({ type: 'InvalidateRoute', target: 'PoolRoute|central', invalidate: [] });
    expect(names(cfg, Op.Set)[0]).not.toMatch(/invalidate/);
  });

  test('a missing field is a ConfigError naming the path', () => {
    expect(() => build({ type: 'InvalidateRoute', target: 'PoolRoute|central' })).toThrow(ConfigError);
    expect(() => build({ type: 'InvalidateRoute', target: 'PoolRoute|central' })).toThrow(
      'InvalidateRoute needs "invalidate"',
    );
    expect(() =>
      build({ type: 'InvalidateRoute', invalidate: 'Pool|peers', target: 'PoolRoute|nope' }),
    ).toThrow('route.target: unknown pool "nope"');
  });
});
