/** The container's environment contract → supervisor options. */
import { describe, expect, test } from 'vitest';
import {
  ContainerEnvError,
  containerSettings,
  DEFAULT_MCROUTER_CONFIG,
} from '../../../proxy/sidecar/container-env.js';

function errorOf(fn: () => unknown): ContainerEnvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ContainerEnvError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('containerSettings', () => {
  test('defaults: memcached alone on 11211, the seed config path for the proxy', () => {
    const { sidecar, logLevel } = containerSettings([], {});
    expect(sidecar).toMatchObject({
      proxyEnabled: false,
      proxyPort: 11211,
      memcachedPort: 11212,
      memcachedListen: '0.0.0.0',
      memcachedArgs: [],
      config: DEFAULT_MCROUTER_CONFIG,
      stopTimeoutMs: 8000,
    });
    expect(DEFAULT_MCROUTER_CONFIG).toBe('file:/usr/local/etc/mcrouter.conf');
    expect(logLevel).toBe('info');
  });

  test('health targets: the served port, memcached behind the proxy on its own address', () => {
    expect(containerSettings([], {}).health).toEqual({ servePort: 11211, memcached: null, timeoutMs: 2000 });
    expect(
      containerSettings([], {
        MCROUTER_ENABLED: 'yes',
        MCROUTER_PORT: '2000',
        MCSIDECAR_HEALTHCHECK_TIMEOUT_MS: '500',
      }).health,
    ).toEqual({ servePort: 2000, memcached: { host: '127.0.0.1', port: 11212 }, timeoutMs: 500 });
    expect(
      containerSettings([], { MCROUTER_ENABLED: 'yes', MEMCACHED_LISTEN: '10.0.0.5' }).health.memcached,
    ).toEqual({
      host: '10.0.0.5',
      port: 11212,
    });
  });

  test.each([
    ['yes', true],
    ['YES', true],
    ['true', true],
    ['1', true],
    ['on', true],
    ['no', false],
    ['false', false],
    ['0', false],
    ['off', false],
    ['', false],
  ])('MCROUTER_ENABLED=%j → %s', (value, enabled) => {
    expect(containerSettings([], { MCROUTER_ENABLED: value }).sidecar.proxyEnabled).toBe(enabled);
  });

  test('arguments, MEMCACHED_ARGS and MEMCACHED_MEMORY_MB: explicit -m wins', () => {
    expect(containerSettings(['-c', '100'], { MEMCACHED_MEMORY_MB: '256' }).sidecar.memcachedArgs).toEqual([
      '-m',
      '256',
      '-c',
      '100',
    ]);
    expect(
      containerSettings(['-m', '1024'], { MEMCACHED_MEMORY_MB: '256', MEMCACHED_ARGS: ' -t  4 ' }).sidecar
        .memcachedArgs,
    ).toEqual(['-t', '4', '-m', '1024']);
    expect(
      containerSettings(['--memory-limit=64'], { MEMCACHED_MEMORY_MB: '256' }).sidecar.memcachedArgs,
    ).toEqual(['--memory-limit=64']);
  });

  test('MCROUTER_ARGS follow the log level; an empty MCROUTER_CONFIG means one local pool on loopback', () => {
    const { sidecar } = containerSettings([], {
      MCROUTER_ENABLED: 'yes',
      MCROUTER_CONFIG: '',
      MCROUTER_ARGS: '--config-poll-ms 500  -t 200',
      MCSIDECAR_LOG_LEVEL: 'warn',
      MEMCACHED_PORT: '12000',
    });
    expect(sidecar.proxyArgs).toEqual(['--log-level', 'warn', '--config-poll-ms', '500', '-t', '200']);
    expect(JSON.parse(sidecar.config ?? '')).toEqual({
      pools: { local: { servers: ['127.0.0.1:12000'] } },
      route: 'PoolRoute|local',
    });
  });

  test.each([
    [{ MCROUTER_PORT: 'http' }, 'MCROUTER_PORT', 'expected a TCP port number'],
    [{ MEMCACHED_PORT: '70000' }, 'MEMCACHED_PORT', 'expected a TCP port (1-65535)'],
    [{ MEMCACHED_LISTEN: 'localhost' }, 'MEMCACHED_LISTEN', 'expected an IP address'],
    [{ MEMCACHED_MEMORY_MB: '1g' }, 'MEMCACHED_MEMORY_MB', 'expected a number of megabytes'],
    [{ MCSIDECAR_LOG_LEVEL: 'loud' }, 'MCSIDECAR_LOG_LEVEL', ''],
    [{ MCSIDECAR_HEALTHCHECK_TIMEOUT_MS: '0' }, 'MCSIDECAR_HEALTHCHECK_TIMEOUT_MS', 'expected milliseconds'],
    [
      { MCROUTER_ENABLED: 'yes', MEMCACHED_PORT: '11211' },
      'MEMCACHED_PORT',
      'must differ from MCROUTER_PORT',
    ],
  ])('%j is refused, naming the variable', (env, variable, reason) => {
    const err = errorOf(() => containerSettings([], env));
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(reason);
    expect(err.code).toBe('MCS_ERR_CONTAINER_ENV');
  });

  test.each([['-p', '1'], ['-l', '127.0.0.1'], ['--port=1'], ['-U', '0'], ['-p11211']])(
    'memcached %s is owned by the container',
    (...args) => {
      expect(errorOf(() => containerSettings(args, {})).variable).toBe('argv');
    },
  );

  test('MCSIDECAR_PREWARM: off by default; peers or host:port lists with a deadline; anything else refused', () => {
    expect(containerSettings([], {}).sidecar.prewarm).toBeNull();
    expect(containerSettings([], { MCSIDECAR_PREWARM: 'peers' }).sidecar.prewarm).toEqual({
      from: 'peers',
      deadlineMs: 15000,
    });
    expect(
      containerSettings([], {
        MCSIDECAR_PREWARM: '10.0.0.5:11212,10.0.0.6:11212',
        MCSIDECAR_PREWARM_DEADLINE_MS: '5000',
      }).sidecar.prewarm,
    ).toEqual({ from: '10.0.0.5:11212,10.0.0.6:11212', deadlineMs: 5000 });
    expect(errorOf(() => containerSettings([], { MCSIDECAR_PREWARM: 'yes' })).variable).toBe(
      'MCSIDECAR_PREWARM',
    );
    expect(
      errorOf(() => containerSettings([], { MCSIDECAR_PREWARM: 'peers', MCSIDECAR_PREWARM_DEADLINE_MS: '0' }))
        .variable,
    ).toBe('MCSIDECAR_PREWARM_DEADLINE_MS');
  });
});
