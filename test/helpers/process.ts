/** Spawning the project's own entry points (through tsx, so no build is needed) and watching them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './config.js';
import { PROXY_NODE_FLAGS } from '../../proxy/node-flags.js';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** A spawned process with its output collected. */
export class Spawned {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly proc: ChildProcess) {
    live.add(proc);
    proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        resolve({ code, signal });
      });
    });
  }

  /** Resolves when stderr or stdout contains `text` (or rejects after `timeoutMs`). */
  async waitForOutput(text: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const has = (): boolean => {
      const all = this.stdout + this.stderr;
      return typeof text === 'string' ? all.includes(text) : text.test(all);
    };
    const deadline = Date.now() + timeoutMs;
    while (!has()) {
      if (this.proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`output never showed ${String(text)}; got:\n${this.stdout}${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.proc.stdout?.off('data', done);
          this.proc.stderr?.off('data', done);
          this.proc.off('exit', done);
          resolve();
        };
        const t = setTimeout(done, 200);
        this.proc.stdout?.once('data', done);
        this.proc.stderr?.once('data', done);
        this.proc.once('exit', done);
      });
    }
  }
}

/** Runs `node --import tsx <script> ...args` from the repo root. */
export function runTs(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return new Spawned(
    spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MCPROXY_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Runs the built form of `script` (`dist/<script>.js`) with node from the repo root. */
function runDist(script: string, args: readonly string[]): Spawned {
  return new Spawned(
    spawn(process.execPath, [...PROXY_NODE_FLAGS, `dist/${script.replace(/\.ts$/, '.js')}`, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MCPROXY_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Resident set size of a process, bytes (from /proc/<pid>/status). */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/**
 * Starts the `mcproxy` CLI (through tsx, or the built `dist/proxy/cli.js` with `fromDist`: faster
 * to start, and its RSS is the proxy's alone) on a free loopback port with `config` (an object is
 * JSON-encoded, a string is passed as is) and extra `args`; resolves once it accepts connections.
 */
export async function spawnProxy(
  config: unknown,
  args: readonly string[] = [],
  fromDist = false,
): Promise<{ p: Spawned; port: number }> {
  if (fromDist) return spawnBuiltProxy(config, args);
  return startCli((cliArgs) => runTs('proxy/cli.ts', cliArgs), config, args);
}

/**
 * `spawnProxy` for the built proxy (`node dist/proxy/cli.js`, what users run; `npm test` builds
 * it first): for measurements (RSS, latency) without the TypeScript loader in the process.
 */
export async function spawnBuiltProxy(
  config: unknown,
  args: readonly string[] = [],
): Promise<{ p: Spawned; port: number }> {
  return startCli((cliArgs) => runDist('proxy/cli.ts', cliArgs), config, args);
}

async function startCli(
  run: (cliArgs: string[]) => Spawned,
  config: unknown,
  args: readonly string[],
): Promise<{ p: Spawned; port: number }> {
  const { freePort, waitForPort } = await import('./ports.js');
  const port = await freePort();
  const cfg = typeof config === 'string' ? config : JSON.stringify(config);
  const p = run(['-p', String(port), '--listen-addresses', '127.0.0.1', '--config', cfg, ...args]);
  await waitForPort(port, 10_000);
  return { p, port };
}
