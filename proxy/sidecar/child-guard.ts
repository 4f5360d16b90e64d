/**
 * Children die with the supervisor (docs/running.md, "The sidecar"). Each supervised child
 * (memcached, mcproxy, the prewarm) gets a guard: a tiny `sh` whose stdin is a pipe from the
 * supervisor. The supervisor never writes to it, so the guard's `read` blocks until the pipe
 * closes, which the kernel does when the supervisor exits for any reason, SIGKILL and OOM kill
 * included. The guard then sends the child SIGTERM, and SIGKILL if it is still there after
 * `GUARD_GRACE_MS`.
 *
 * Why not Linux's parent-death signal (`prctl(PR_SET_PDEATHSIG)`, `setpriv --pdeathsig`): Node
 * cannot set it for a child, and the kernel clears it when memcached drops privileges (`-u
 * nobody` when started as root). A pipe works for a C binary and a Node child alike.
 *
 * The guard ignores SIGINT/SIGTERM/SIGHUP (a Ctrl-C to the terminal's process group reaches it
 * too, and the supervisor then stops its children in order itself); the supervisor SIGKILLs the
 * guard as soon as its child exits, so a guard never outlives its child's PID. Pipes Node creates
 * are close-on-exec, so no other child holds the write end open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/** How long the guard waits after SIGTERM before SIGKILL, ms. */
export const GUARD_GRACE_MS = 1500;

const GUARD_SCRIPT = [
  "trap '' INT TERM HUP",
  'pid=$1',
  'while read -r _; do :; done',
  'kill -TERM "$pid" 2>/dev/null || exit 0',
  'i=0',
  `while [ "$i" -lt ${GUARD_GRACE_MS / 100} ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done`,
  'kill -KILL "$pid" 2>/dev/null',
  'exit 0',
].join('\n');

/** A running guard. */
export interface ChildGuard {
  /** The guard's process id (null when `sh` could not be started). */
  readonly pid: number | null;
  /** Stops the guard (its child exited, or the supervisor stops it itself). Idempotent. */
  release(): void;
}

/**
 * Starts a guard for `child` (which must have a pid) and releases it when the child exits.
 * The guard does not keep the supervisor's event loop alive.
 */
export function guardChild(child: ChildProcess): ChildGuard {
  const pid = child.pid;
  if (pid === undefined) return { pid: null, release: () => undefined };
  const guard = spawn('sh', ['-c', GUARD_SCRIPT, 'mcsidecar-guard', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // A missing `sh` leaves the child unguarded; the supervisor still runs it.
  guard.once('error', () => undefined);
  guard.unref();
  const stdin = guard.stdin as (Writable & { unref?: () => void }) | null;
  stdin?.on('error', () => undefined);
  stdin?.unref?.();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    guard.kill('SIGKILL');
  };
  if (child.exitCode !== null || child.signalCode !== null) release();
  else child.once('exit', release);
  return { pid: guard.pid ?? null, release };
}
