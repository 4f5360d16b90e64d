/**
 * A polite memcached client in its own process, for latency measurements that the test process's
 * own work (driving an attack, checking its replies) must not distort: started with
 * `node --import tsx test/helpers/polite-client.ts <port> <key> <valueLength>`, it connects once,
 * then for each line `<samples>` read on stdin sends that many sequential `get <key>` requests and
 * prints one JSON line `{ "p50": ms, "p90": ms, "n": samples }`. A reply other than the exact hit
 * (a `VALUE` of `valueLength` bytes of `x`, then `END`) prints `{ "error": "..." }` and exits 1.
 */
import net from 'node:net';
import readline from 'node:readline';

const [portArg, key = 'p', lengthArg = '100'] = process.argv.slice(2);
const expected = Buffer.from(`VALUE ${key} 0 ${lengthArg}\r\n${'x'.repeat(Number(lengthArg))}\r\nEND\r\n`);
const request = Buffer.from(`get ${key}\r\n`);

const socket = net.connect({ port: Number(portArg), host: '127.0.0.1', noDelay: true });
let got: Buffer = Buffer.alloc(0);
let waiter: (() => void) | null = null;
socket.on('data', (chunk: Buffer) => {
  got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
  if (got.length >= expected.length) waiter?.();
});
socket.on('error', (err) => {
  fail(`socket error: ${err.message}`);
});
socket.on('close', () => {
  fail('connection closed');
});

function fail(error: string): void {
  process.stdout.write(`${JSON.stringify({ error })}\n`);
  process.exit(1);
}

/** One get: resolves with its latency, ms. */
function oneGet(): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    waiter = () => {
      waiter = null;
      const ms = performance.now() - t;
      if (got.length !== expected.length || !got.equals(expected))
        fail(`wrong reply: ${JSON.stringify(got.subarray(0, 200).toString('latin1'))}`);
      got = Buffer.alloc(0);
      resolve(ms);
    };
    socket.write(request);
  });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
}

socket.once('connect', () => {
  const lines = readline.createInterface({ input: process.stdin });
  void (async () => {
    for await (const line of lines) {
      const n = Number(line);
      const lat: number[] = [];
      for (let i = 0; i < n; i++) lat.push(await oneGet());
      lat.sort((a, b) => a - b);
      process.stdout.write(`${JSON.stringify({ p50: quantile(lat, 0.5), p90: quantile(lat, 0.9), n })}\n`);
    }
    socket.destroy();
    process.exit(0);
  })();
  process.stdout.write('ready\n');
});
