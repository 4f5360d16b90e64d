/**
 * The keys enumerated from the sources, held compactly (one byte arena for the decoded keys and a
 * few typed arrays: about key length + 15 bytes per key, no object per key), and the choice of
 * what to copy: most recently accessed first, up to a byte budget.
 */

/** One chosen key, by its index in the catalog. */
export type KeyIndex = number;

function grown<T extends Uint8Array | Uint16Array | Uint32Array>(
  a: T,
  need: number,
  make: (n: number) => T,
): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const next = make(n);
  next.set(a);
  return next;
}

/** See the file comment. */
export class KeyCatalog {
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaUsed = 0;
  private offsets = new Uint32Array(1024);
  private lengths = new Uint8Array(1024);
  private lastAccess = new Uint32Array(1024);
  private sizes = new Uint32Array(1024);
  private sources = new Uint16Array(1024);
  /** Number of keys. */
  count = 0;
  /** Sum of the items' sizes (memcached's `size=`: header + key + value), bytes. */
  totalBytes = 0;

  /**
   * Reserves room for a key of up to `maxLength` bytes and returns the arena and position to write
   * it at; `commit` then records it.
   */
  reserve(maxLength: number): { buf: Buffer; at: number } {
    if (this.arenaUsed + maxLength > this.arena.length) {
      let n = this.arena.length * 2;
      while (n < this.arenaUsed + maxLength) n *= 2;
      const next = Buffer.allocUnsafe(n);
      this.arena.copy(next, 0, 0, this.arenaUsed);
      this.arena = next;
    }
    return { buf: this.arena, at: this.arenaUsed };
  }

  /**
   * Records the key written at the position `reserve` returned.
   * @param length decoded key length, bytes (≤ 250)
   * @param lastAccess the item's last access, unix seconds (metadump `la=`)
   * @param size the item's size in memcached, bytes (metadump `size=`)
   * @param source index of the source server it was listed by
   */
  commit(length: number, lastAccess: number, size: number, source: number): void {
    const i = this.count;
    const need = i + 1;
    if (need > this.offsets.length) {
      this.offsets = grown(this.offsets, need, (n) => new Uint32Array(n));
      this.lengths = grown(this.lengths, need, (n) => new Uint8Array(n));
      this.lastAccess = grown(this.lastAccess, need, (n) => new Uint32Array(n));
      this.sizes = grown(this.sizes, need, (n) => new Uint32Array(n));
      this.sources = grown(this.sources, need, (n) => new Uint16Array(n));
    }
    this.offsets[i] = this.arenaUsed;
    this.lengths[i] = length;
    this.lastAccess[i] = lastAccess;
    this.sizes[i] = size;
    this.sources[i] = source;
    this.arenaUsed += length;
    this.count = need;
    this.totalBytes += size;
  }

  /** The arena holding every key (read with `keyStart` / `keyEnd`). */
  get keys(): Buffer {
    return this.arena;
  }

  keyStart(i: KeyIndex): number {
    return this.offsets[i] ?? 0;
  }

  keyEnd(i: KeyIndex): number {
    return (this.offsets[i] ?? 0) + (this.lengths[i] ?? 0);
  }

  /** The item's size in memcached, bytes. */
  size(i: KeyIndex): number {
    return this.sizes[i] ?? 0;
  }

  /** Last access, unix seconds. */
  accessed(i: KeyIndex): number {
    return this.lastAccess[i] ?? 0;
  }

  /** Index of the source server that listed the key. */
  source(i: KeyIndex): number {
    return this.sources[i] ?? 0;
  }

  /**
   * The keys to copy: most recently accessed first (memcached's `la`, whole seconds; keys
   * accessed in the same second keep the order they were listed in), stopping before the first
   * key that would take the total item size past `budgetBytes`.
   * @returns the chosen indices in copy order and their total item size in bytes
   */
  selectByRecency(budgetBytes: number): { order: Uint32Array; bytes: number } {
    const n = this.count;
    const sorted = new Uint32Array(n);
    if (n === 0) return { order: sorted, bytes: 0 };
    let min = 0xffffffff;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const la = this.lastAccess[i] ?? 0;
      if (la < min) min = la;
      if (la > max) max = la;
    }
    const span = max - min + 1;
    if (span <= 1 << 22) {
      // Counting sort on the second of last access: linear, stable.
      const starts = new Uint32Array(span + 1);
      for (let i = 0; i < n; i++) {
        const slot = max - (this.lastAccess[i] ?? 0) + 1;
        starts[slot] = (starts[slot] ?? 0) + 1;
      }
      for (let s = 1; s <= span; s++) starts[s] = (starts[s] ?? 0) + (starts[s - 1] ?? 0);
      for (let i = 0; i < n; i++) {
        const slot = max - (this.lastAccess[i] ?? 0);
        sorted[starts[slot] ?? 0] = i;
        starts[slot] = (starts[slot] ?? 0) + 1;
      }
    } else {
      for (let i = 0; i < n; i++) sorted[i] = i;
      const la = this.lastAccess;
      sorted.sort((a, b) => (la[b] ?? 0) - (la[a] ?? 0) || a - b);
    }
    let bytes = 0;
    let take = 0;
    while (take < n) {
      const s = this.sizes[sorted[take] ?? 0] ?? 0;
      if (bytes + s > budgetBytes) break;
      bytes += s;
      take++;
    }
    return { order: sorted.subarray(0, take), bytes };
  }
}
