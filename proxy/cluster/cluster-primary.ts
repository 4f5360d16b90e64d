/**
 * `--num-proxies N` (N > 1): the primary process of a node:cluster of N workers (mcrouter runs N
 * proxy threads, `mcrouter/mcrouter_options_list.h` `num_proxies`). Each worker is a whole
 * single-process proxy (`cli.ts`): its own config and reloader, its own destinations (so N
 * connections to each server) and TKO trackers. The primary routes no request: it forks the
 * workers, hands out client connections (node:cluster's round-robin on Linux: it accepts and
 * passes each new connection to the next worker, so connections spread evenly; after that the
 * bytes go straight between client and worker), merges `stats` for the worker that asks, serves
 * the Prometheus endpoint through prom-client's `AggregatorRegistry`, restarts a worker that dies
 * (logged, with a growing delay while it keeps dying young) and drains every worker on SIGTERM or
 * SIGINT. See docs/running.md#--num-proxies and docs/architecture.md.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { mergeStatsData, processStats, type StatsData } from '../admin/stats-data.js';
import { MetricsServer } from '../admin/metrics-server.js';
import type { ProxyOptions } from '../options.js';
import { removeStaleSocket } from '../server/proxy-server.js';
import { log } from '../logger.js';
import { isClusterMessage, WORKER_INDEX_ENV, type ToPrimary, type ToWorker } from './cluster-link.js';

/** Exit codes the primary returns (`cli.ts`'s). */
export interface PrimaryExitCodes {
  readonly ok: number;
  readonly startFailed: number;
}

/** A worker that lived less than this died young: its restart waits longer each time, ms. */
export const YOUNG_DEATH_MS = 10_000;
/** First and longest restart delay of a worker that keeps dying young, ms. */
export const RESTART_DELAY_MIN_MS = 100;
export const RESTART_DELAY_MAX_MS = 10_000;
/** How long the primary waits for the workers' figures for one `stats`, ms. */
const COLLECT_TIMEOUT_MS = 1000;
/** Beyond `--drain-timeout-ms`, how long the primary waits for draining workers before killing them, ms. */
const STOP_GRACE_MS = 5000;

/** The delay before restarting a worker that died young `deaths` times in a row, ms. */
export function restartDelayMs(deaths: number): number {
  if (deaths <= 0) return 0;
  return Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MIN_MS * 2 ** (deaths - 1));
}

/** One of the N places a worker runs in. */
interface Slot {
  readonly index: number;
  worker: Worker | null;
  startedAt: number;
  ready: boolean;
  /** Consecutive deaths younger than `YOUNG_DEATH_MS`. */
  youngDeaths: number;
  restartTimer: NodeJS.Timeout | null;
}

/** One `stats` being collected for a worker. */
interface Collection {
  readonly requester: Worker;
  readonly requestId: number;
  readonly parts: StatsData[];
  readonly waitingFor: Set<number>;
  readonly timer: NodeJS.Timeout;
}

/**
 * The workers' stdio when serving an inherited `--listen-sock-fd` socket: the socket at the same
 * fd number in every worker (each accepts on it directly), the IPC channel at the first other fd ≥ 3.
 */
function workerStdio(fd: number): (number | 'inherit' | 'ignore' | 'ipc')[] {
  const stdio: (number | 'inherit' | 'ignore' | 'ipc')[] = ['inherit', 'inherit', 'inherit'];
  for (let i = 3; i <= Math.max(fd, 3); i++) stdio.push(i === fd ? fd : 'ignore');
  stdio[fd === 3 ? 4 : 3] = 'ipc';
  return stdio;
}

function send(worker: Worker | null, message: ToWorker): void {
  if (worker?.isConnected() === true) worker.send(message);
}

/**
 * Runs the primary until every worker stopped.
 * @returns `codes.ok` after a drain; a worker's exit code (or `codes.startFailed`) when the workers
 *   could not start (bad config, port in use) or the metrics endpoint could not be bound
 */
export async function runPrimary(options: ProxyOptions, codes: PrimaryExitCodes): Promise<number> {
  const n = options.numProxies;
  const startedAt = Date.now();
  // The workers share the socket the primary binds: a stale file must go before the first one.
  if (options.unixDomainSock !== '') removeStaleSocket(options.unixDomainSock);
  cluster.setupPrimary({
    serialization: 'advanced',
    ...(options.listenSockFd >= 0 ? { stdio: workerStdio(options.listenSockFd) } : {}),
  });

  const aggregator = new AggregatorRegistry();
  let metrics: MetricsServer | null = null;
  if (options.metricsPort > 0) {
    metrics = new MetricsServer({
      text: () => aggregator.clusterMetrics(),
      get contentType() {
        return aggregator.contentType;
      },
    });
    try {
      await metrics.listen(options.metricsPort, options.metricsAddress);
    } catch (err) {
      log.fatal({ err }, 'cannot listen');
      return codes.startFailed;
    }
  }

  const slots: Slot[] = Array.from({ length: n }, (_, index) => ({
    index,
    worker: null,
    startedAt: 0,
    ready: false,
    youngDeaths: 0,
    restartTimer: null,
  }));
  const slotOf = new Map<Worker, Slot>();
  const collections = new Map<number, Collection>();
  let nextCollection = 0;
  let stopping = false;
  let started = false;

  let settleStart: (code: number | null) => void = () => undefined;
  const startResult = new Promise<number | null>((resolve) => {
    settleStart = resolve;
  });
  let settleStop: () => void = () => undefined;
  const allStopped = new Promise<void>((resolve) => {
    settleStop = resolve;
  });

  const fork = (slot: Slot): void => {
    slot.restartTimer = null;
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.ready = false;
    slotOf.set(worker, slot);
    log.info({ event: 'worker_started', worker: slot.index, pid: worker.process.pid }, 'worker started');
  };

  const finishCollection = (id: number): void => {
    const c = collections.get(id);
    if (c === undefined) return;
    collections.delete(id);
    clearTimeout(c.timer);
    const data =
      c.parts.length === 0
        ? null
        : mergeStatsData(c.parts, {
            pid: process.pid,
            parentPid: process.ppid,
            startedAt,
            numProxies: n,
            proc: processStats(),
          });
    send(c.requester, { mcproxy: 'gathered', id: c.requestId, data });
  };

  const onMessage = (worker: Worker, m: unknown): void => {
    if (!isClusterMessage(m)) return;
    const msg = m as ToPrimary;
    const slot = slotOf.get(worker);
    switch (msg.mcproxy) {
      case 'ready':
        if (slot === undefined) return;
        slot.ready = true;
        if (!started && !stopping && slots.every((s) => s.ready)) {
          started = true;
          log.info(
            {
              event: 'startup',
              listen: msg.listen,
              numProxies: n,
              workers: slots.map((s) => s.worker?.process.pid),
              metrics: metrics?.address ?? null,
              options,
            },
            `serving with ${n} workers`,
          );
          settleStart(null);
        }
        break;
      case 'gather': {
        const id = nextCollection++;
        const live = slots.filter((s) => s.ready && s.worker?.isConnected() === true);
        const c: Collection = {
          requester: worker,
          requestId: msg.id,
          parts: [],
          waitingFor: new Set(live.map((s) => s.index)),
          timer: setTimeout(() => {
            finishCollection(id);
          }, COLLECT_TIMEOUT_MS),
        };
        collections.set(id, c);
        for (const s of live) send(s.worker, { mcproxy: 'collect', id });
        if (c.waitingFor.size === 0) finishCollection(id);
        break;
      }
      case 'collected': {
        const c = collections.get(msg.id);
        if (c === undefined || slot === undefined || !c.waitingFor.delete(slot.index)) return;
        c.parts.push(msg.data);
        if (c.waitingFor.size === 0) finishCollection(msg.id);
        break;
      }
      case 'shutdown':
        stop(msg.reason);
        break;
    }
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const slot = slotOf.get(worker);
    slotOf.delete(worker);
    if (slot?.worker !== worker) return;
    slot.worker = null;
    if (stopping) {
      if (slots.every((s) => s.worker === null)) settleStop();
      return;
    }
    if (!started) {
      // A worker that cannot start (invalid config, port in use) would fail again: give up.
      log.fatal({ worker: slot.index, code, signal }, 'a worker could not start');
      settleStart(code !== null && code !== 0 ? code : codes.startFailed);
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.youngDeaths = lived < YOUNG_DEATH_MS ? slot.youngDeaths + 1 : 0;
    const delay = restartDelayMs(slot.youngDeaths);
    log.error(
      {
        event: 'worker_exited',
        worker: slot.index,
        pid: worker.process.pid,
        code,
        signal,
        livedMs: lived,
        restartInMs: delay,
      },
      'worker exited; restarting it',
    );
    slot.restartTimer = setTimeout(() => {
      fork(slot);
    }, delay);
  };

  function stop(reason: string): void {
    if (stopping) return;
    stopping = true;
    log.info({ reason, drainTimeoutMs: options.drainTimeoutMs, workers: n }, 'shutting down');
    for (const s of slots) {
      if (s.restartTimer !== null) clearTimeout(s.restartTimer);
      s.restartTimer = null;
      // A worker not serving yet has no handler for the message: its SIGTERM stops it as well.
      if (s.ready) send(s.worker, { mcproxy: 'stop' });
      else s.worker?.process.kill('SIGTERM');
    }
    if (slots.every((s) => s.worker === null)) settleStop();
    const kill = setTimeout(() => {
      for (const s of slots) {
        if (s.worker === null) continue;
        log.warn({ worker: s.index, pid: s.worker.process.pid }, 'worker still draining; killing it');
        s.worker.process.kill('SIGKILL');
      }
    }, options.drainTimeoutMs + STOP_GRACE_MS);
    kill.unref();
    settleStart(null);
  }

  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
  for (const s of slots) fork(s);

  const failed = await startResult;
  if (failed !== null) {
    stop('start-up failed');
    await allStopped;
    await metrics?.close();
    return failed;
  }
  await allStopped;
  await metrics?.close();
  log.info('stopped');
  return codes.ok;
}
