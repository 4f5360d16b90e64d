/**
 * Retired config snapshots and the destinations only they reference (`mcrouter/ConfigApi.cpp`: "the old config is
 * freed after the last request referencing it completes").
 *
 * mcrouter keeps an old config alive until its last request finishes. We do not count references
 * per request (that would cost the hot path a closure or a counter per request); instead a
 * retired snapshot keeps its destinations open for a grace period long enough for any request that
 * captured it to finish every stage it can still start: `GRACE_TIMEOUTS` × the longest request or
 * connect timeout among its destinations (WarmUpRoute's gets makes up to 4 sequential calls). Then
 * destinations referenced by neither the current config nor a snapshot still in its grace period
 * are closed; `Destination.close()` first drains the requests already sent to it.
 *
 * A destination the new config does not use leaves the config at once (`Destination.leaveConfig`:
 * no more probes, its server's TKO state cleared), while it stays open for the grace period.
 *
 * A failed build may have created destinations (the map is shared): `sweep()` right after the
 * failure closes them before they ever connect.
 */
import type { DestinationMap } from '../destination/destination-map.js';
import type { Destination } from '../destination/destination.js';
import type { ProxyConfig } from './proxy-config.js';
import { log } from '../logger.js';

/** Sequential calls a request may still make after the swap (WarmUpRoute gets: 4). */
export const GRACE_TIMEOUTS = 4;

interface Retired {
  readonly destinations: ReadonlySet<Destination>;
  /** When its grace period ends, ms since the epoch. */
  readonly until: number;
}

/** See the file comment. */
export class ConfigRetirement {
  private readonly retired: Retired[] = [];
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param map the destinations shared by every config
   * @param current returns the config new requests use
   */
  constructor(
    private readonly map: DestinationMap,
    private readonly current: () => ProxyConfig,
  ) {}

  /** Grace period for `config`'s destinations after it is replaced, ms. */
  static graceMs(config: ProxyConfig): number {
    let longest = 0;
    for (const d of config.destinations) {
      longest = Math.max(longest, d.settings.timeoutMs, d.settings.connectTimeoutMs);
    }
    return GRACE_TIMEOUTS * longest;
  }

  /** Keeps `previous`'s destinations open for its grace period, then sweeps. */
  retire(previous: ProxyConfig): void {
    const current = this.current().destinations;
    for (const d of previous.destinations) if (!current.has(d)) d.leaveConfig();
    this.retired.push({
      destinations: previous.destinations,
      until: Date.now() + ConfigRetirement.graceMs(previous),
    });
    this.sweep();
  }

  /**
   * Closes (drains, then closes) every destination that neither the current config nor a retired
   * one still in its grace period references.
   * @returns the closed destinations
   */
  sweep(): Destination[] {
    const now = Date.now();
    for (let i = this.retired.length - 1; i >= 0; i--) {
      if ((this.retired[i] as Retired).until <= now) this.retired.splice(i, 1);
    }
    const keep = new Set<Destination>(this.current().destinations);
    for (const r of this.retired) for (const d of r.destinations) keep.add(d);
    const closed = this.map.retain(keep);
    if (closed.length > 0) {
      log.info(
        { closed: closed.map((d) => d.hostPort) },
        'destinations left the config: draining and closing',
      );
    }
    this.schedule(now);
    return closed;
  }

  /** Stops the timer (shutdown). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.retired.length = 0;
  }

  private schedule(now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.retired.length === 0) return;
    const next = Math.min(...this.retired.map((r) => r.until));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.sweep();
      },
      Math.max(0, next - now) + 1,
    );
    this.timer.unref();
  }
}
