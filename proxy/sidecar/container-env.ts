/**
 * The container's environment/argument contract (the seed's `docker-entrypoint.sh`, kept and
 * extended), turned into `SidecarOptions` for the supervisor.
 *
 *   docker run IMAGE                       memcached on 11211
 *   docker run IMAGE -m 1024               memcached -m 1024 on 11211
 *   docker run -e MCROUTER_ENABLED=yes IMAGE -m 1024
 *                                          memcached -m 1024 on 0.0.0.0:11212, mcproxy on 11211
 *                                          with MCROUTER_CONFIG (default file:/usr/local/etc/mcrouter.conf)
 *
 * Environment (all optional):
 * - `MCROUTER_ENABLED`   yes|true|1|on → run the proxy; no|false|0|off|"" → memcached alone.
 * - `MCROUTER_CONFIG`    mcproxy `--config` value; empty → one `local` pool on the memcached.
 * - `MCROUTER_ARGS`      extra mcproxy flags, split on whitespace (no quoting).
 * - `MCROUTER_PORT`      the port the container serves (proxy, or memcached alone), default 11211.
 * - `MEMCACHED_PORT`     memcached's port behind the proxy, default 11212.
 * - `MEMCACHED_LISTEN`   address memcached binds behind the proxy, default 0.0.0.0 (see below).
 * - `MEMCACHED_MEMORY_MB` adds `-m <n>` unless the arguments already set `-m`.
 * - `MEMCACHED_ARGS`     extra memcached arguments, split on whitespace, before the command's.
 * - `MCSIDECAR_LOG_LEVEL` pino level for the launcher and the proxy, default info.
 * - `MCSIDECAR_STOP_TIMEOUT_MS` per child, SIGTERM → SIGKILL, default 8000 (Docker's own stop
 *   timeout is 10 s).
 * - `MCSIDECAR_HEALTHCHECK_TIMEOUT_MS` the `healthcheck` exchange, default 2000.
 * - `MCSIDECAR_PREWARM`  `peers` or `host:port[,…]`: before the proxy serves, copy the hottest keys
 *   into memcached (docs/prewarm.md); empty = off.
 * - `MCSIDECAR_PREWARM_DEADLINE_MS` the proxy serves after this long at most, default 15000.
 *
 * Why memcached binds 0.0.0.0 behind the proxy: the seed's `peers` pool addresses every
 * instance's memcached at `<instance IP>:11212`, which reaches this container through the
 * published host port, and with Docker links/bridge networking the application containers reach
 * the sidecar by its link name, i.e. on the container's bridge address, never on its loopback.
 * The container's own network namespace keeps the port private unless it is published; security
 * groups (self-ingress 11211–11212) decide who may connect. Set `MEMCACHED_LISTEN=127.0.0.1` when
 * nothing but the local proxy should reach memcached.
 */
import { z } from 'zod';
import { McProxyError } from '../errors.js';
import { defaultConfig, type SidecarOptions } from './supervisor.js';

/** The seed's config path (`--config file://usr/local/etc/mcrouter.conf`). */
export const DEFAULT_MCROUTER_CONFIG = 'file:/usr/local/etc/mcrouter.conf';

/** A bad environment variable or argument; `variable` is its name (or `argv`). */
export class ContainerEnvError extends McProxyError {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`${variable}: ${reason}`, 'MCS_ERR_CONTAINER_ENV');
  }
}

const ENABLED = new Set(['yes', 'true', '1', 'on']);
const DISABLED = new Set(['no', 'false', '0', 'off', '']);

const port = z
  .string()
  .regex(/^\d+$/, 'expected a TCP port number')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, 'expected a TCP port (1-65535)');

const schema = z.object({
  MCROUTER_ENABLED: z
    .string()
    .default('')
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => ENABLED.has(v) || DISABLED.has(v), 'expected yes or no (also true/false, 1/0, on/off)')
    .transform((v) => ENABLED.has(v)),
  MCROUTER_CONFIG: z.string().default(DEFAULT_MCROUTER_CONFIG),
  MCROUTER_ARGS: z.string().default(''),
  MCROUTER_PORT: port.default(11211),
  MEMCACHED_PORT: port.default(11212),
  MEMCACHED_LISTEN: z
    .string()
    .regex(/^[0-9A-Fa-f:.]+$/, 'expected an IP address (e.g. 0.0.0.0 or 127.0.0.1)')
    .default('0.0.0.0'),
  MEMCACHED_MEMORY_MB: z
    .string()
    .regex(/^[1-9]\d*$/, 'expected a number of megabytes')
    .optional(),
  MEMCACHED_ARGS: z.string().default(''),
  MCSIDECAR_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MCSIDECAR_STOP_TIMEOUT_MS: z
    .string()
    .regex(/^\d+$/, 'expected milliseconds')
    .transform(Number)
    .default(8000),
  MCSIDECAR_HEALTHCHECK_TIMEOUT_MS: z
    .string()
    .regex(/^[1-9]\d*$/, 'expected milliseconds')
    .transform(Number)
    .default(2000),
  MCSIDECAR_PREWARM: z
    .string()
    .trim()
    .regex(/^(peers|[^\s,]+:\d+(,[^\s,]+:\d+)*)?$/, 'expected peers or host:port[,host:port…]')
    .default(''),
  MCSIDECAR_PREWARM_DEADLINE_MS: z
    .string()
    .regex(/^[1-9]\d*$/, 'expected milliseconds')
    .transform(Number)
    .default(15000),
});

/** The parsed contract: what the supervisor runs, plus the launcher's own settings. */
export interface ContainerSettings {
  readonly sidecar: SidecarOptions;
  readonly logLevel: string;
  /** Where `healthcheck` sends `version` on 127.0.0.1 or memcached's address: the served port, and memcached behind the proxy. */
  readonly health: {
    readonly servePort: number;
    readonly memcached: { readonly host: string; readonly port: number } | null;
    readonly timeoutMs: number;
  };
}

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

/** memcached options the launcher owns (it must know where memcached listens). */
const OWNED_MEMCACHED_FLAGS = /^(-p|--port|-l|--listen|-U|--udp-port|-s|--unix-socket)(=|$)|^-[plUs]\d/;

/**
 * Reads the container contract from `env` and the memcached arguments (`docker run IMAGE <args>`,
 * already stripped of a leading `memcached`).
 * @throws ContainerEnvError naming the variable (or `argv`) and what is wrong with it
 */
export function containerSettings(
  memcachedArgs: readonly string[],
  env: NodeJS.ProcessEnv,
): ContainerSettings {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined) picked[key] = v;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContainerEnvError(
      String(issue?.path[0] ?? 'environment'),
      `${issue?.message ?? 'invalid'} (got ${JSON.stringify(picked[String(issue?.path[0])] ?? '')})`,
    );
  }
  const e = parsed.data;
  const mcArgs = [...words(e.MEMCACHED_ARGS), ...memcachedArgs];
  const owned = mcArgs.find((a) => OWNED_MEMCACHED_FLAGS.test(a));
  if (owned !== undefined)
    throw new ContainerEnvError(
      'argv',
      `memcached option ${owned} is set by the container: use MCROUTER_PORT, MEMCACHED_PORT and MEMCACHED_LISTEN`,
    );
  if (
    e.MEMCACHED_MEMORY_MB !== undefined &&
    !mcArgs.some((a) => a === '-m' || /^-m\d/.test(a) || a.startsWith('--memory-limit'))
  )
    mcArgs.unshift('-m', e.MEMCACHED_MEMORY_MB);
  if (e.MCROUTER_ENABLED && e.MCROUTER_PORT === e.MEMCACHED_PORT)
    throw new ContainerEnvError('MEMCACHED_PORT', `must differ from MCROUTER_PORT (${e.MCROUTER_PORT})`);

  // The default one-pool config dials memcached on loopback even when it binds a wildcard.
  const wildcard = e.MEMCACHED_LISTEN === '0.0.0.0' || e.MEMCACHED_LISTEN === '::';
  const config =
    e.MCROUTER_CONFIG.trim() === ''
      ? defaultConfig(wildcard ? '127.0.0.1' : e.MEMCACHED_LISTEN, e.MEMCACHED_PORT)
      : e.MCROUTER_CONFIG;
  return {
    logLevel: e.MCSIDECAR_LOG_LEVEL,
    health: {
      servePort: e.MCROUTER_PORT,
      memcached: e.MCROUTER_ENABLED
        ? { host: wildcard ? '127.0.0.1' : e.MEMCACHED_LISTEN, port: e.MEMCACHED_PORT }
        : null,
      timeoutMs: e.MCSIDECAR_HEALTHCHECK_TIMEOUT_MS,
    },
    sidecar: {
      memcachedBin: 'memcached',
      memcachedListen: e.MEMCACHED_LISTEN,
      memcachedPort: e.MEMCACHED_PORT,
      memcachedArgs: mcArgs,
      proxyEnabled: e.MCROUTER_ENABLED,
      proxyPort: e.MCROUTER_PORT,
      config,
      proxyArgs: ['--log-level', e.MCSIDECAR_LOG_LEVEL, ...words(e.MCROUTER_ARGS)],
      stopTimeoutMs: e.MCSIDECAR_STOP_TIMEOUT_MS,
      startTimeoutMs: 10_000,
      prewarm:
        e.MCSIDECAR_PREWARM !== ''
          ? { from: e.MCSIDECAR_PREWARM, deadlineMs: e.MCSIDECAR_PREWARM_DEADLINE_MS }
          : null,
    },
  };
}
