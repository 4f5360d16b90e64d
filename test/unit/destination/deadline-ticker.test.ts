/**
 * The deadline ticker's period: 1/40 of the shortest timeout registered, between 5 and 50 ms, and
 * a finer registration speeds up a timer already running at a coarser period.
 */
import { expect, test, vi } from 'vitest';
import { TICK_MS, tickPeriodFor, watchDeadlines } from '../../../proxy/destination/deadline-ticker.js';

test('tickPeriodFor: 1/40 of the timeout, at least 5 ms, at most 50 ms', () => {
  expect(tickPeriodFor(1)).toBe(TICK_MS);
  expect(tickPeriodFor(200)).toBe(5);
  expect(tickPeriodFor(1000)).toBe(25);
  expect(tickPeriodFor(2000)).toBe(50);
  expect(tickPeriodFor(60_000)).toBe(50);
});

test('a finer registration speeds up the running ticker; it stops once nothing is registered', () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  try {
    let coarse = 0;
    let fine = 0;
    let keep = true;
    watchDeadlines({ tick: () => (coarse++, keep) }, 50);
    watchDeadlines({ tick: () => (fine++, keep) }, 5);
    // At 50 ms, 1 s holds 20 ticks; at the finer 5 ms, 200, for both registrations.
    vi.advanceTimersByTime(1000);
    expect(coarse).toBe(200);
    expect(fine).toBe(200);
    keep = false;
    vi.advanceTimersByTime(5);
    expect(fine).toBe(201);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(200);
    expect(fine).toBe(201);
  } finally {
    vi.useRealTimers();
  }
});
