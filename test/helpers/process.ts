/**
 * Spawning the project's own entry points and watching them. They run built (`dist/`, what users
 * run; `npm test` builds first): under tsx every spawned process would transpile the whole proxy
 * first, seconds of CPU each, which on a loaded 2-core machine outlasted the start-up waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  async waitForOutput(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
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

/**
 * Runs entry point `script` (a source path: `proxy/cli.ts`, `confgen/cli.ts`,
 * `proxy/sidecar/main.ts`) built: `node <PROXY_NODE_FLAGS> dist/<script>.js ...args`, from the
 * repo root, log level info, `env` added.
 * @throws Error when a source file under proxy/ or confgen/ is newer than that build (run
 *   `npm run build`): the test would exercise old code
 */
export function runTs(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const built = `dist/${script.replace(/\.ts$/, '.js')}`;
  assertBuilt(built);
  return new Spawned(
    spawn(process.execPath, [...PROXY_NODE_FLAGS, built, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MCPROXY_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Newest mtime (ms) of the sources `npm run build` compiles, computed once per test process. */
let newestSource: number | null = null;

function assertBuilt(built: string): void {
  newestSource ??= Math.max(...['proxy', 'confgen'].map((d) => newestMtime(join(REPO_ROOT, d))));
  let builtAt: number;
  try {
    builtAt = statSync(join(REPO_ROOT, built)).mtimeMs;
  } catch {
    throw new Error(`${built} does not exist: run \`npm run build\` (npm test does) first`);
  }
  if (builtAt < newestSource)
    throw new Error(`${built} is older than the sources: run \`npm run build\` (npm test does) first`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
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
 * Starts the built `mcproxy` CLI (`runTs('proxy/cli.ts')`) on a free loopback port with `config`
 * (an object is JSON-encoded, a string is passed as is) and extra `args`; resolves once it accepts
 * connections (within 30 s: a start on a loaded machine, not a hang, is what takes long).
 * @param _fromDist no effect: every spawn runs the build now (kept so callers need no change)
 */
export async function spawnProxy(
  config: unknown,
  args: readonly string[] = [],
  _fromDist = false,
): Promise<{ p: Spawned; port: number }> {
  const { freePort, waitForPort } = await import('./ports.js');
  const port = await freePort();
  const cfg = typeof config === 'string' ? config : JSON.stringify(config);
  const p = runTs('proxy/cli.ts', [
    '-p',
    String(port),
    '--listen-addresses',
    '127.0.0.1',
    '--config',
    cfg,
    ...args,
  ]);
  const died = p.exited.then(({ code, signal }) => {
    throw new Error(`mcproxy exited (${signal ?? code}) before it listened:\n${p.stderr}`);
  });
  await Promise.race([waitForPort(port, 30_000), died]);
  return { p, port };
}

/** `spawnProxy`, by the name the measuring tests (RSS, latency) use. */
export const spawnBuiltProxy = (
  config: unknown,
  args: readonly string[] = [],
): Promise<{ p: Spawned; port: number }> => spawnProxy(config, args);
