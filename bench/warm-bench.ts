/**
 * Warm benchmark (`npm run bench:warm`): how fast `mcproxy warm` fills an empty memcached from a
 * full one. Starts two memcached processes on free loopback ports, fills the source with N keys
 * of a given value size (with flags and TTLs), runs `node dist/proxy/cli.js warm --from source
 * --to destination --json`, checks that the destination holds every key, and prints keys/s,
 * MiB/s and the warm process's peak RSS against the targets. Results also go to
 * `.bench-out/warm.json`.
 *
 *   npm run bench:warm                                  both scenarios (1,000,000 × 100 B; 100,000 × 4 KiB)
 *   npm run bench:warm -- --scenarios 200000x100        <keys>x<value bytes>, comma-separated
 *   npm run bench:warm -- --warm-args "--connections 2"  extra `mcproxy warm` flags
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MetaRequestWriter } from '../proxy/warm/meta-request.js';
import type { WarmSummary } from '../proxy/warm/warm-run.js';
import { ProcessManager, freePort, waitReady } from './lib/procs.js';
import { PROXY_NODE_FLAGS } from '../proxy/node-flags.js';

const DIST_BENCH = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(DIST_BENCH, '..', '..');
const MCPROXY_JS = join(REPO_ROOT, 'dist', 'proxy', 'cli.js');

/** The targets, keys/s, per scenario. */
const TARGETS: Record<string, number> = { '1000000x100': 120_000, '100000x4096': 50_000 };

const USAGE = `usage: npm run bench:warm -- [--scenarios 1000000x100,100000x4096] [--memory-mb 1024]
                              [--warm-args "<extra mcproxy warm flags>"] [--out FILE]`;

interface Scenario {
  readonly keys: number;
  readonly valueBytes: number;
}

/** Fills `port` with `keys` items of `valueBytes` bytes: flags = i, TTL 3600 s (every 10th: none). */
async function populate(port: number, s: Scenario): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  const value = Buffer.alloc(s.valueBytes, 0x61);
  const w = new MetaRequestWriter(1 << 20);
  let pending = '';
  const batch = 5000;
  for (let from = 0; from < s.keys; from += batch) {
    for (let i = from; i < Math.min(s.keys, from + batch); i++) {
      const key = Buffer.from(`warm:${i}`);
      w.msAdd(key, 0, key.length, i % 10 === 0 ? 0 : 3600, i, value, 0, value.length);
    }
    w.mn();
    socket.write(w.take());
    await new Promise<void>((resolveBatch, reject) => {
      const onData = (chunk: Buffer): void => {
        pending += chunk.toString('latin1');
        if (!pending.endsWith('MN\r\n')) return;
        socket.off('data', onData);
        const bad = pending.replace(/MN\r\n$/, '');
        pending = '';
        if (bad !== '') reject(new Error(`populate: ${bad.slice(0, 80)}`));
        else resolveBatch();
      };
      socket.on('data', onData);
    });
  }
  socket.destroy();
}

async function currItems(port: number): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  await new Promise<void>((r) => {
    socket.on('connect', () => socket.write('stats\r\n'));
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.endsWith('END\r\n')) r();
    });
  });
  socket.destroy();
  return Number(/STAT curr_items (\d+)/.exec(text)?.[1] ?? -1);
}

function runWarm(args: readonly string[]): Promise<{ summary: WarmSummary; wallMs: number }> {
  const started = Date.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, MCPROXY_JS, 'warm', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`mcproxy warm exited ${code}: ${err.slice(-500)}`));
        return;
      }
      resolveRun({
        summary: JSON.parse(out.trim().split('\n').pop() ?? '{}') as WarmSummary,
        wallMs: Date.now() - started,
      });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: '1000000x100,100000x4096' },
      'memory-mb': { type: 'string', default: '1024' },
      'warm-args': { type: 'string', default: '' },
      out: { type: 'string', default: join(REPO_ROOT, '.bench-out', 'warm.json') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const scenarios = values.scenarios.split(',').map((t): Scenario => {
    const m = /^(\d+)x(\d+)$/.exec(t.trim());
    if (m === null) throw new Error(`bad scenario "${t}": expected <keys>x<value bytes>`);
    return { keys: Number(m[1]), valueBytes: Number(m[2]) };
  });
  const tmp = mkdtempSync(join(tmpdir(), 'mcwarm-bench-'));
  const pm = new ProcessManager(tmp);
  process.on('exit', () => {
    pm.killAllSync();
  });
  const rows: Record<string, unknown>[] = [];
  process.stdout.write(
    `warm benchmark: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (figures on a loaded machine are low)\n`,
  );
  try {
    for (const s of scenarios) {
      const ports = [await freePort(), await freePort()];
      const procs = ports.map((port, i) => {
        const argv = [
          'memcached',
          '-l',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          '0',
          '-m',
          values['memory-mb'],
          '-t',
          '2',
        ];
        if (process.getuid?.() === 0) argv.push('-u', 'root');
        return pm.spawn(i === 0 ? 'source' : 'destination', argv);
      });
      await Promise.all(procs.map((p, i) => waitReady(p, ports[i] ?? 0, 'version')));
      const [src, dst] = ports as [number, number];
      await populate(src, s);
      const warmArgs = [
        '--from',
        `127.0.0.1:${src}`,
        '--to',
        `127.0.0.1:${dst}`,
        '--json',
        '--progress',
        'none',
        '--log-level',
        'warn',
        ...values['warm-args'].split(/\s+/).filter((a) => a !== ''),
      ];
      const { summary, wallMs } = await runWarm(warmArgs);
      const items = await currItems(dst);
      const name = `${s.keys}x${s.valueBytes}`;
      const target = TARGETS[name];
      const row = {
        scenario: name,
        keys: s.keys,
        valueBytes: s.valueBytes,
        copied: summary.copied,
        destinationItems: items,
        keysPerS: summary.keysPerS,
        copyKeysPerS: summary.copyKeysPerS,
        mibPerS: Number((((summary.bytes / 1048576) * 1000) / Math.max(1, summary.totalMs)).toFixed(1)),
        listingMs: summary.enumerateMs,
        copyMs: summary.copyMs,
        processWallMs: wallMs,
        warmCpuMs: summary.cpuMs,
        keysPerCpuS: Math.round((s.keys * 1000) / Math.max(1, summary.cpuMs)),
        maxRssMiB: Number((summary.maxRssBytes / 1048576).toFixed(1)),
        target: target ?? null,
      };
      rows.push(row);
      process.stdout.write(
        `${name.padEnd(14)} ${String(summary.keysPerS).padStart(8)} keys/s overall (copy phase ${summary.copyKeysPerS} keys/s), ` +
          `listing ${summary.enumerateMs} ms, copy ${summary.copyMs} ms, ${row.mibPerS} MiB/s, ` +
          `warm CPU ${summary.cpuMs} ms (${row.keysPerCpuS} keys per CPU-s), peak RSS ${row.maxRssMiB} MiB, ` +
          `${items}/${s.keys} keys in the destination` +
          (target !== undefined
            ? `; target ${target} keys/s: ${summary.keysPerS >= target ? 'met' : 'NOT met'}`
            : '') +
          '\n',
      );
      if (items !== s.keys)
        process.stdout.write(`  !! the destination holds ${items} keys, expected ${s.keys}\n`);
      await pm.stopAll();
    }
  } finally {
    await pm.shutdown();
    rmSync(tmp, { recursive: true, force: true });
  }
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(
    values.out,
    `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), rows }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`warm bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
