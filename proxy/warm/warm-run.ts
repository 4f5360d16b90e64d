/**
 * One warm or migration, start to end: list the keys of every source (`lru_crawler metadump
 * all`), choose the most recently accessed ones up to the byte budget, copy them (copier.ts).
 * The command line (warm-command.ts) and the sidecar call this.
 */
import type { ServerAddress } from '../config/server-address.js';
import { CopyCounters, copyKeys, type DestinationSelector } from './copier.js';
import { KeyCatalog } from './key-catalog.js';
import { enumerateKeys, readStats } from './memcached-link.js';

/** What `runWarm` needs. Sizes in bytes, times in ms. */
export interface WarmPlan {
  readonly sources: readonly ServerAddress[];
  readonly destinations: readonly ServerAddress[];
  readonly selectDestination: DestinationSelector;
  /** Byte budget (sum of item sizes); null = `budgetFraction` of the destinations' `maxbytes`. */
  readonly maxBytes: number | null;
  /** Share of the destinations' memory limit used when `maxBytes` is null, in (0, 1]. */
  readonly budgetFraction: number;
  readonly connections: number;
  readonly windowBytes: number;
  readonly batchKeys: number;
  /** Keys per second; 0 = unlimited. */
  readonly rateKeysPerS: number;
  /** Stop starting batches after this long, ms from the start; 0 = no deadline. */
  readonly deadlineMs: number;
  /** Connect, reply and metadump idle timeout, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The run's state, read by the progress reporter while it runs. */
export class WarmState {
  phase: 'enumerate' | 'copy' | 'done' = 'enumerate';
  /** Keys listed by the sources. */
  listed = 0;
  /** Their total item size, bytes. */
  listedBytes = 0;
  /** Keys chosen to copy and their item size, bytes. */
  selected = 0;
  selectedBytes = 0;
  /** The byte budget used. */
  budgetBytes = 0;
  readonly copy = new CopyCounters();
  readonly startedAt = Date.now();
  copyStartedAt = 0;
  endedAt = 0;
}

/** The summary of a finished run (the log line and the command's output). */
export interface WarmSummary {
  readonly listed: number;
  readonly selected: number;
  readonly selectedBytes: number;
  readonly budgetBytes: number;
  readonly copied: number;
  readonly existing: number;
  readonly missing: number;
  readonly failed: number;
  /** Value bytes copied. */
  readonly bytes: number;
  readonly stoppedEarly: boolean;
  readonly enumerateMs: number;
  readonly copyMs: number;
  readonly totalMs: number;
  /** Keys finished per second over the copy phase. */
  readonly copyKeysPerS: number;
  /** Keys finished per second over the whole run (listing included). */
  readonly keysPerS: number;
  /** Peak resident set size of this process, bytes. */
  readonly maxRssBytes: number;
  /** CPU time (user + system) of this process so far, ms. */
  readonly cpuMs: number;
  readonly firstError: string | null;
}

/** Summarises `state` (finished or not). */
export function summarize(state: WarmState): WarmSummary {
  const end = state.endedAt || Date.now();
  const c = state.copy;
  const copyMs = state.copyStartedAt === 0 ? 0 : end - state.copyStartedAt;
  const totalMs = end - state.startedAt;
  return {
    listed: state.listed,
    selected: state.selected,
    selectedBytes: state.selectedBytes,
    budgetBytes: state.budgetBytes,
    copied: c.copied,
    existing: c.existing,
    missing: c.missing,
    failed: c.failed,
    bytes: c.bytes,
    stoppedEarly: c.stoppedEarly,
    enumerateMs: (state.copyStartedAt || end) - state.startedAt,
    copyMs,
    totalMs,
    copyKeysPerS: copyMs > 0 ? Math.round((c.done * 1000) / copyMs) : 0,
    keysPerS: totalMs > 0 ? Math.round((c.done * 1000) / totalMs) : 0,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    firstError: c.firstError,
  };
}

/**
 * The default budget: `fraction` of the sum of the destinations' `stats settings` `maxbytes`
 * (memcached's `-m`).
 * @throws WarmError `MCR_ERR_WARM_SOURCE` when a destination is unreachable
 */
export async function defaultBudget(
  destinations: readonly ServerAddress[],
  fraction: number,
  timeoutMs: number,
): Promise<number> {
  let total = 0;
  for (const d of destinations) {
    const settings = await readStats(d, 'settings', timeoutMs);
    total += Number(settings.get('maxbytes') ?? 0);
  }
  return Math.floor(total * fraction);
}

/**
 * Runs a warm or migration.
 * @param state pass one in to watch progress
 * @throws WarmError: `MCR_ERR_WARM_ENUM_REFUSED` (a source refuses `lru_crawler metadump`),
 *   `MCR_ERR_WARM_ENUM_BUSY` (its crawler is busy), `MCR_ERR_WARM_SOURCE` (unreachable, closed,
 *   not a memcached ≥ 1.6)
 */
export async function runWarm(plan: WarmPlan, state = new WarmState()): Promise<WarmSummary> {
  const deadline = plan.deadlineMs > 0 ? state.startedAt + plan.deadlineMs : Infinity;
  const budget =
    plan.maxBytes ?? (await defaultBudget(plan.destinations, plan.budgetFraction, plan.timeoutMs));
  state.budgetBytes = budget;
  const catalog = new KeyCatalog();
  // One crawl per source at a time (each memcached runs one crawler); sources in parallel.
  await Promise.all(plan.sources.map((addr, i) => enumerateKeys(addr, catalog, i, plan.timeoutMs)));
  state.listed = catalog.count;
  state.listedBytes = catalog.totalBytes;
  const { order, bytes } = catalog.selectByRecency(budget);
  state.selected = order.length;
  state.selectedBytes = bytes;
  const time = await readStats(plan.destinations[0] as ServerAddress, '', plan.timeoutMs);
  const clockOffsetS = Number(time.get('time') ?? 0) - Math.floor(Date.now() / 1000);
  state.phase = 'copy';
  state.copyStartedAt = Date.now();
  try {
    await copyKeys(
      {
        catalog,
        order,
        sources: plan.sources,
        destinations: plan.destinations,
        selectDestination: plan.selectDestination,
        connections: plan.connections,
        windowBytes: plan.windowBytes,
        batchKeys: plan.batchKeys,
        rateKeysPerS: plan.rateKeysPerS,
        deadline,
        timeoutMs: plan.timeoutMs,
        clockOffsetS,
        signal: plan.signal,
      },
      state.copy,
    );
  } finally {
    state.phase = 'done';
    state.endedAt = Date.now();
  }
  return summarize(state);
}
