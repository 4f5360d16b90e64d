/**
 * TKO ("total knockout") tracking, as mcrouter's `TkoTracker` (`mcrouter/TkoTracker.cpp`):
 * one tracker per `host:port`, shared by every destination to that server (even with different
 * timeouts).
 *
 * - TIMEOUT (soft failure): the consecutive-failure count grows; reaching `--timeouts-until-tko`
 *   marks the server soft TKO. A pool's `timeouts_until_tko` (our extension, docs/failures.md)
 *   overrides the threshold for the timeouts its destinations record: the count is the server's,
 *   the threshold is that of the destination that saw the timeout.
 * - CONNECT_ERROR, CONNECT_TIMEOUT, SHUTDOWN (hard failures): hard TKO at once (a soft TKO becomes
 *   hard).
 * - any other result: a success (non-error) resets the count when the server is not TKO; other
 *   errors change nothing.
 * - While TKO, only a successful probe clears it; failures keep counting (`num_failures`).
 *
 * The destination that marked the TKO is "responsible": it alone probes, and removing it from the
 * config clears the state. Pool `tko_tracker` settings can hold servers out of TKO while too many of
 * a pool's servers are already TKO (fail-open).
 */
import { Result, isErrorResult, isHardTkoError, isSoftTkoError, resultFullName } from '../protocol/result.js';

/** TKO state of a server. */
export enum TkoState {
  Healthy,
  Soft,
  Hard,
}

/** Process-wide counts of servers currently TKO (`num_soft_tko_count`, `num_hard_tko_count`). */
export class TkoCounters {
  soft = 0;
  hard = 0;
  /** Servers ever marked TKO since start (for logs and metrics). */
  marks = 0;
}

/**
 * A pool's fail-open rule (`tko_tracker` pool option): once `upper` of its servers are TKO, no more
 * of them are marked TKO until the count drops to `lower`.
 */
export class PoolTkoTracker {
  private tkoCount = 0;
  private failOpen = false;

  /**
   * @param upper number of TKO servers at which the pool enters fail-open
   * @param lower number at which it leaves fail-open (≤ upper)
   */
  constructor(
    readonly poolName: string,
    readonly upper: number,
    readonly lower: number,
  ) {}

  /** Whether one more server of this pool may be marked TKO. */
  mayMarkTko(): boolean {
    return !this.failOpen;
  }

  /** Whether the pool is in fail-open state now. */
  get isFailOpen(): boolean {
    return this.failOpen;
  }

  /** Number of this pool's servers currently TKO. */
  get tkos(): number {
    return this.tkoCount;
  }

  /** Starts counting from `tkos` servers already TKO (when a config becomes active). */
  reset(tkos: number): void {
    this.tkoCount = tkos;
    this.failOpen = tkos >= this.upper;
  }

  /** A member server became TKO. */
  onTko(): void {
    this.tkoCount++;
    if (this.tkoCount >= this.upper) this.failOpen = true;
  }

  /** A member server left TKO. */
  onRecovered(): void {
    if (this.tkoCount > 0) this.tkoCount--;
    if (this.failOpen && this.tkoCount <= this.lower) this.failOpen = false;
  }
}

/** What a recorded result changed. */
export enum TkoTransition {
  None,
  MarkedSoft,
  MarkedHard,
  SoftToHard,
  Recovered,
}

/** See the file comment. */
export class TkoTracker {
  state = TkoState.Healthy;
  /** Consecutive failures (timeouts and connect errors), shown as `num_failures`. */
  consecutiveFailures = 0;
  /** The failure that caused the TKO (TIMEOUT, CONNECT_ERROR, CONNECT_TIMEOUT, SHUTDOWN). */
  reason: Result = Result.Unknown;
  /** The destination responsible for the TKO (it probes), or null. */
  responsible: object | null = null;
  /** Pools with a fail-open rule that contain this server. */
  readonly pools = new Set<PoolTkoTracker>();

  /**
   * @param hostPort the server, `host:port`
   * @param threshold `--timeouts-until-tko`: consecutive timeouts for a soft TKO (≥ 1)
   * @param enabled false with `--disable-tko-tracking`: nothing is ever marked TKO
   */
  constructor(
    readonly hostPort: string,
    private readonly threshold: number,
    private readonly enabled: boolean,
    /** The process-wide TKO counts this tracker updates. */
    readonly counters: TkoCounters,
  ) {}

  /** True while soft or hard TKO. */
  get isTko(): boolean {
    return this.state !== TkoState.Healthy;
  }

  /** `mc_res_<reason>` for the fast-fail message. */
  get reasonName(): string {
    return resultFullName(this.reason);
  }

  /**
   * Records the result of one request (or a connection event) sent by destination `by`.
   * @param threshold consecutive timeouts for a soft TKO when `by`'s pool sets `timeouts_until_tko`
   *   (≥ 1); `--timeouts-until-tko` when absent
   * @returns what changed; `MarkedSoft`/`MarkedHard` mean `by` is now responsible and must probe
   */
  record(result: Result, by: object, threshold: number = this.threshold): TkoTransition {
    const hard = isHardTkoError(result);
    if (!hard && !isSoftTkoError(result)) {
      if (!isErrorResult(result) && this.state === TkoState.Healthy) this.consecutiveFailures = 0;
      return TkoTransition.None;
    }
    this.consecutiveFailures++;
    if (!this.enabled) return TkoTransition.None;
    if (this.state === TkoState.Hard) return TkoTransition.None;
    if (this.state === TkoState.Soft) {
      if (!hard) return TkoTransition.None;
      this.state = TkoState.Hard;
      this.reason = result;
      this.counters.soft--;
      this.counters.hard++;
      return TkoTransition.SoftToHard;
    }
    if (!hard && this.consecutiveFailures < threshold) return TkoTransition.None;
    for (const pool of this.pools) if (!pool.mayMarkTko()) return TkoTransition.None;
    this.state = hard ? TkoState.Hard : TkoState.Soft;
    this.reason = result;
    this.responsible = by;
    if (hard) this.counters.hard++;
    else this.counters.soft++;
    this.counters.marks++;
    for (const pool of this.pools) pool.onTko();
    return hard ? TkoTransition.MarkedHard : TkoTransition.MarkedSoft;
  }

  /**
   * A probe (or any request while TKO) succeeded: clears the TKO and the failure count.
   * @returns `Recovered` when the server was TKO
   */
  recordSuccess(): TkoTransition {
    this.consecutiveFailures = 0;
    if (this.state === TkoState.Healthy) return TkoTransition.None;
    if (this.state === TkoState.Soft) this.counters.soft--;
    else this.counters.hard--;
    this.state = TkoState.Healthy;
    this.reason = Result.Unknown;
    this.responsible = null;
    for (const pool of this.pools) pool.onRecovered();
    return TkoTransition.Recovered;
  }
}

/** TKO trackers by `host:port`, created on first use. */
export class TkoTrackerMap {
  private readonly byHostPort = new Map<string, TkoTracker>();
  readonly counters = new TkoCounters();

  /**
   * @param threshold `--timeouts-until-tko`
   * @param enabled false with `--disable-tko-tracking`
   */
  constructor(
    private readonly threshold: number,
    private readonly enabled: boolean,
  ) {}

  /** The tracker for a server. */
  get(hostPort: string): TkoTracker {
    let t = this.byHostPort.get(hostPort);
    if (t === undefined) {
      t = new TkoTracker(hostPort, this.threshold, this.enabled, this.counters);
      this.byHostPort.set(hostPort, t);
    }
    return t;
  }

  /** Every tracker. */
  all(): IterableIterator<TkoTracker> {
    return this.byHostPort.values();
  }

  /** Servers with failures (`stats suspect_servers`, `num_suspect_servers`). */
  suspects(): TkoTracker[] {
    return [...this.byHostPort.values()].filter((t) => t.consecutiveFailures > 0);
  }
}
