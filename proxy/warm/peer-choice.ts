/**
 * `--from peers`: the warm source among the `peers` pool of the mcrouter config (what mcconfgen
 * writes: every instance's memcached). The peer holding the most items (`stats` `curr_items`)
 * wins; the destination itself (same `pid` and start time, `time − uptime`, as the destination)
 * and peers that do not answer or hold nothing are skipped.
 */
import type { ServerAddress } from '../config/server-address.js';
import { WarmError } from '../errors.js';
import { readStats } from './memcached-link.js';

function identity(stats: Map<string, string>): string {
  return `${stats.get('pid') ?? '?'}@${Number(stats.get('time') ?? 0) - Number(stats.get('uptime') ?? 0)}`;
}

/**
 * Picks the warmest peer.
 * @param self the destination (excluded, also when listed under another address)
 * @param timeoutMs per-peer `stats` timeout, ms
 * @throws WarmError `MCR_ERR_WARM_NO_PEER` when no other peer answers with items
 */
export async function pickWarmestPeer(
  peers: readonly ServerAddress[],
  self: ServerAddress,
  timeoutMs: number,
): Promise<{ peer: ServerAddress; items: number }> {
  const mine = await readStats(self, '', timeoutMs).then(identity, () => null);
  const answers = await Promise.allSettled(peers.map((p) => readStats(p, '', timeoutMs)));
  let best: { peer: ServerAddress; items: number } | null = null;
  for (const [i, a] of answers.entries()) {
    if (a.status !== 'fulfilled' || identity(a.value) === mine) continue;
    const items = Number(a.value.get('curr_items') ?? 0);
    if (items > 0 && (best === null || items > best.items)) best = { peer: peers[i] as ServerAddress, items };
  }
  if (best === null)
    throw new WarmError(
      `none of the ${peers.length} peers (other than this one) answered with items to copy`,
      'MCR_ERR_WARM_NO_PEER',
      'peers',
    );
  return best;
}
