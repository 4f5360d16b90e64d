/**
 * The process-wide share of routed requests (`--max-routed-reqs`), served round-robin across
 * client connections, so that a polite request never waits in a backend connection's queue behind
 * thousands of other clients' requests (docs/memory.md "Fairness").
 *
 * A request that finds its client with nothing routed and nothing waiting (a request/response
 * client) is always routed at once. Any other request (the next of a pipeline, a multi-get's
 * next key) is routed only while fewer than `cap` requests of all clients await their replies and
 * no other client waits for its turn; otherwise its client joins a FIFO of waiting clients. As
 * replies free room, the waiting clients are resumed in turn, each routing at most `QUANTUM`
 * requests before it goes to the back of the queue (deficit round-robin with a fixed quantum).
 * So at most about `cap` requests (plus one per request/response client) are ahead of a polite
 * request in any backend connection, and a client with a deep pipeline is served as often as any
 * other.
 *
 * mcrouter bounds the same queue per destination (`--target-max-inflight-requests`,
 * `--target-max-pending-requests`, `mcrouter/ProxyDestination.cpp`) and per client
 * (`--max-client-outstanding-reqs`), without the round-robin; memcached's proxy serves each
 * connection a bounded turn (`memcached/proxy_network.c`, `memcached/memcached.c`
 * `reqs_per_event`).
 */

/** A client connection that can wait for its turn. */
export interface FairWaiter {
  /** Set by `FairShare` while the waiter is queued; never set it elsewhere. */
  fairQueued: boolean;
  /** Its turn: route what waits (calling `FairShare.admits` for each request), synchronously. */
  resumeRouting(): void;
}

/** Requests a waiting client may route per turn. */
export const QUANTUM = 8;

/** See the file comment. One per proxy process (worker). */
export class FairShare {
  /** Requests of all clients routed and awaiting a reply. */
  routed = 0;
  /** Turns given to waiting clients (for tests and stats). */
  turns = 0;
  private queue: (FairWaiter | null)[] = [];
  private head = 0;
  private current: FairWaiter | null = null;
  private turnLeft = 0;
  private scheduled = false;
  private readonly runBound = (): void => {
    this.run();
  };

  /** @param cap requests routed and awaiting replies over all clients before clients take turns; 0 = no limit */
  constructor(readonly cap: number) {}

  /** Clients waiting for their turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /**
   * Whether `w`, which already has requests routed or waiting, may route one more now. When not,
   * `w` is queued for a turn (once) and must stop routing; `resumeRouting` is called later.
   */
  admits(w: FairWaiter): boolean {
    if (this.cap === 0) return true;
    if (this.current === w) {
      if (this.turnLeft > 0 && this.routed < this.cap) {
        this.turnLeft--;
        return true;
      }
    } else if (this.routed < this.cap && this.head === this.queue.length) return true;
    if (!w.fairQueued) {
      w.fairQueued = true;
      this.queue.push(w);
    }
    if (this.routed < this.cap) this.schedule();
    return false;
  }

  /** A request was routed (counted whether or not it needed `admits`). */
  add(): void {
    this.routed++;
  }

  /** A routed request's reply arrived. */
  release(): void {
    this.routed--;
    if (this.head !== this.queue.length && this.routed < this.cap) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.runBound);
  }

  /**
   * Gives waiting clients their turns while there is room: every waiting client once, and more
   * turns while room is left, up to `cap` requests routed in one run (so one run, a loop
   * iteration's work, stays bounded).
   */
  private run(): void {
    this.scheduled = false;
    let turns = this.queue.length - this.head + Math.ceil(this.cap / QUANTUM);
    while (turns-- > 0 && this.routed < this.cap && this.head < this.queue.length) {
      const w = this.queue[this.head] as FairWaiter;
      this.queue[this.head++] = null;
      w.fairQueued = false;
      this.current = w;
      this.turnLeft = QUANTUM;
      this.turns++;
      try {
        w.resumeRouting();
      } finally {
        this.current = null;
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.head !== this.queue.length && this.routed < this.cap) this.schedule();
  }
}
