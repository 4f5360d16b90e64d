/** The safety guard: never an empty central pool; no large peer shrink unless confirmed. */
import { describe, expect, test } from 'vitest';
import { SafetyGuard, topologyOfConfig } from '../../../confgen/safety.js';
import type { Topology } from '../../../confgen/topology.js';

const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:11212`);
const topo = (p: number, c = 1): Topology => ({
  local: '127.0.0.1:11212',
  peers: peers(p),
  central: Array.from({ length: c }, (_, i) => `c${i}:11211`),
});

describe('SafetyGuard', () => {
  test('an empty central pool is refused, even the first time', () => {
    const g = new SafetyGuard({ maxPeerShrink: 0.5, confirmations: 3 });
    expect(g.check(topo(3, 0), null)).toEqual({ ok: false, reason: 'the central pool would be empty' });
  });

  test('growth, no baseline, and shrinks up to the fraction are fine', () => {
    const g = new SafetyGuard({ maxPeerShrink: 0.5, confirmations: 3 });
    expect(g.check(topo(2), null).ok).toBe(true);
    expect(g.check(topo(10), topo(2)).ok).toBe(true);
    expect(g.check(topo(5), topo(10)).ok).toBe(true);
    expect(g.check(topo(1), topo(2)).ok).toBe(true);
  });

  test('a larger shrink is refused until the same list was seen `confirmations` times in a row', () => {
    const g = new SafetyGuard({ maxPeerShrink: 0.5, confirmations: 3 });
    const v1 = g.check(topo(4), topo(10));
    expect(v1).toEqual({
      ok: false,
      reason:
        'the peer list would shrink from 10 to 4 (60 % > --max-peer-shrink 50 %); seen 1 of 3 times in a row',
    });
    expect(g.check(topo(4), topo(10)).ok).toBe(false);
    expect(g.check(topo(4), topo(10)).ok).toBe(true);
  });

  test('a different list in between restarts the count; losing every peer is a 100 % shrink', () => {
    const g = new SafetyGuard({ maxPeerShrink: 0.5, confirmations: 2 });
    expect(g.check(topo(0), topo(6)).ok).toBe(false);
    expect(g.check(topo(2), topo(6)).ok).toBe(false);
    expect(g.check(topo(0), topo(6)).ok).toBe(false);
    expect(g.check(topo(0), topo(6)).ok).toBe(true);
  });
});

describe('topologyOfConfig', () => {
  test('reads pools.peers and pools.central back from a config', () => {
    expect(
      topologyOfConfig(
        '// c\n{"pools": {"peers": {"servers": ["a:1"]}, "central": {"servers": ["b:2"]}}, "route": "x"}',
      ),
    ).toEqual({ peers: ['a:1'], central: ['b:2'] });
    expect(topologyOfConfig('{"pools": {"other": {"servers": []}}}')).toBeNull();
    expect(topologyOfConfig('{ half')).toBeNull();
  });
});
