/**
 * RootRoute's target selection without servers (`mcrouter/routes/RootRoute.h`, `RouteHandleMap-inl.h`): mcrouter's
 * glob matcher, and which aliases a prefix reaches, in which order.
 */
import { describe, expect, test } from 'vitest';
import { RootRoute, matchPatternRoute } from '../../../proxy/routes/root-route.js';
import { ErrorRoute } from '../../../proxy/routes/error-route.js';
import { PrefixSelectorRoute } from '../../../proxy/routes/prefix-selector-route.js';
import { McRequest } from '../../../proxy/protocol/request.js';
import { Op } from '../../../proxy/protocol/op.js';

describe('matchPatternRoute (mcrouter match_pattern_route)', () => {
  test.each([
    ['/*/*/', '/a/b/', true],
    ['/*/a/', '/b/a/', true],
    ['/*/a/', '/b/b/', false],
    ['/b*/*/', '/bx/c/', true],
    ['/b*/*/', '/a/c/', false],
    ['/b/*b*/', '/b/abc/', true],
    ['/b/*b*/', '/b/b/', true],
    ['/b/*b*/', '/b/a/', false],
    ['/a/*', '/a/b', true],
    ['/a/*', '/a/b/', false],
    ['/a/b/', '/a/b/', true],
  ])('%s matches %s: %s', (pattern, route, expected) => {
    expect(matchPatternRoute(pattern, route)).toBe(expected);
  });
});

describe('targets', () => {
  const r = (name: string): ErrorRoute => new ErrorRoute(name);
  const aa = r('aa');
  const ab = r('ab');
  const ba = r('ba');
  const fb = r('fb');
  const root = new RootRoute(
    [
      { prefix: '/b/a/', route: ba },
      { prefix: '/a/a/', route: aa },
      { prefix: '/a/b/', route: ab },
      { prefix: '/b/fallback/', route: fb },
    ],
    '/a/a/',
    false,
  );
  const names = (key: string): string[] =>
    root.targets(new McRequest(Op.Get, Buffer.from(key))).map((h) => h.name.split('|').pop() ?? '');

  test.each([
    ['k', ['aa']],
    ['/a/b/k', ['ab']],
    ['/*/*/k', ['aa', 'ba', 'ab', 'fb']],
    ['/a/*/k', ['aa', 'ab']],
    ['/b/*/k', ['ba', 'fb']],
    ['/*/a/k', ['aa', 'ba']],
    ['/b/zz/k', ['fb']],
    ['/c/zz/k', []],
    ['/c/*/k', []],
  ])('%s → %j', (key, expected) => {
    expect(names(key)).toEqual(expected);
  });

  test('the same route under several aliases is a target once; a listed-twice prefix takes its last route', () => {
    const x = r('x');
    const y = r('y');
    const root2 = new RootRoute(
      [
        { prefix: '/a/a/', route: x },
        { prefix: '/b/b/', route: x },
        { prefix: '/c/c/', route: x },
        { prefix: '/a/a/', route: y },
      ],
      '/a/a/',
      false,
    );
    expect(root2.targets(new McRequest(Op.Get, Buffer.from('/*/*/k')))).toEqual([y, x]);
  });

  test('PrefixSelectorRoute aliases contribute their pick; with --send-invalid-route-to-default an empty result uses the default', () => {
    const sel = new PrefixSelectorRoute([['p', aa]], null);
    const root3 = new RootRoute(
      [
        { prefix: '/a/a/', route: sel },
        { prefix: '/b/b/', route: ba },
      ],
      '/a/a/',
      true,
    );
    const t = (key: string): unknown[] => [...root3.targets(new McRequest(Op.Get, Buffer.from(key)))];
    expect(t('/*/*/pk')).toEqual([aa, ba]);
    expect(t('/*/*/qk')).toEqual([ba]);
    expect(t('/z/z/pk')).toEqual([aa]);
    expect(t('/z/z/qk')).toEqual([]);
  });

  test('no alias for the default prefix is refused', () => {
    expect(() => new RootRoute([{ prefix: '/a/b/', route: aa }], '/././', false)).toThrow(
      'invalid default route: /././',
    );
  });
});
