/**
 * What confgen refuses to write, so that a failed or throttled API call, an eventually consistent
 * answer or a DNS hiccup never empties the routing of every proxy at once. The last good file is
 * kept and the reason logged.
 *
 * - An empty `central` pool is never written.
 * - The peer list may not shrink by more than `maxPeerShrink` (a fraction of the previous count)
 *   at once. A larger shrink is accepted only after the same smaller list was discovered in
 *   `confirmations` consecutive cycles (a real scale-in stays; a glitch does not), so `--once`
 *   alone never applies one.
 *
 * The previous lists come from the last topology written or confirmed, or at start-up from the
 * current file's `pools.peers.servers` and `pools.central.servers`.
 */
import { parseJsonc } from '../proxy/config/jsonc.js';
import { isObject } from '../proxy/config/schema.js';
import type { Topology } from './topology.js';

/** Options of `SafetyGuard`. */
export interface SafetyOptions {
  /** Largest allowed shrink of the peer count at once, 0–1 (0.5 = may lose half). */
  readonly maxPeerShrink: number;
  /** Consecutive identical discoveries that make a larger shrink real. */
  readonly confirmations: number;
}

/** The verdict: write, or keep the last good file for `reason`. */
export type SafetyVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** See the file comment. */
export class SafetyGuard {
  private pending: { key: string; count: number } | null = null;

  constructor(private readonly opts: SafetyOptions) {}

  /** Judges `next` against `previous` (null: nothing known, only the central rule applies). */
  check(next: Topology, previous: Pick<Topology, 'peers'> | null): SafetyVerdict {
    if (next.central.length === 0) {
      return { ok: false, reason: 'the central pool would be empty' };
    }
    const before = previous?.peers.length ?? 0;
    const after = next.peers.length;
    if (before === 0 || after >= before) {
      this.pending = null;
      return { ok: true };
    }
    const shrink = (before - after) / before;
    if (shrink <= this.opts.maxPeerShrink) {
      this.pending = null;
      return { ok: true };
    }
    const key = next.peers.join(',');
    this.pending = this.pending?.key === key ? { key, count: this.pending.count + 1 } : { key, count: 1 };
    if (this.pending.count >= this.opts.confirmations) {
      this.pending = null;
      return { ok: true };
    }
    return {
      ok: false,
      reason:
        `the peer list would shrink from ${before} to ${after} (${Math.round(shrink * 100)} % > ` +
        `--max-peer-shrink ${Math.round(this.opts.maxPeerShrink * 100)} %); seen ${this.pending.count} of ` +
        `${this.opts.confirmations} times in a row`,
    };
  }
}

/**
 * The peers and central lists of an existing config file (`pools.peers.servers`,
 * `pools.central.servers`), or null when the text is not such a config.
 */
export function topologyOfConfig(text: string): Pick<Topology, 'peers' | 'central'> | null {
  let json: unknown;
  try {
    json = parseJsonc(text, 'current config');
  } catch {
    return null;
  }
  if (!isObject(json) || !isObject(json.pools)) return null;
  const servers = (name: string): string[] | null => {
    const pool = (json.pools as Record<string, unknown>)[name];
    if (!isObject(pool) || !Array.isArray(pool.servers)) return null;
    return pool.servers.filter((s): s is string => typeof s === 'string');
  };
  const peers = servers('peers');
  const central = servers('central');
  if (peers === null && central === null) return null;
  return { peers: peers ?? [], central: central ?? [] };
}
