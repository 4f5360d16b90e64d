/**
 * The process-wide set of destinations, keyed like mcrouter's `ProxyDestinationMap`
 * (access point + timeout). Pools, routes and successive configs that name the same server share
 * one `Destination`, and with it one connection and one health state (spec §1.3, §8).
 */
import {
  DEFAULT_DESTINATION_LIMITS,
  Destination,
  destinationKey,
  type DestinationLimits,
  type DestinationSettings,
} from './destination.js';
import { TkoTrackerMap } from './tko-tracker.js';

/** TKO settings (command-line options). */
export interface TkoOptions {
  /** `--timeouts-until-tko`. */
  readonly timeoutsUntilTko: number;
  /** false with `--disable-tko-tracking`. */
  readonly enabled: boolean;
}

/** See the file comment. */
export class DestinationMap {
  private readonly byKey = new Map<string, Destination>();
  /** TKO state per host:port (spec §6). */
  readonly tko: TkoTrackerMap;

  constructor(
    private readonly limits: DestinationLimits = DEFAULT_DESTINATION_LIMITS,
    tko: TkoOptions = { timeoutsUntilTko: 3, enabled: true },
  ) {
    this.tko = new TkoTrackerMap(tko.timeoutsUntilTko, tko.enabled);
  }

  /**
   * The destination for these settings, created on first use. The connect timeout of the first
   * creator wins (mcrouter keys destinations without it).
   */
  get(settings: DestinationSettings): Destination {
    const key = destinationKey(settings.address, settings.timeoutMs);
    let d = this.byKey.get(key);
    if (d === undefined) {
      d = new Destination(settings, this.tko.get(settings.address.hostPort), this.limits);
      this.byKey.set(key, d);
    }
    return d;
  }

  /** Every destination, in creation order. */
  all(): IterableIterator<Destination> {
    return this.byKey.values();
  }

  /** Number of destinations. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Closes and forgets every destination not in `keep` (after a reload swapped configs in).
   * @returns the closed destinations
   */
  retain(keep: ReadonlySet<Destination>): Destination[] {
    const closed: Destination[] = [];
    for (const [key, d] of this.byKey) {
      if (keep.has(d)) continue;
      this.byKey.delete(key);
      d.close();
      closed.push(d);
    }
    return closed;
  }

  /** Closes every destination now, failing what is still in flight (shutdown). */
  closeAll(): void {
    for (const d of this.byKey.values()) d.destroy();
    this.byKey.clear();
  }
}
