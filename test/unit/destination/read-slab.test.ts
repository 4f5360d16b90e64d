/**
 * The backend read slab (`proxy/destination/read-slab.ts`): reads fill consecutive regions of a
 * slab, a chunk once handed out is never rewritten by a later read, and a read is always offered
 * at least `MIN_READ` bytes.
 */
import { expect, test } from 'vitest';
import { MIN_READ, ReadSlab, SLAB_SIZE } from '../../../proxy/destination/read-slab.js';

/** Plays the kernel: fills up to `n` bytes of the offered region with `fill`, as `read(2)` would. */
function read(slab: ReadSlab, n: number, fill: number): Buffer {
  const region = slab.next();
  const nread = Math.min(n, region.length);
  region.fill(fill, 0, nread);
  return slab.take(region, nread);
}

test('chunks are consecutive views that later reads never overwrite', () => {
  const slab = new ReadSlab();
  const sizes = [10, 100_000, 3, 200_000, 70_000, 65_536, 1, SLAB_SIZE, 5];
  const chunks = sizes.map((n, i) => read(slab, n, i + 1));
  chunks.forEach((c, i) => {
    // A read takes what it asked for, or all the room it was offered (at least MIN_READ).
    expect(c.length).toBe(Math.min(sizes[i] as number, Math.max(c.length, MIN_READ)));
    expect(c.every((b) => b === i + 1)).toBe(true);
  });
});

test('a read is offered the rest of the slab, and a fresh slab once less than MIN_READ is left', () => {
  const slab = new ReadSlab();
  const first = slab.next();
  expect(first.length).toBe(SLAB_SIZE);
  const a = slab.take(first, SLAB_SIZE - MIN_READ);
  const rest = slab.next();
  expect(rest.length).toBe(MIN_READ);
  expect(rest.buffer).toBe(a.buffer);
  slab.take(rest, 1);
  const fresh = slab.next();
  expect(fresh.length).toBe(SLAB_SIZE);
  expect(fresh.buffer).not.toBe(a.buffer);
});
