/**
 * Real memcached processes for tests: each on a free loopback port, killed when the suite ends
 * (and on process exit, so a crashed test run leaves no orphan).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { freePort, waitForPort } from './ports.js';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** A running memcached. */
export class Memcached {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** `127.0.0.1:<port>`, as a pool server string. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The process id (for signals). */
  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  /** Starts memcached on a free port (extra args e.g. `['-m', '64']`). */
  static async start(extraArgs: readonly string[] = []): Promise<Memcached> {
    const m = new Memcached(await freePort(), extraArgs);
    await m.restart();
    return m;
  }

  /** (Re)starts the process on the same port and waits until it accepts connections. */
  async restart(): Promise<void> {
    const args = ['-l', '127.0.0.1', '-p', String(this.port), '-U', '0', '-t', '1', ...this.extraArgs];
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const proc = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    this.proc = proc;
    await waitForPort(this.port);
  }

  /** Sends a signal (SIGSTOP to hang it, SIGCONT to resume, SIGKILL to kill). */
  signal(sig: NodeJS.Signals): void {
    this.proc?.kill(sig);
  }

  /**
   * SIGSTOP, resolved once the kernel shows the process stopped (`/proc/<pid>/stat` state `T`):
   * from then on it accepts connections (the kernel does) but answers nothing.
   */
  async pause(): Promise<void> {
    this.signal('SIGSTOP');
    for (;;) {
      const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Kills the process with SIGKILL as it is (a stopped process stays silent) and waits for the exit. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (proc?.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => {
        resolve();
      });
      proc.kill('SIGKILL');
    });
  }

  /** Stops the process and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (proc?.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => {
        resolve();
      });
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    });
  }
}
