/**
 * Write coalescing: sessions and destinations that have bytes to send register here, and all of
 * them flush once in a single `setImmediate`, after every I/O callback of this loop iteration has
 * run. So every request and reply produced in one iteration leaves in one write per socket
 * (node-redis `#scheduleWrite`, ioredis autopipelining), with no closure per request.
 */
import { logLimited } from '../util/log-limiter.js';

/** Something that buffers output and writes it in `flush()`. */
export interface Flushable {
  /** Set by the queue while the object is scheduled; never set it elsewhere. */
  flushScheduled: boolean;
  /** Writes everything buffered. */
  flush(): void;
}

const queue: Flushable[] = [];
let scheduled = false;

function runFlushes(): void {
  // Flushing can schedule more (a synchronous error reply); the array iterator sees those too.
  for (const f of queue) {
    f.flushScheduled = false;
    try {
      f.flush();
    } catch (err) {
      // A failing flush must not stall every other socket's output.
      logLimited('error', 'flush_failed', { err }, 'flush failed');
    }
  }
  queue.length = 0;
  scheduled = false;
}

/** Schedules `f.flush()` for the end of this loop iteration. Idempotent until it runs. */
export function scheduleFlush(f: Flushable): void {
  if (f.flushScheduled) return;
  f.flushScheduled = true;
  queue.push(f);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runFlushes);
  }
}
