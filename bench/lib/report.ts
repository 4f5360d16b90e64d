/** Result rows of the benchmark runner, the ratio table and their text rendering. */
import type { LoadgenResult } from './result.js';
import type { Protocol } from './workload.js';

/**
 * What the load can be pointed at: memcached, mcproxy, mcproxy talking TLS to memcached's TLS
 * port (`mcproxy-tls`, docs/tls.md), mcproxy on the seed's co-located route (`mcproxy-seed`:
 * WarmUpRoute gets that hit locally, AllFastestRoute sets), mcproxy with `--num-proxies`
 * workers (`mcproxy-cluster`), twemproxy, memcached's own proxy (`memcached-proxy`, routelib), and
 * the floors of a Node proxy (`mux-floor`: every client multiplexed onto one backend connection
 * with minimal framing, bench/mux-floor.ts; `null-proxy`: bytes forwarded 1:1, bench/null-proxy.ts;
 * with `null-proxy-onread` its client sockets read through the Node-internal handle path).
 */
export type TargetName =
  | 'direct'
  | 'mcproxy'
  | 'mcproxy-tls'
  | 'mcproxy-seed'
  | 'mcproxy-cluster'
  | 'twemproxy'
  | 'memcached-proxy'
  | 'mux-floor'
  | 'null-proxy'
  | 'null-proxy-onread';

/** All targets, in run order. */
export const TARGETS: readonly TargetName[] = [
  'direct',
  'mcproxy',
  'mcproxy-tls',
  'mcproxy-seed',
  'mcproxy-cluster',
  'twemproxy',
  'memcached-proxy',
  'mux-floor',
  'null-proxy',
  'null-proxy-onread',
];

/** A load shape: `connections` connections with `depth` requests outstanding on each. */
export interface Scenario {
  /** `<connections>x<depth>`, e.g. `50x16`. */
  readonly name: string;
  readonly connections: number;
  readonly depth: number;
}

/** One target × protocol × scenario measurement. */
export interface Row {
  readonly target: TargetName;
  /** Protocol between the load generator and the target. */
  readonly protocol: Protocol;
  readonly scenario: string;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  readonly reason: string | null;
  /** The run shown (the median by throughput when repeated). */
  readonly result: LoadgenResult | null;
  /** Throughput of every successful run, in ops/s (several with --repeat). */
  readonly opsPerSecRuns: readonly number[];
  /**
   * Every successful run's result, in round order (`result` is one of them): with `--repeat`, the
   * JSON keeps each run's CPU and latency, not only the median's.
   */
  readonly runResults: readonly LoadgenResult[];
  /** CPU (user+sys) of the proxy process tree per operation, in µs; null for direct. */
  readonly proxyCpuUsPerOp: number | null;
  /** CPU (user+sys) of memcached per operation, in µs. */
  readonly memcachedCpuUsPerOp: number | null;
  /** Problems worth shouting about (loadgen saturated, errors, foreign load, ...). */
  readonly warnings: readonly string[];
}

/** mcproxy (and twemproxy) relative to the other targets for one scenario; null when missing. */
export interface Ratios {
  readonly scenario: string;
  readonly protocol: Protocol;
  readonly singleConnection: boolean;
  readonly opsMcproxyDirect: number | null;
  readonly opsMcproxyTwemproxy: number | null;
  readonly opsTwemproxyDirect: number | null;
  /** p50 latency ratios; only for single-connection scenarios (elsewhere p50 follows throughput). */
  readonly p50McproxyDirect: number | null;
  readonly p50McproxyTwemproxy: number | null;
  readonly p50TwemproxyDirect: number | null;
}

/** Parses `CxD` (connections x depth), e.g. `50x16`. */
export function parseScenario(s: string): Scenario {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  const connections = Number(m?.[1]);
  const depth = Number(m?.[2]);
  if (m === null || connections < 1 || depth < 1 || depth > 4096) {
    throw new Error(`bad scenario '${s}': want <connections>x<depth>, e.g. 50x16`);
  }
  return { name: `${connections}x${depth}`, connections, depth };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 1000) / 1000;
}

/** Computes the ratio table from the rows: one line per scenario × protocol, targets compared within a protocol. */
export function computeRatios(
  rows: readonly Row[],
  scenarios: readonly Scenario[],
  protocols: readonly Protocol[],
): Ratios[] {
  return scenarios.flatMap((s) => protocols.map((p) => ratiosFor(rows, s, p)));
}

function ratiosFor(rows: readonly Row[], s: Scenario, protocol: Protocol): Ratios {
  const get = (t: TargetName): LoadgenResult | undefined =>
    rows.find((r) => r.target === t && r.protocol === protocol && r.scenario === s.name && r.status === 'ok')
      ?.result ?? undefined;
  const d = get('direct');
  const m = get('mcproxy');
  const t = get('twemproxy');
  const single = s.connections === 1;
  return {
    scenario: s.name,
    protocol,
    singleConnection: single,
    opsMcproxyDirect: ratio(m?.opsPerSec, d?.opsPerSec),
    opsMcproxyTwemproxy: ratio(m?.opsPerSec, t?.opsPerSec),
    opsTwemproxyDirect: ratio(t?.opsPerSec, d?.opsPerSec),
    p50McproxyDirect: single ? ratio(m?.latencyUs.p50, d?.latencyUs.p50) : null,
    p50McproxyTwemproxy: single ? ratio(m?.latencyUs.p50, t?.latencyUs.p50) : null,
    p50TwemproxyDirect: single ? ratio(t?.latencyUs.p50, d?.latencyUs.p50) : null,
  };
}

/** Renders rows of cells as an aligned text table; `right[i]` right-aligns column i. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string {
  // A row shorter than the header ends in free text (e.g. a skip reason) that spans the remaining
  // columns: it does not count towards column widths and is never padded.
  const spans = (r: readonly string[], i: number): boolean => r.length < header.length && i === r.length - 1;
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (spans(r, i) ? 0 : (r[i] ?? '').length))),
  );
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        if (spans(cells, i)) return c;
        return (right[i] ?? false) ? c.padStart(w) : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtNum = (n: number | null, digits = 1): string => (n === null ? '-' : n.toFixed(digits));
const fmtRatio = (n: number | null): string => (n === null ? 'n/a' : `${n.toFixed(2)}x`);

/** Half the min–max range of the runs relative to the median, e.g. `±3%`; `-` for one run. */
function spread(runs: readonly number[]): string {
  if (runs.length < 2) return '-';
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const range = (sorted.at(-1) ?? 0) - (sorted[0] ?? 0);
  return mid > 0 ? `±${((50 * range) / mid).toFixed(0)}%` : '-';
}

/** The main results table: one line per target × protocol × scenario, grouped by scenario. */
export function renderResults(rows: readonly Row[], scenarios: readonly Scenario[]): string {
  const header = [
    'scenario',
    'target',
    'protocol',
    'ops/s',
    'spread',
    'p50 µs',
    'p99 µs',
    'proxy CPU µs/op',
    'memcached CPU µs/op',
    'loadgen CPU %',
    'core0/core1 busy %',
    'errors',
    'misses',
  ];
  const right = [false, false, false, true, true, true, true, true, true, true, true, true, true];
  const cells: string[][] = [];
  for (const s of scenarios) {
    let first = true;
    for (const r of rows.filter((x) => x.scenario === s.name)) {
      const label = first ? s.name : '';
      first = false;
      const res = r.result;
      if (r.status !== 'ok' || res === null) {
        cells.push([label, r.target, r.protocol, `${r.status}: ${r.reason ?? ''}`]);
        continue;
      }
      const busy = res.coreBusyPercent;
      cells.push([
        label,
        r.target,
        r.protocol,
        fmtInt(res.opsPerSec),
        spread(r.opsPerSecRuns),
        fmtNum(res.latencyUs.p50),
        fmtNum(res.latencyUs.p99),
        fmtNum(r.proxyCpuUsPerOp, 2),
        fmtNum(r.memcachedCpuUsPerOp, 2),
        `${res.loadgen.cpuPercent.toFixed(0)}${r.warnings.some((w) => w.startsWith('LOADGEN')) ? '!' : ''}`,
        `${(busy[0] ?? 0).toFixed(0)}/${(busy[1] ?? 0).toFixed(0)}`,
        String(res.errors),
        String(res.misses),
      ]);
    }
  }
  return table(header, cells, right);
}

/** The ratio table (mcproxy vs direct and vs twemproxy; twemproxy vs direct for reference). */
export function renderRatios(ratios: readonly Ratios[]): string {
  const header = [
    'scenario',
    'protocol',
    'ops mcproxy/direct',
    'ops mcproxy/twemproxy',
    'p50 mcproxy/direct',
    'p50 mcproxy/twemproxy',
    '(ops twemproxy/direct)',
    '(p50 twemproxy/direct)',
  ];
  const right = [false, false, true, true, true, true, true, true];
  const cells = ratios.map((r) => {
    // p50 ratios only for single-connection scenarios; elsewhere latency just mirrors throughput.
    const p50 = (x: number | null): string => (r.singleConnection ? fmtRatio(x) : '');
    return [
      r.scenario,
      r.protocol,
      fmtRatio(r.opsMcproxyDirect),
      fmtRatio(r.opsMcproxyTwemproxy),
      p50(r.p50McproxyDirect),
      p50(r.p50McproxyTwemproxy),
      fmtRatio(r.opsTwemproxyDirect),
      p50(r.p50TwemproxyDirect),
    ];
  });
  return table(header, cells, right);
}
