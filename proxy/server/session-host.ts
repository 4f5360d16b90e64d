/**
 * What a `ClientSession` needs from the server: routing, the local answers, counters, limits and
 * the few lifecycle calls. `ProxyServer` implements it; a session never sees the rest of it.
 */
import type { McRequest } from '../protocol/request.js';
import type { ReplySink } from '../protocol/reply.js';
import type { LocalCommand } from '../protocol/request-sink.js';
import type { ProxyOptions } from '../options.js';
import type { ProxyStats } from '../admin/proxy-stats.js';
import type { MemoryBudget } from './memory-budget.js';
import type { FairShare } from './fair-share.js';

/** The options a session reads. */
export type SessionOptions = Pick<
  ProxyOptions,
  | 'maxClientOutstandingReqs'
  | 'maxClientOutputBytes'
  | 'maxClientRoutedReqs'
  | 'maxItemSize'
  | 'bigValueSplitThreshold'
  | 'clientIdleTimeoutMs'
  | 'enableFlushCmd'
  | 'enableShutdownCmd'
>;

/** See the file comment. */
export interface SessionHost {
  readonly options: SessionOptions;
  readonly stats: ProxyStats;
  /** The process's memory budget, shared by every session. */
  readonly memory: MemoryBudget;
  /** The process's share of routed requests, taken in turns (`--max-routed-reqs`). */
  readonly fair: FairShare;
  /** Routes one request through the current config (never throws). */
  route(req: McRequest, sink: ReplySink): void;
  /**
   * The text of a local command's reply: the version string, or the stats text for `args` (a
   * promise when it is gathered from every worker of `--num-proxies`; it never rejects).
   */
  localReply(cmd: LocalCommand, args: readonly string[]): string | Promise<string>;
  /** Asks the owner to shut down (the `shutdown` command when enabled). */
  requestShutdown(reason: string): void;
  /** Logs a client protocol error, rate-limited. */
  logClientError(client: string | undefined, reply: string): void;
  /** The session's socket closed. */
  sessionClosed(session: object): void;
}
