/**
 * The coherence checker: a history of timed operations per key and, for every read that returned a
 * value, whether that value was already superseded by an acknowledged write when the read started,
 * and by how long.
 *
 * Every write produces values the checker can recognise: string keys hold `.`-joined unique tokens
 * (set/add/replace/cas write one token, append/prepend add one), numeric keys hold unique numbers
 * that only grow (incr keys) or only shrink (decr keys). A read's value V was produced by the
 * writes of its tokens (string) or by the write that produced exactly that number (numeric); let T
 * be when the last of those was acknowledged. A write W that started after T and changed the key
 * (stored, deleted, incremented, expired by `touch -1`) certainly came after V, so once W is
 * acknowledged V is stale: a read that starts at time r after W's acknowledgement and returns V is
 * stale by r − ack(W) (the earliest such W). The rule never flags a correct read: it only uses
 * "started after acknowledged" order, which holds for any linearisable store.
 */

/** One operation as the client saw it. */
export interface OpRecord {
  readonly instance: number;
  readonly key: string;
  readonly op: string;
  /** performance.now() when sent / when the reply arrived, ms. */
  readonly start: number;
  end: number;
  /** True once the reply shows the write changed the key. */
  effective: boolean;
}

/** A read flagged stale. */
export interface StaleRead {
  readonly instance: number;
  readonly key: string;
  readonly op: string;
  readonly at: number;
  /** Read start − acknowledgement of the first write that superseded the value, ms. */
  readonly staleMs: number;
  /** That write's op. */
  readonly supersededBy: string;
}

/** Summary numbers of one run. */
export interface CheckSummary {
  readonly reads: number;
  readonly hits: number;
  readonly writes: number;
  readonly effectiveWrites: number;
  readonly stale: number;
  readonly staleP50Ms: number;
  readonly staleP99Ms: number;
  readonly staleMaxMs: number;
  /** Stale reads by the op of the write that superseded the value. */
  readonly staleBySupersedingOp: Record<string, number>;
  /** cas requests that were STORED / sent. */
  readonly casStored: number;
  readonly casSent: number;
}

interface KeyHistory {
  /** Writes in start order. */
  readonly writes: OpRecord[];
  /** Value piece (token, or number as text) → the write that produced it. */
  readonly producers: Map<string, OpRecord>;
}

/** See the file comment. */
export class History {
  private readonly keys = new Map<string, KeyHistory>();
  readonly stale: StaleRead[] = [];
  private reads = 0;
  private hits = 0;
  private writes = 0;
  casStored = 0;
  casSent = 0;

  private of(key: string): KeyHistory {
    let h = this.keys.get(key);
    if (h === undefined) {
      h = { writes: [], producers: new Map() };
      this.keys.set(key, h);
    }
    return h;
  }

  /**
   * Records a write as it is sent. `piece` is the token it writes (string keys) or the number it
   * sets (numeric keys); incr/decr register their result with `produced` when the reply arrives.
   */
  beginWrite(instance: number, key: string, op: string, start: number, piece: string | null): OpRecord {
    const rec: OpRecord = { instance, key, op, start, end: Infinity, effective: false };
    const h = this.of(key);
    h.writes.push(rec);
    if (piece !== null) h.producers.set(piece, rec);
    this.writes++;
    return rec;
  }

  /** Registers the number an incr/decr reply returned as produced by `rec`. */
  produced(rec: OpRecord, value: string): void {
    this.of(rec.key).producers.set(value, rec);
  }

  /**
   * Checks a read that started at `start` and returned `value` (null: a miss).
   * @param numeric the key holds a number (one piece), not tokens
   */
  read(
    instance: number,
    key: string,
    op: string,
    start: number,
    value: string | null,
    numeric: boolean,
  ): void {
    this.reads++;
    if (value === null) return;
    this.hits++;
    const h = this.of(key);
    let t = -Infinity;
    for (const piece of numeric ? [value] : value.split('.')) {
      const producer = h.producers.get(piece);
      if (producer === undefined) return; // not a value the checker can place
      t = Math.max(t, producer.end);
    }
    if (t === Infinity) return; // produced by a write still awaiting its reply
    const w = h.writes;
    let lo = 0;
    let hi = w.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((w[mid] as OpRecord).start > t) hi = mid;
      else lo = mid + 1;
    }
    let first: OpRecord | null = null;
    for (let i = lo; i < w.length; i++) {
      const rec = w[i] as OpRecord;
      if (rec.start >= start) break;
      if (rec.effective && rec.end < start && (first === null || rec.end < first.end)) first = rec;
    }
    if (first !== null) {
      this.stale.push({ instance, key, op, at: start, staleMs: start - first.end, supersededBy: first.op });
    }
  }

  /** The numbers of the run. */
  summary(): CheckSummary {
    const ms = this.stale.map((s) => s.staleMs).sort((a, b) => a - b);
    const pct = (p: number): number =>
      ms.length === 0 ? 0 : (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] as number);
    const by: Record<string, number> = {};
    for (const s of this.stale) by[s.supersededBy] = (by[s.supersededBy] ?? 0) + 1;
    let effective = 0;
    for (const h of this.keys.values()) for (const r of h.writes) if (r.effective) effective++;
    return {
      reads: this.reads,
      hits: this.hits,
      writes: this.writes,
      effectiveWrites: effective,
      stale: ms.length,
      staleP50Ms: pct(0.5),
      staleP99Ms: pct(0.99),
      staleMaxMs: ms.length === 0 ? 0 : (ms[ms.length - 1] as number),
      staleBySupersedingOp: by,
      casStored: this.casStored,
      casSent: this.casSent,
    };
  }
}
