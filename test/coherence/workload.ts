/**
 * The coherence workload: several clients per instance, each sending one request at a time, a
 * seeded random mix of every operation on a small key set, recorded in a `History`.
 *
 * Keys: `s<i>` hold tokens (set, add, replace, append, prepend, cas after a gets, touch 0 / -1,
 * delete), `u<i>` numbers that incr raises, `d<i>` numbers that decr lowers (set, delete and
 * touch -1 on both). Reads: get, gets, gat 0, gats 0 on every key.
 */
import { RawClient } from '../helpers/raw-client.js';
import { History } from './history.js';

/** Workload settings. */
export interface WorkloadOptions {
  /** Proxy ports, one per instance. */
  readonly ports: readonly number[];
  readonly clientsPerInstance: number;
  /** Run length, ms. */
  readonly durationMs: number;
  /** Keys of each kind. */
  readonly keysPerKind: number;
  /** Fraction of operations that are reads (0–1). */
  readonly readFraction: number;
  /** PRNG seed (op choices are reproducible; timing is not). */
  readonly seed: number;
  /**
   * Keeps the run going past `durationMs` until this holds (checked before each operation), for
   * at most 10 × `durationMs`: a count the test needs (cas attempts) then does not depend on how
   * many operations a loaded machine gets through in the run's time.
   */
  readonly until?: (history: History) => boolean;
  /** Called once at this many ms into the run (fault injection). */
  readonly events?: readonly { readonly atMs: number; readonly run: () => void | Promise<void> }[];
}

const READS = ['get', 'gets', 'gat 0', 'gats 0'] as const;
const STRING_WRITES = ['set', 'add', 'replace', 'append', 'prepend', 'cas', 'touch 0', 'touch -1', 'delete'];
const NUMBER_WRITES = ['set', 'step', 'step', 'step', 'delete', 'touch -1'];

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let tokenCounter = 0;

/** One request, one reply (a VALUE block up to END, or one line). */
async function ask(c: RawClient, request: string): Promise<string> {
  c.send(request);
  const first = await c.readUntil('\r\n', 10_000);
  if (first.startsWith('VALUE ')) return first + (await c.readUntil('END\r\n', 10_000));
  return first;
}

/** Parses a one-key read reply: [value, cas] or null for a miss. */
function parseHit(reply: string): [string, string | null] | null {
  const m = /^VALUE \S+ \d+ \d+(?: (\d+))?\r\n([^\r]*)\r\nEND\r\n$/.exec(reply);
  return m === null ? null : [m[2] as string, m[1] ?? null];
}

const STORED = 'STORED\r\n';

/** One client's loop. */
async function client(
  instance: number,
  port: number,
  o: WorkloadOptions,
  history: History,
  random: () => number,
  deadline: number,
): Promise<void> {
  const c = await RawClient.connect(port);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const until = o.until;
  const last = deadline + 9 * o.durationMs;
  const going = (): boolean => {
    const now = performance.now();
    return now < deadline || (until !== undefined && now < last && !until(history));
  };
  try {
    while (going()) {
      const kind = pick(['s', 's', 'u', 'd']);
      const key = `${kind}${Math.floor(random() * o.keysPerKind)}`;
      const numeric = kind !== 's';
      if (random() < o.readFraction) {
        const cmd = pick(READS);
        const start = performance.now();
        const hit = parseHit(await ask(c, `${cmd} ${key}\r\n`));
        history.read(instance, key, cmd, start, hit?.[0] ?? null, numeric);
        continue;
      }
      const op = pick(numeric ? NUMBER_WRITES : STRING_WRITES);
      const n = ++tokenCounter;
      let request: string;
      let piece: string | null = null;
      if (op === 'step') {
        request = `${kind === 'u' ? 'incr' : 'decr'} ${key} 1\r\n`;
      } else if (op === 'touch 0' || op === 'touch -1' || op === 'delete') {
        request = `${op.split(' ')[0] ?? op} ${key}${op.startsWith('touch') ? ` ${op.slice(6)}` : ''}\r\n`;
      } else if (numeric) {
        piece = String(n * 1_000_000 + 500_000);
        request = `set ${key} 0 0 ${piece.length}\r\n${piece}\r\n`;
      } else {
        piece = `t${n}`;
        const data = op === 'append' ? `.${piece}` : op === 'prepend' ? `${piece}.` : piece;
        let head = `${op} ${key} 0 0 ${data.length}`;
        if (op === 'cas') {
          const seen = parseHit(await ask(c, `gets ${key}\r\n`));
          if (seen?.[1] == null) continue;
          head += ` ${seen[1]}`;
          history.casSent++;
        }
        request = `${head}\r\n${data}\r\n`;
      }
      const name = op === 'step' ? (kind === 'u' ? 'incr' : 'decr') : op;
      const rec = history.beginWrite(instance, key, name, performance.now(), piece);
      const reply = await ask(c, request);
      rec.end = performance.now();
      if (op === 'step') {
        if (/^\d+\r\n$/.test(reply)) {
          rec.effective = true;
          history.produced(rec, reply.slice(0, -2));
        }
      } else if (op === 'touch -1') rec.effective = reply === 'TOUCHED\r\n';
      else if (op === 'delete') rec.effective = reply === 'DELETED\r\n';
      else if (op !== 'touch 0') rec.effective = reply === STORED;
      if (op === 'cas' && reply === STORED) history.casStored++;
    }
  } finally {
    c.close();
  }
}

/** Runs the workload against every instance at once; resolves with the recorded history. */
export async function runWorkload(o: WorkloadOptions): Promise<History> {
  const history = new History();
  const random = prng(o.seed);
  const t0 = performance.now();
  const deadline = t0 + o.durationMs;
  const clients: Promise<void>[] = [];
  o.ports.forEach((port, instance) => {
    for (let i = 0; i < o.clientsPerInstance; i++) {
      clients.push(client(instance, port, o, history, prng(Math.floor(random() * 2 ** 32)), deadline));
    }
  });
  const events = (o.events ?? []).map(
    (e) =>
      new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          Promise.resolve(e.run()).then(resolve, reject);
        }, e.atMs);
      }),
  );
  await Promise.all([...clients, ...events]);
  return history;
}
