#!/usr/bin/env node
/**
 * The container launcher that `docker/entrypoint` execs (compiled to
 * `dist/proxy/sidecar/entrypoint.js`):
 *
 *   entrypoint [memcached] [memcached args…]   memcached, and mcproxy in front of it when
 *                                              MCROUTER_ENABLED=yes, both supervised
 *   entrypoint healthcheck                     `version` through the served port (and to memcached
 *                                              behind the proxy); exit 0 healthy, 1 not
 *
 * The environment contract is in container-env.ts; supervision (either child exits → the other is
 * stopped, exit 1; SIGTERM → proxy drains first, then memcached, exit 0) is supervisor.ts, the
 * same code `npm start` runs.
 *
 * Exit codes: 0 stopped by a signal, healthy; 1 a child died or could not start, unhealthy;
 * 3 a bad environment variable or argument (as mcproxy's bad options).
 */
import { configureLogger } from '../logger.js';
import { ContainerEnvError, containerSettings } from './container-env.js';
import { checkHealth } from './healthcheck.js';
import { runSidecar } from './supervisor.js';

/** Exit code for a bad environment variable or argument. */
export const EXIT_BAD_ENV = 3;

async function healthcheck(env: NodeJS.ProcessEnv): Promise<number> {
  const { health } = containerSettings([], env);
  try {
    const lines = await checkHealth(health, health.timeoutMs);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`unhealthy: ${(err as Error).message}\n`);
    return 1;
  }
}

/**
 * Runs the launcher with `argv` (after the script name) and `env`; resolves with the exit code.
 * A leading `memcached` is dropped, so the image's `CMD ["memcached"]` and `docker run IMAGE -m 64`
 * mean the same thing.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    if (argv[0] === 'healthcheck') return await healthcheck(env);
    const args = argv[0] === 'memcached' ? argv.slice(1) : argv;
    const settings = containerSettings(args, env);
    const log = configureLogger({ level: settings.logLevel, name: 'mcsidecar' });
    return await runSidecar(settings.sidecar, log);
  } catch (err) {
    if (err instanceof ContainerEnvError) {
      process.stderr.write(`mcsidecar entrypoint: ${err.message}\n`);
      return EXIT_BAD_ENV;
    }
    throw err;
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`mcsidecar entrypoint: ${String(err)}\n`);
    process.exit(1);
  },
);
