/**
 * Rate stats (`cmd_get`, `request_sent`, `result_error`, … in `stats`): events per second over the
 * last 4 minutes, as mcrouter computes them (`mcrouter/stats.cpp`; `mcrouter/lib/carbon/Stats.h` RateStats,
 * `stats.cpp::stats_rate_value`): 240 bins of 1 s; the rate is the events of the bins filled so far
 * (at most 240) divided by their number, so it is 0 until the first bin completes.
 *
 * Nothing is counted twice and nothing is added to the request path: once a second a timer copies
 * the cumulative counters (plain numbers kept anyway) into a ring of snapshots, and a rate is the
 * difference between the newest snapshot and the one `bins` ticks older.
 */

/** mcrouter's `MOVING_AVERAGE_WINDOW_SIZE_IN_SECOND / MOVING_AVERAGE_BIN_SIZE_IN_SECOND`. */
export const RATE_BINS = 240;
/** Bin length, ms (`MOVING_AVERAGE_BIN_SIZE_IN_SECOND`). */
export const RATE_BIN_MS = 1000;

/** See the file comment. */
export class StatRates {
  private readonly ring: Float64Array;
  private newest = 0;
  private binsUsed = 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * Takes the first snapshot now.
   * @param size number of counters
   * @param sample writes the current cumulative value of every counter into `out` (length `size`)
   */
  constructor(
    readonly size: number,
    private readonly sample: (out: Float64Array) => void,
  ) {
    this.ring = new Float64Array((RATE_BINS + 1) * size);
    sample(this.slot(0));
  }

  private slot(i: number): Float64Array {
    return this.ring.subarray(i * this.size, (i + 1) * this.size);
  }

  /** Closes the current bin: snapshots the counters. Called every `RATE_BIN_MS` by `start()`. */
  tick(): void {
    this.newest = (this.newest + 1) % (RATE_BINS + 1);
    this.sample(this.slot(this.newest));
    if (this.binsUsed < RATE_BINS) this.binsUsed++;
  }

  /** Bins filled so far (≤ `RATE_BINS`). */
  get bins(): number {
    return this.binsUsed;
  }

  /** Events per second of counter `i` over the filled bins; 0 before the first bin. */
  rate(i: number): number {
    if (this.binsUsed === 0) return 0;
    const oldest = (this.newest - this.binsUsed + RATE_BINS + 1) % (RATE_BINS + 1);
    const delta = (this.ring[this.newest * this.size + i] ?? 0) - (this.ring[oldest * this.size + i] ?? 0);
    return delta / (this.binsUsed * (RATE_BIN_MS / 1000));
  }

  /** Ticks every `RATE_BIN_MS` (an unref'd timer: it never keeps the process alive). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.tick();
    }, RATE_BIN_MS);
    this.timer.unref();
  }

  /** Stops ticking. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
