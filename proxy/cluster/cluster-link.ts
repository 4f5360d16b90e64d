/**
 * The messages between the primary and the workers of `--num-proxies N` (over node:cluster's IPC
 * channel, `advanced` serialization), and what a worker's `ProxyServer` asks of the cluster.
 * prom-client's `AggregatorRegistry` exchanges its own messages on the same channel (`type` field).
 */
import type { StatsData } from '../admin/stats-data.js';

/** What a worker's `ProxyServer` needs from the cluster (`cluster-worker.ts` implements it). */
export interface ClusterLink {
  /** Every worker's `stats` figures, merged (`mergeStatsData`); never rejects. */
  gather(): Promise<StatsData>;
}

/** Worker → primary. */
export type ToPrimary =
  /** Listening: the addresses bound. */
  | { readonly mcproxy: 'ready'; readonly listen: readonly string[] }
  /** A client asked for `stats` (or `config_age`): collect from every worker. */
  | { readonly mcproxy: 'gather'; readonly id: number }
  /** This worker's figures for collection `id`. */
  | { readonly mcproxy: 'collected'; readonly id: number; readonly data: StatsData }
  /** The `shutdown` command (`--enable-shutdown-cmd`): stop the whole proxy. */
  | { readonly mcproxy: 'shutdown'; readonly reason: string };

/** Primary → worker. */
export type ToWorker =
  | { readonly mcproxy: 'collect'; readonly id: number }
  /** The merged figures for the worker's `gather` `id`; null when no worker answered in time. */
  | { readonly mcproxy: 'gathered'; readonly id: number; readonly data: StatsData | null }
  /** Drain and exit (SIGTERM/SIGINT of the primary, or the `shutdown` command). */
  | { readonly mcproxy: 'stop' };

/** The environment variable that tells a worker its index (0 … N-1). */
export const WORKER_INDEX_ENV = 'MCPROXY_WORKER_INDEX';

/** Whether an IPC message is one of ours. */
export function isClusterMessage(m: unknown): m is { readonly mcproxy: string } {
  return typeof m === 'object' && m !== null && typeof (m as { mcproxy?: unknown }).mcproxy === 'string';
}
