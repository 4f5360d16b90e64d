/**
 * Real memcached processes for tests: each on a free loopback port, killed when the suite ends
 * (and on process exit, so a crashed test run leaves no orphan).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { freePort } from './ports.js';

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

  /**
   * Starts memcached on a free port (extra args e.g. `['-m', '64']`). The port is free when
   * picked, but another process (a client's ephemeral port, another test's server) can take it
   * before memcached binds it: that start fails with "Address already in use", and only that
   * failure is met with a fresh port (at most 5 times).
   * @throws Error when memcached exits before it listens (any other reason), or does not listen
   *   within 10 s
   */
  static async start(extraArgs: readonly string[] = []): Promise<Memcached> {
    for (let attempt = 1; ; attempt++) {
      const m = new Memcached(await freePort(), extraArgs);
      try {
        await m.restart();
        return m;
      } catch (err) {
        if (!(err instanceof PortTakenError) || attempt === 5) throw err;
      }
    }
  }

  /**
   * (Re)starts the process on the same port and waits until it accepts connections.
   * @throws PortTakenError when something else holds the port; Error when memcached exits before
   *   it listens, or does not listen within 10 s
   */
  async restart(): Promise<void> {
    const args = ['-l', '127.0.0.1', '-p', String(this.port), '-U', '0', '-t', '1', ...this.extraArgs];
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const proc = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(proc);
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    const exited = new Promise<never>((_, reject) => {
      proc.once('exit', (code, signal) => {
        live.delete(proc);
        const why = `memcached on port ${this.port} exited (${signal ?? code}) before it listened: ${stderr}`;
        reject(stderr.includes('Address already in use') ? new PortTakenError(why) : new Error(why));
      });
    });
    this.proc = proc;
    // Ready once this process holds the listening socket: a connect alone could reach another
    // process that took the port. One that exits while starting (the port taken, bad arguments)
    // fails the start at once.
    await Promise.race([waitUntilListening(proc, this.port), exited]);
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

/**
 * Resolves once process `proc` holds a socket listening on 127.0.0.1:`port` (Linux: the inode
 * of the LISTEN row of `/proc/net/tcp` among the links in `/proc/<pid>/fd`); polls every 10 ms.
 * @throws Error after 10 s, or once the process exited
 */
async function waitUntilListening(proc: ChildProcess, port: number): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('memcached exited');
    const inodes = (await readFile('/proc/net/tcp', 'utf8'))
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1] === local && f[3] === '0A')
      .map((f) => `socket:[${f[9]}]`);
    if (inodes.length > 0) {
      const fds = await readdir(`/proc/${proc.pid}/fd`).catch(() => []);
      const links = await Promise.all(
        fds.map((fd) => readlink(`/proc/${proc.pid}/fd/${fd}`).catch(() => '')),
      );
      if (links.some((l) => inodes.includes(l))) return;
    }
    if (Date.now() > deadline) throw new Error(`memcached does not listen on 127.0.0.1:${port} after 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** memcached could not bind its port: another process took it after `freePort` saw it free. */
class PortTakenError extends Error {}
