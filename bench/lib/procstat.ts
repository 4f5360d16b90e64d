/**
 * CPU accounting from /proc (Linux only): per-process user+sys time and per-core busy time.
 *
 * Both come in clock ticks (`getconf CLK_TCK`, normally 100/s, i.e. 10 ms resolution), so
 * measurement windows should be seconds long for per-operation figures to be meaningful.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (USER_HZ). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number.parseInt(r.stdout, 10);
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** User and system CPU of one process (all its threads), in µs. */
export interface CpuTimes {
  readonly userUs: number;
  readonly sysUs: number;
}

/** User and system CPU of one process (all its threads), in µs; undefined if it is gone. */
export function processCpuTimes(pid: number): CpuTimes | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const usPerTick = 1e6 / clockTicksPerSecond();
  return { userUs: Number(fields[11]) * usPerTick, sysUs: Number(fields[12]) * usPerTick };
}

/** User+system CPU of one process (all its threads), in µs; undefined if it is gone. */
export function processCpuUs(pid: number): number | undefined {
  const t = processCpuTimes(pid);
  return t === undefined ? undefined : t.userUs + t.sysUs;
}

/** `pid` and all its live descendants (via /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    if (p === undefined || out.includes(p)) continue;
    out.push(p);
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${tid}/children`, 'latin1').split(' ')) {
          const n = Number.parseInt(c, 10);
          if (n > 0) stack.push(n);
        }
      } catch {
        // thread exited meanwhile
      }
    }
  }
  return out;
}

/** User and system CPU of `pid` and its live descendants, in µs (0 if it is gone). */
export function processTreeCpuTimes(pid: number): CpuTimes {
  let userUs = 0;
  let sysUs = 0;
  for (const p of processTree(pid)) {
    const t = processCpuTimes(p);
    userUs += t?.userUs ?? 0;
    sysUs += t?.sysUs ?? 0;
  }
  return { userUs, sysUs };
}

/** Cumulative busy and total time of one core, in µs. */
export interface CoreTimes {
  readonly busyUs: number;
  readonly totalUs: number;
}

/** Busy/total time of every core from /proc/stat, indexed by core number. */
export function coreTimes(): CoreTimes[] {
  const out: CoreTimes[] = [];
  const usPerTick = 1e6 / clockTicksPerSecond();
  for (const line of readFileSync('/proc/stat', 'latin1').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (m === null) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const v = (m[2] ?? '').trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    out[Number(m[1])] = { busyUs: (total - idle) * usPerTick, totalUs: total * usPerTick };
  }
  return out;
}

/** Busy percentage of each core between two `coreTimes()` snapshots. */
export function coreBusyPercent(before: readonly CoreTimes[], after: readonly CoreTimes[]): number[] {
  return after.map((a, i) => {
    const b = before[i];
    if (b === undefined) return 0;
    const total = a.totalUs - b.totalUs;
    return total > 0 ? (100 * (a.busyUs - b.busyUs)) / total : 0;
  });
}
