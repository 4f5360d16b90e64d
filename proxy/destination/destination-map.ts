/**
 * The process-wide set of destinations, keyed like mcrouter's `ProxyDestinationMap`
 * (access point + timeout). Pools, routes and successive configs that name the same server share
 * one `Destination`, and with it one connection and one health state (`mcrouter/routes/McRouteHandleProvider.cpp`, `mcrouter/ConfigApi.cpp`).
 */
import {
  DEFAULT_DESTINATION_LIMITS,
  Destination,
  DestinationState,
  destinationKey,
  type DestinationLimits,
  type DestinationSettings,
} from './destination.js';
import { TkoTrackerMap } from './tko-tracker.js';
import { TlsConnector } from '../tls/tls-connector.js';

/** TKO settings (command-line options). */
export interface TkoOptions {
  /** `--timeouts-until-tko`. */
  readonly timeoutsUntilTko: number;
  /** false with `--disable-tko-tracking`. */
  readonly enabled: boolean;
}

/**
 * Counters of every destination this process has had, current and removed, so process-wide
 * totals (`num_connections_opened`, `result_*_count`, metrics counters) never go backwards when
 * a reload removes a server.
 */
export interface DestinationTotals {
  /** Replies by result value (`Destination.resultCounts` summed). */
  readonly results: Float64Array;
  connectionsOpened: number;
  connectionsClosed: number;
}

/** See the file comment. */
export class DestinationMap {
  private readonly byKey = new Map<string, Destination>();
  /** Removed from the map by `retain` and still draining: their counters still move. */
  private readonly retiring = new Set<Destination>();
  /** Counters of destinations that are gone (folded in once closed). */
  private readonly gone: DestinationTotals = {
    results: new Float64Array(64),
    connectionsOpened: 0,
    connectionsClosed: 0,
  };
  /** TKO state per host:port (`mcrouter/TkoTracker.cpp`). */
  readonly tko: TkoTrackerMap;
  /** `--timeouts-until-tko`. */
  private readonly timeoutsUntilTko: number;

  /**
   * @param tls opens the TLS connections (`security_mech: "ssl"`); its session cache is shared by
   *   every destination to the same server
   */
  constructor(
    private readonly limits: DestinationLimits = DEFAULT_DESTINATION_LIMITS,
    tko: TkoOptions = { timeoutsUntilTko: 3, enabled: true },
    readonly tls: TlsConnector = new TlsConnector(),
  ) {
    this.tko = new TkoTrackerMap(tko.timeoutsUntilTko, tko.enabled);
    this.timeoutsUntilTko = tko.timeoutsUntilTko;
  }

  /**
   * The destination for these settings, created on first use. The connect timeout of the first
   * creator wins (mcrouter keys destinations without it). A pool `timeouts_until_tko` other than
   * `--timeouts-until-tko` is part of the key (our extension, docs/failures.md): pools that differ
   * only in it get their own connections to the server, and share its TKO tracker (the failure
   * count is the server's; each destination applies its own threshold).
   */
  get(settings: DestinationSettings): Destination {
    const own = settings.timeoutsUntilTko;
    const s = own === this.timeoutsUntilTko ? { ...settings, timeoutsUntilTko: undefined } : settings;
    const key = destinationKey(s.address, s.timeoutMs, s.timeoutsUntilTko);
    let d = this.byKey.get(key);
    if (d === undefined) {
      d = new Destination(s, this.tko.get(s.address.hostPort), this.limits, this.tls);
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
      this.retiring.add(d);
      closed.push(d);
    }
    return closed;
  }

  /**
   * Process-wide counters: every current destination, every removed one still draining, and
   * those already closed. Cost: one pass over the destinations (admin and scrape paths only).
   */
  totals(): DestinationTotals {
    for (const d of this.retiring) {
      if (d.state !== DestinationState.Closed) continue;
      this.retiring.delete(d);
      addCounters(this.gone, d);
    }
    const out: DestinationTotals = {
      results: Float64Array.from(this.gone.results),
      connectionsOpened: this.gone.connectionsOpened,
      connectionsClosed: this.gone.connectionsClosed,
    };
    for (const d of this.byKey.values()) addCounters(out, d);
    for (const d of this.retiring) addCounters(out, d);
    return out;
  }

  /** Closes every destination now, failing what is still in flight (shutdown). */
  closeAll(): void {
    for (const d of this.byKey.values()) d.destroy();
    this.byKey.clear();
  }
}

function addCounters(into: DestinationTotals, d: Destination): void {
  const r = d.resultCounts;
  for (let i = 0; i < r.length; i++) if (r[i] !== 0) into.results[i] = (into.results[i] ?? 0) + (r[i] ?? 0);
  into.connectionsOpened += d.connectionsOpened;
  into.connectionsClosed += d.connectionsClosed;
}
