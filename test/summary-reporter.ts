/**
 * Vitest reporter that ends the run with one plain line, `N passed, N failed, N skipped`,
 * which CI reads (vitest's own coloured summary is not in CI's list). A module that failed
 * without a failing test of its own (it did not load, or a `beforeAll`/`afterAll` hook threw and
 * its tests were skipped) counts as one failure; unhandled errors count as failures too.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const t of mod.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      if (failedHere === 0 && mod.state() === 'failed') failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
