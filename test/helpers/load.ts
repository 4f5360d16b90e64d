/**
 * Load for fault-injection tests: several connections, each keeping `depth` requests in flight,
 * reading every reply and matching it to its request in order, so a test can assert that every
 * request got exactly one reply and what kind it was.
 */
import net from 'node:net';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';

/** What a reply was, for one request. */
export type Verdict = 'ok' | 'error' | 'wrong';

/** One request the load sends: its bytes and how to judge its reply (the whole reply text). */
export interface LoadOp {
  readonly label: string;
  readonly bytes: Buffer;
  judge(reply: string): Verdict;
}

/** Counts per label and verdict. */
export class LoadTally {
  readonly counts = new Map<string, Record<Verdict, number>>();
  sent = 0;
  replies = 0;
  /** First few wrong replies, for failure messages. */
  readonly wrongSamples: string[] = [];

  add(label: string, verdict: Verdict, reply: string): void {
    let c = this.counts.get(label);
    if (c === undefined) {
      c = { ok: 0, error: 0, wrong: 0 };
      this.counts.set(label, c);
    }
    c[verdict]++;
    this.replies++;
    if (verdict === 'wrong' && this.wrongSamples.length < 5)
      this.wrongSamples.push(`${label}: ${JSON.stringify(reply)}`);
  }

  /** Counts for one label (zeros when none). */
  of(label: string): Record<Verdict, number> {
    return this.counts.get(label) ?? { ok: 0, error: 0, wrong: 0 };
  }
}

/** Splits a reply stream into whole replies (single-key gets: `VALUE ... END` is one reply). */
class ReplyFramer {
  private buf = '';

  /** Feeds bytes; returns the complete replies found. */
  push(chunk: Buffer): string[] {
    this.buf += chunk.toString('latin1');
    const out: string[] = [];
    for (;;) {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) break;
      if (this.buf.startsWith('VALUE ')) {
        const len = Number(this.buf.slice(0, nl).split(' ')[3]);
        const end = nl + 2 + len + 2 + 5; // data, CRLF, END\r\n
        if (this.buf.length < end) break;
        out.push(this.buf.slice(0, end));
        this.buf = this.buf.slice(end);
      } else {
        out.push(this.buf.slice(0, nl + 2));
        this.buf = this.buf.slice(nl + 2);
      }
    }
    return out;
  }

  get leftover(): string {
    return this.buf;
  }
}

/** A running load; `stop()` ends it after every outstanding reply has arrived. */
export class Load {
  readonly tally = new LoadTally();
  private stopping = false;
  private readonly done: Promise<void>[] = [];

  /**
   * @param port proxy port on 127.0.0.1
   * @param connections number of client connections
   * @param depth requests in flight per connection
   * @param next the next request to send (called once per request)
   */
  constructor(
    port: number,
    connections: number,
    private readonly depth: number,
    private readonly next: () => LoadOp,
  ) {
    for (let i = 0; i < connections; i++) this.done.push(this.connection(port));
  }

  private connection(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.setNoDelay(true);
      const framer = new ReplyFramer();
      const inFlight: LoadOp[] = [];
      const fill = (): void => {
        const batch: Buffer[] = [];
        while (!this.stopping && inFlight.length < this.depth) {
          const op = this.next();
          inFlight.push(op);
          batch.push(op.bytes);
          this.tally.sent++;
        }
        if (batch.length > 0) socket.write(Buffer.concat(batch));
      };
      socket.on('connect', fill);
      socket.on('data', (chunk: Buffer) => {
        for (const reply of framer.push(chunk)) {
          const op = inFlight.shift();
          if (op === undefined) {
            this.tally.add('unexpected', 'wrong', reply);
            continue;
          }
          this.tally.add(op.label, op.judge(reply), reply);
        }
        if (this.stopping && inFlight.length === 0) {
          if (framer.leftover !== '') this.tally.add('leftover', 'wrong', framer.leftover);
          socket.end();
          resolve();
          return;
        }
        fill();
      });
      socket.on('error', reject);
      socket.on('close', () => {
        if (inFlight.length > 0)
          this.tally.add('lost', 'wrong', `${inFlight.length} requests without a reply`);
        resolve();
      });
    });
  }

  /** Stops sending and resolves when every connection has all its replies. */
  async stop(): Promise<LoadTally> {
    this.stopping = true;
    await Promise.all(this.done);
    return this.tally;
  }
}

/** A get whose only correct answers are `expected`'s hit or a miss (or an error when allowed). */
export function getOp(label: string, key: string, value: string, flags = 0): LoadOp {
  const hit = `VALUE ${key} ${flags} ${Buffer.byteLength(value, 'latin1')}\r\n${value}\r\nEND\r\n`;
  return {
    label,
    bytes: Buffer.from(`get ${key}\r\n`),
    judge: (reply) => (reply === hit ? 'ok' : reply.startsWith('SERVER_ERROR ') ? 'error' : 'wrong'),
  };
}

/** A set expecting STORED. */
export function setOp(label: string, key: string, value: string, flags = 0): LoadOp {
  return {
    label,
    bytes: Buffer.from(`set ${key} ${flags} 0 ${Buffer.byteLength(value, 'latin1')}\r\n${value}\r\n`),
    judge: (reply) => (reply === 'STORED\r\n' ? 'ok' : reply.startsWith('SERVER_ERROR ') ? 'error' : 'wrong'),
  };
}

/**
 * Keys `k0…k<count-1>` split by the server of a two-server pool (Ch3) they hash to:
 * `[onA, onB]`.
 */
export function keysByServer(count: number): [string[], string[]] {
  const select = createHashSelector({ n: 2 });
  const keys = Array.from({ length: count }, (_, i) => `k${i}`);
  return [
    keys.filter((k) => select(Buffer.from(k), 0, k.length) === 0),
    keys.filter((k) => select(Buffer.from(k), 0, k.length) === 1),
  ];
}

/**
 * A load over a two-server pool whose keys hold their own name: every other request a get of a
 * key on server A (label `a`), the rest gets and every third a set of a key on B (label `b`).
 */
export function twoServerLoad(
  port: number,
  connections: number,
  depth: number,
  [onA, onB]: [string[], string[]],
): Load {
  let n = 0;
  return new Load(port, connections, depth, () => {
    n++;
    if (n % 2 === 0) {
      const k = onA[n % onA.length] as string;
      return getOp('a', k, k);
    }
    const k = onB[n % onB.length] as string;
    return n % 3 === 0 ? setOp('b', k, k) : getOp('b', k, k);
  });
}
