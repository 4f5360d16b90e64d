/**
 * The memory budget's arithmetic: the default from the cgroup limit, the client share, and the get
 * reservation that follows reply sizes (proxy/server/memory-budget.ts, docs/memory.md).
 */
import { describe as group, expect, test } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBudget, defaultMemoryBudget } from '../../../proxy/server/memory-budget.js';

const MIB = 1024 * 1024;

function cgroup(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

group('default budget', () => {
  test('a quarter of cgroup v2 memory.max', () => {
    expect(defaultMemoryBudget(cgroup({ 'memory.max': `${384 * MIB}\n` }))).toBe(96 * MIB);
  });
  test('cgroup v1 memory.limit_in_bytes', () => {
    expect(defaultMemoryBudget(cgroup({ 'memory/memory.limit_in_bytes': `${512 * MIB}\n` }))).toBe(128 * MIB);
  });
  test('no limit ("max", v1 unlimited, no cgroup): 128 MiB', () => {
    expect(defaultMemoryBudget(cgroup({ 'memory.max': 'max\n' }))).toBe(128 * MIB);
    expect(defaultMemoryBudget(cgroup({ 'memory/memory.limit_in_bytes': '9223372036854771712\n' }))).toBe(
      128 * MIB,
    );
    expect(defaultMemoryBudget(cgroup({}))).toBe(128 * MIB);
  });
});

group('MemoryBudget', () => {
  test('the client share is capped at a quarter of the budget', () => {
    expect(new MemoryBudget(128 * MIB, 16 * MIB).clientShare).toBe(16 * MIB);
    expect(new MemoryBudget(8 * MIB, 16 * MIB).clientShare).toBe(2 * MIB);
  });

  test('used, peak and the limit', () => {
    const b = new MemoryBudget(1000, 100);
    b.add(600);
    b.add(-200);
    expect([b.used, b.peak]).toEqual([400, 600]);
    expect(b.wouldExceed(600)).toBe(false);
    expect(b.wouldExceed(601)).toBe(true);
  });

  test('the get reservation starts at 1 MiB, jumps up to a larger reply and decays by 1/16', () => {
    const b = new MemoryBudget(1 << 30, 1 << 28);
    expect(b.getReservation).toBe(MIB);
    b.observe(4 * MIB);
    expect(b.getReservation).toBe(4 * MIB);
    b.observe(0);
    expect(b.getReservation).toBe(4 * MIB - (4 * MIB) / 16);
    for (let i = 0; i < 500; i++) b.observe(100);
    expect(b.getReservation).toBe(1024);
  });
});
