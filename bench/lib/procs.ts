/**
 * Child process bookkeeping for the benchmark runner: spawn (optionally pinned with taskset),
 * log to files, wait for a memcached-protocol listener to answer, and kill everything on exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/** A child process started by the runner. */
export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** File receiving the child's stdout and stderr (undefined when piped). */
  readonly logFile: string | undefined;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  /** True once the child has exited. */
  hasExited(): boolean;
}

/** True when `taskset` can be run. */
export function haveTaskset(): boolean {
  return spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Prefixes argv with `taskset -c <core>` when `core` is defined. */
export function pinned(core: number | undefined, argv: readonly string[]): string[] {
  return core === undefined ? [...argv] : ['taskset', '-c', String(core), ...argv];
}

/** Moves every thread of a running process to `core`; throws if taskset fails. */
export function repin(pid: number, core: number): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -a -p -c ${core} ${pid} failed: ${r.stderr.trim()}`);
}

/** Tracks every child it spawned so that all of them can be killed on exit, error or Ctrl-C. */
export class ProcessManager {
  private readonly children = new Set<Managed>();
  private closed = false;

  /** @param logDir directory for the children's log files */
  constructor(private readonly logDir: string) {}

  /**
   * Spawns `argv` (argv[0] is looked up in PATH). With `pipe`, stdout/stderr are pipes the caller
   * must consume; otherwise both go to `<logDir>/<name>.log`.
   */
  spawn(name: string, argv: readonly string[], pipe = false): Managed {
    if (this.closed) throw new Error(`shutting down: not starting ${name}`);
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error(`empty command for ${name}`);
    let logFile: string | undefined;
    let fd: number | undefined;
    if (!pipe) {
      logFile = join(this.logDir, `${name}.log`);
      fd = openSync(logFile, 'a');
    }
    const child = spawn(cmd, args, {
      stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
    });
    if (fd !== undefined) closeSync(fd);
    let exited = false;
    const exitedP = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', (err) => {
        exited = true;
        resolve(`spawn error: ${err.message}`);
      });
    });
    const m: Managed = {
      name,
      child,
      pid: child.pid ?? -1,
      logFile,
      exited: exitedP,
      hasExited: () => exited,
    };
    this.children.add(m);
    void exitedP.then(() => this.children.delete(m));
    return m;
  }

  /** Stops one child: SIGTERM, then SIGKILL after `graceMs` ms. */
  async stop(m: Managed, graceMs = 2000): Promise<void> {
    if (m.hasExited()) return;
    m.child.kill('SIGTERM');
    const timer = setTimeout(() => m.child.kill('SIGKILL'), graceMs);
    await m.exited;
    clearTimeout(timer);
  }

  /** Stops every live child (in parallel). */
  async stopAll(graceMs = 2000): Promise<void> {
    await Promise.all([...this.children].map((m) => this.stop(m, graceMs)));
  }

  /** Refuses further spawns and stops every live child (for signals). */
  async shutdown(graceMs = 1000): Promise<void> {
    this.closed = true;
    await this.stopAll(graceMs);
  }

  /** Last resort for `process.on('exit')`: SIGKILL every live child synchronously. */
  killAllSync(): void {
    for (const m of this.children) {
      if (!m.hasExited()) m.child.kill('SIGKILL');
    }
  }
}

/** Last `bytes` bytes of a log file ('' if unreadable). */
export function tail(file: string | undefined, bytes = 2000): string {
  if (file === undefined) return '';
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

/** How to check that a listener speaks memcached: `version`, or a `get` round trip. */
export type ProbeKind = 'version' | 'get';

/** One probe attempt: connect, send the request, check the first reply line. Timeout in ms. */
export function probe(port: number, kind: ProbeKind, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let got = '';
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => {
      done(false);
    }, timeoutMs);
    socket.on('connect', () => socket.write(kind === 'version' ? 'version\r\n' : 'get mcbench:probe\r\n'));
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (kind === 'version' && got.includes('\r\n')) done(got.startsWith('VERSION '));
      if (kind === 'get' && (got.endsWith('END\r\n') || /^[A-Z_]*ERROR/.test(got)))
        done(got.endsWith('END\r\n'));
    });
    socket.on('error', () => {
      done(false);
    });
  });
}

/**
 * Polls `port` until the probe succeeds; throws if the process exits first or after `timeoutMs`
 * ms, including the tail of its log in the message.
 */
export async function waitReady(
  m: Managed,
  port: number,
  kind: ProbeKind,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (m.hasExited()) {
      throw new Error(
        `${m.name} exited (${String(await m.exited)}) before answering: ${tail(m.logFile) || '(no output)'}`,
      );
    }
    if (await probe(port, kind)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `${m.name} did not answer '${kind}' on port ${port} within ${timeoutMs} ms: ${tail(m.logFile) || '(no output)'}`,
  );
}
