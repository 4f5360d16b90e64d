/**
 * The worker side of `--num-proxies N`: a `ProxyServer` like the single-process one, whose
 * `stats` and `config_age` are gathered from every worker through the primary, whose Prometheus
 * registry the primary's `AggregatorRegistry` reads (prom-client answers its requests), and which
 * drains and exits when the primary says so. See docs/running.md#--num-proxies.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { StatsData } from '../admin/stats-data.js';
import type { ProxyServer } from '../server/proxy-server.js';
import { log } from '../logger.js';
import {
  isClusterMessage,
  WORKER_INDEX_ENV,
  type ClusterLink,
  type ToPrimary,
  type ToWorker,
} from './cluster-link.js';

/** How long a worker waits for the merged stats before answering with its own figures, ms. */
const GATHER_TIMEOUT_MS = 3000;

/** Whether this process is a worker of `--num-proxies N`. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** This worker's index (0 … N-1); 0 outside a cluster. */
export function workerIndex(): number {
  return Number(process.env[WORKER_INDEX_ENV] ?? 0) || 0;
}

function send(message: ToPrimary): void {
  process.send?.(message);
}

/** See the file comment. */
export class ClusterWorker implements ClusterLink {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (d: StatsData) => void; timer: NodeJS.Timeout }>();

  /**
   * Joins the cluster: sets `server.cluster` (call before `server.listen`) and answers the
   * primary's messages.
   * @param onStop called when the primary asks this worker to drain and exit
   */
  constructor(
    private readonly server: ProxyServer,
    onStop: () => void,
  ) {
    server.cluster = this;
    // The primary's AggregatorRegistry asks every worker for this registry's series.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([server.metrics.registry]);
    server.onShutdownRequest((reason) => {
      send({ mcproxy: 'shutdown', reason });
    });
    process.on('message', (m: unknown) => {
      if (!isClusterMessage(m)) return;
      const msg = m as ToWorker;
      switch (msg.mcproxy) {
        case 'collect':
          send({ mcproxy: 'collected', id: msg.id, data: this.server.statsData() });
          break;
        case 'gathered':
          this.settle(msg.id, msg.data);
          break;
        case 'stop':
          onStop();
          break;
      }
    });
  }

  /** Tells the primary this worker serves. */
  ready(listen: readonly string[]): void {
    send({ mcproxy: 'ready', listen });
  }

  gather(): Promise<StatsData> {
    const id = this.nextId++;
    return new Promise<StatsData>((resolve) => {
      const timer = setTimeout(() => {
        log.warn(
          { timeoutMs: GATHER_TIMEOUT_MS },
          'no merged stats from the primary; answering with this worker only',
        );
        this.settle(id, null);
      }, GATHER_TIMEOUT_MS);
      this.waiting.set(id, { resolve, timer });
      send({ mcproxy: 'gather', id });
    });
  }

  private settle(id: number, data: StatsData | null): void {
    const w = this.waiting.get(id);
    if (w === undefined) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve(data ?? this.server.statsData());
  }
}
