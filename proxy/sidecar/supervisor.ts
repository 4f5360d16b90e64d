/**
 * The sidecar supervisor: runs memcached and, when enabled, the proxy in front of it, the way the
 * container does (seed `docker-entrypoint.sh`: memcached moves to 11212 and the proxy takes 11211).
 *
 * Unlike the seed's `mcrouter ... &`, both processes are supervised: if either exits, the other is
 * stopped and the supervisor exits non-zero, so the orchestrator (ECS, systemd, a terminal)
 * notices. SIGTERM/SIGINT stop the proxy first (it drains), then memcached, and exit 0; a second
 * signal kills both at once. With `prewarm`, `mcproxy warm` fills memcached between its start and
 * the proxy's, for at most the deadline (docs/prewarm.md).
 *
 * If the supervisor itself dies (SIGKILL, OOM), each child's guard stops it (child-guard.ts), and
 * before starting anything the ports are checked free (port-check.ts), so the readiness check can
 * only ever reach our own memcached.
 */
import { SidecarError } from '../errors.js';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { guardChild } from './child-guard.js';
import { assertPortFree } from './port-check.js';
import { PROXY_NODE_FLAGS } from '../node-flags.js';

/** What to run. Ports are TCP ports on `memcachedListen` / all interfaces. */
export interface SidecarOptions {
  /** memcached executable (looked up in PATH). */
  readonly memcachedBin: string;
  /** Address memcached binds when the proxy runs (loopback keeps it private). */
  readonly memcachedListen: string;
  /** memcached's port when the proxy runs in front of it. */
  readonly memcachedPort: number;
  /** Extra memcached arguments (e.g. `-m 1024`). */
  readonly memcachedArgs: readonly string[];
  /** Run the proxy (`MCROUTER_ENABLED=yes`); otherwise memcached serves `proxyPort` itself. */
  readonly proxyEnabled: boolean;
  /** The proxy's port (and memcached's when the proxy is off). */
  readonly proxyPort: number;
  /** mcproxy config (`file:<path>` or inline JSON); null → one `local` pool on memcached. */
  readonly config: string | null;
  /** Extra mcproxy arguments, passed through. */
  readonly proxyArgs: readonly string[];
  /** How long to wait for a child to exit after SIGTERM before SIGKILL, ms. */
  readonly stopTimeoutMs: number;
  /** How long memcached may take to accept connections, ms. */
  readonly startTimeoutMs: number;
  /** Prewarm memcached before the proxy starts (docs/prewarm.md), or null. */
  readonly prewarm?: PrewarmSettings | null;
}

/** `--prewarm` / `MCSIDECAR_PREWARM`: what `mcproxy warm` copies from, and for how long at most. */
export interface PrewarmSettings {
  /** `peers` (the warmest server of the config's `peers` pool) or `host:port[,…]`. */
  readonly from: string;
  /** The proxy starts after this long even if the warm has not finished, ms. */
  readonly deadlineMs: number;
}

/** Exit code when a child died on its own or could not start. */
export const EXIT_CHILD_FAILED = 1;

/** The config used when none is given: every request to the local memcached. */
export function defaultConfig(memcachedListen: string, memcachedPort: number): string {
  return JSON.stringify({
    pools: { local: { servers: [`${memcachedListen}:${memcachedPort}`] } },
    route: 'PoolRoute|local',
  });
}

/** The mcproxy entry point next to this module (`dist/proxy/cli.js`, or `proxy/cli.ts` under tsx). */
export function proxyEntryPoint(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, '..', 'cli.js');
  return existsSync(js) ? js : join(here, '..', 'cli.ts');
}

function waitForListen(port: number, host: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(
          new SidecarError(
            `memcached exited (${child.exitCode ?? child.signalCode}) before accepting connections`,
          ),
        );
        return;
      }
      const s = net.connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(new SidecarError(`memcached did not listen on ${host}:${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

async function stopChild(child: ChildProcess | null, timeoutMs: number): Promise<void> {
  if (child?.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * Runs `mcproxy warm` into the fresh memcached, as a child process of its own, before the proxy
 * starts: the copy gets the CPU to itself and the proxy never serves a half-built config or
 * competes with it. `finished` resolves when the warm exits or at the deadline, whichever comes
 * first (the warm stops starting batches at the deadline itself; a straggler is then stopped);
 * a failed warm (no peer, enumeration refused) is logged and the sidecar serves anyway.
 */
function startPrewarm(
  opts: SidecarOptions,
  settings: PrewarmSettings,
  memcachedPort: number,
  log: Logger,
): { child: ChildProcess; finished: Promise<void> } {
  const target = `${opts.memcachedListen === '0.0.0.0' || opts.memcachedListen === '::' ? '127.0.0.1' : opts.memcachedListen}:${memcachedPort}`;
  const args = [
    ...process.execArgv,
    proxyEntryPoint(),
    'warm',
    '--from',
    settings.from,
    '--to',
    target,
    '--deadline-ms',
    String(settings.deadlineMs),
    '--progress',
    'log',
    ...(opts.config !== null ? ['--config', opts.config] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  guardChild(child);
  log.info({ childPid: child.pid, from: settings.from, deadlineMs: settings.deadlineMs }, 'prewarm started');
  const finished = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ deadlineMs: settings.deadlineMs }, 'prewarm deadline passed; starting the proxy');
      void stopChild(child, 1000);
      resolve();
    }, settings.deadlineMs + 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) log.info('prewarm finished');
      else log.warn({ code }, 'prewarm failed; serving anyway (cold keys warm up on demand)');
      resolve();
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      log.warn({ err: err.message }, 'prewarm could not start; serving anyway');
      resolve();
    });
  });
  return { child, finished };
}

/**
 * Runs the sidecar until a signal or a child's death.
 * @returns the exit code: 0 after a requested stop, EXIT_CHILD_FAILED when a child died or failed
 *   to start (including memcached missing from PATH)
 */
export async function runSidecar(opts: SidecarOptions, log: Logger): Promise<number> {
  const memcachedPort = opts.proxyEnabled ? opts.memcachedPort : opts.proxyPort;
  const mcArgs = ['-p', String(memcachedPort), '-U', '0'];
  if (opts.proxyEnabled) mcArgs.push('-l', opts.memcachedListen);
  if (process.getuid?.() === 0 && !opts.memcachedArgs.includes('-u')) mcArgs.push('-u', 'nobody');
  mcArgs.push(...opts.memcachedArgs);

  try {
    // The readiness check below must reach our memcached, not an orphan still holding the port.
    await assertPortFree(memcachedPort, opts.proxyEnabled ? opts.memcachedListen : undefined, 'memcached');
    if (opts.proxyEnabled) await assertPortFree(opts.proxyPort, undefined, 'mcproxy');
  } catch (err) {
    log.fatal({ err: (err as Error).message, code: (err as { code?: string }).code }, 'cannot start');
    return EXIT_CHILD_FAILED;
  }

  const state = { stopping: false };
  let proxy: ChildProcess | null = null;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });

  const memcached = spawn(opts.memcachedBin, mcArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
  const memcachedGuard = guardChild(memcached);
  const spawnFailed = new Promise<Error>((resolve) => memcached.once('error', resolve));

  let prewarm: { child: ChildProcess; finished: Promise<void> } | null = null;
  const shutdown = async (code: number): Promise<void> => {
    await stopChild(prewarm?.child ?? null, opts.stopTimeoutMs);
    await stopChild(proxy, opts.stopTimeoutMs);
    await stopChild(memcached, opts.stopTimeoutMs);
    resolveDone(code);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (state.stopping) {
      log.warn({ signal: sig }, 'second signal: killing children now');
      proxy?.kill('SIGKILL');
      memcached.kill('SIGKILL');
      resolveDone(EXIT_CHILD_FAILED);
      return;
    }
    state.stopping = true;
    log.info({ signal: sig }, 'stopping the proxy, then memcached');
    void shutdown(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const childDied = (name: string) => (code: number | null, signal: NodeJS.Signals | null) => {
    if (state.stopping) return;
    state.stopping = true;
    log.error({ child: name, code, signal }, `${name} exited; stopping the sidecar`);
    void shutdown(EXIT_CHILD_FAILED);
  };
  memcached.once('exit', childDied('memcached'));

  try {
    const ready = waitForListen(
      memcachedPort,
      opts.proxyEnabled ? opts.memcachedListen : '127.0.0.1',
      opts.startTimeoutMs,
      memcached,
    );
    const failed = spawnFailed.then((err) => {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? new SidecarError(
            `${opts.memcachedBin} not found in PATH: install memcached (e.g. apt-get install memcached) or pass --memcached-bin`,
          )
        : err;
    });
    await Promise.race([ready, failed]);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'memcached failed to start');
    state.stopping = true;
    await stopChild(memcached, opts.stopTimeoutMs);
    cleanup();
    return EXIT_CHILD_FAILED;
  }
  log.info(
    { guardPid: memcachedGuard.pid, childPid: memcached.pid, port: memcachedPort },
    'memcached started',
  );

  if (opts.prewarm != null && !state.stopping) {
    prewarm = startPrewarm(opts, opts.prewarm, memcachedPort, log);
    await prewarm.finished;
    prewarm = null;
  }

  if (opts.proxyEnabled && !state.stopping) {
    const config = opts.config ?? defaultConfig(opts.memcachedListen, opts.memcachedPort);
    const args = [
      ...process.execArgv,
      proxyEntryPoint(),
      '-p',
      String(opts.proxyPort),
      '--config',
      config,
      ...opts.proxyArgs,
    ];
    proxy = spawn(process.execPath, [...PROXY_NODE_FLAGS, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    proxy.once('exit', childDied('mcproxy'));
    const proxyGuard = guardChild(proxy);
    log.info(
      {
        guardPid: proxyGuard.pid,
        childPid: proxy.pid,
        port: opts.proxyPort,
        config: opts.config ?? 'default (local pool)',
      },
      'mcproxy started',
    );
  }

  const code = await done;
  cleanup();
  return code;

  function cleanup(): void {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
