/**
 * `@shuffle(list, seed)`: mcrouter shuffles with `std::shuffle` and a `std::minstd_rand` seeded
 * with `seed` (`ConfigPreprocessor.cpp`, `shuffleMacro`). The order therefore depends on the
 * C++ standard library mcrouter was built with; this reproduces GCC's libstdc++ (≥ 9: the
 * "two swap positions per draw" loop, `uniform_int_distribution` by rejection and division),
 * the library of mcrouter's Linux builds. Without a seed the order is random.
 */

/** `std::minstd_rand`: x = x * 48271 mod (2^31 - 1), outputs in [1, 2^31 - 2]. */
class MinStdRand {
  private static readonly M = 2147483647;
  private x: number;

  constructor(seed: number) {
    const s = seed % MinStdRand.M;
    this.x = s === 0 ? 1 : s;
  }

  /** The next output. */
  next(): number {
    this.x = Number((BigInt(this.x) * 48271n) % BigInt(MinStdRand.M));
    return this.x;
  }
}

const URNG_MIN = 1;
const URNG_RANGE = 2147483646 - 1;

/** libstdc++ `uniform_int_distribution<size_t>{0, hi}(g)` for minstd_rand (downscaling). */
function uniform(g: MinStdRand, hi: number): number {
  if (hi === URNG_RANGE) return g.next() - URNG_MIN;
  const uerange = hi + 1;
  const scaling = Math.floor(URNG_RANGE / uerange);
  const past = uerange * scaling;
  let r: number;
  do r = g.next() - URNG_MIN;
  while (r >= past);
  return Math.floor(r / scaling);
}

function swap(a: unknown[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * A shuffled copy of `items`.
 * @param seed a uint32 seed, or undefined for a random order
 */
export function shuffled<T>(items: readonly T[], seed: number | undefined): T[] {
  const a = [...items];
  const n = a.length;
  if (n === 0) return a;
  if (seed === undefined) {
    for (let i = n - 1; i > 0; i--) swap(a, i, Math.floor(Math.random() * (i + 1)));
    return a;
  }
  const g = new MinStdRand(seed);
  if (Math.floor(URNG_RANGE / n) >= n) {
    let i = 1;
    if (n % 2 === 0) {
      swap(a, i, uniform(g, 1));
      i++;
    }
    while (i !== n) {
      const b0 = i + 1;
      const b1 = b0 + 1;
      const x = uniform(g, b0 * b1 - 1);
      swap(a, i, Math.floor(x / b1));
      i++;
      swap(a, i, x % b1);
      i++;
    }
    return a;
  }
  for (let i = 1; i < n; i++) swap(a, i, uniform(g, i));
  return a;
}
