/**
 * The deadline ticker's period: 1/40 of the shortest timeout registered, between 5 and 50 ms, and
 * a finer registration speeds up a timer already running at a coarser period.
 */
import { expect, test } from 'vitest';
import { TICK_MS, tickPeriodFor, watchDeadlines } from '../../../proxy/destination/deadline-ticker.js';

test('tickPeriodFor: 1/40 of the timeout, at least 5 ms, at most 50 ms', () => {
  expect(tickPeriodFor(1)).toBe(TICK_MS);
  expect(tickPeriodFor(200)).toBe(5);
  expect(tickPeriodFor(1000)).toBe(25);
  expect(tickPeriodFor(2000)).toBe(50);
  expect(tickPeriodFor(60_000)).toBe(50);
});

test('a finer registration speeds up the running ticker; it stops once nothing is registered', async () => {
  let coarse = 0;
  let fine = 0;
  let keep = true;
  watchDeadlines({ tick: () => (coarse++, keep) }, 50);
  watchDeadlines({ tick: () => (fine++, keep) }, 5);
  const t0 = performance.now();
  // At 50 ms, 1 s holds 20 ticks; at 5 ms, 200 (a machine 3× slower still shows well over 40).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const elapsed = performance.now() - t0;
  expect(fine).toBe(coarse);
  expect(fine).toBeGreaterThan(Math.min(40, elapsed / 50 + 10));
  keep = false;
  const stopped = fine + 1;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(fine).toBe(stopped);
});
