/** Seeds and run counts for the fuzz suites. */

/** FUZZ_RUNS, or `ciRuns`. */
export function fuzzRuns(ciRuns: number): number {
  return Number(process.env.FUZZ_RUNS ?? ciRuns);
}

/** FUZZ_SEED: a number, or `random` (printed so a failure can be replayed); else the CI seed. */
export function fuzzSeed(fixed: number): number {
  const env = process.env.FUZZ_SEED;
  if (env === undefined || env === '') return fixed;
  const seed = env === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(env);
  process.stdout.write(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})\n`);
  return seed;
}
