/** The command line maps onto every proxy option, with mcrouter's names and defaults. */
import { describe, expect, test } from 'vitest';
import { DEFAULT_OPTIONS, optionsAsPairs, parseProxyOptions } from '../../../proxy/options.js';
import { OptionError } from '../../../proxy/errors.js';

describe('options', () => {
  test('a bare toggle is on, a bare --validate-config is "exit"; defaults are fresh copies', () => {
    const { options } = parseProxyOptions(['--validate-config', '--enable-flush-cmd']);
    expect(options.validateConfig).toBe('exit');
    expect(options.enableFlushCmd).toBe(true);
    expect(parseProxyOptions(['--validate-config=run']).options.validateConfig).toBe('run');
    expect(() => parseProxyOptions(['--validate-config=maybe'])).toThrow('expected "exit" or "run"');
    options.ports.push(1);
    expect(DEFAULT_OPTIONS.ports).toEqual([]);
    expect(parseProxyOptions([]).options.ports).toEqual([]);
  });

  test("mcrouter's flags, short forms and toggles", () => {
    const { options, ignored } = parseProxyOptions([
      '-p',
      '5000,5001',
      '-t',
      '250',
      '-R',
      '/a/b/',
      '-r',
      '100',
      '--probe-timeout-max',
      '400',
      '--timeouts-until-tko',
      '1',
      '--enable-flush-cmd',
      '--disable-tko-tracking=false',
      '--max-conns',
      '7',
      '--target-max-pending-requests',
      '10',
      '--drain-timeout-ms',
      '300',
      '--client-idle-timeout-ms',
      '9',
      '--listen-addresses',
      '127.0.0.1,::1',
      '--stats-root',
      '/tmp',
      '--listen-sock-fd',
      '3',
      '--rss-limit-mb',
      '16',
      '--unknown-flag',
    ]);
    expect(options).toMatchObject({
      ports: [5000, 5001],
      serverTimeoutMs: 250,
      routePrefix: '/a/b/',
      probeTimeoutInitialMs: 100,
      probeTimeoutMaxMs: 400,
      timeoutsUntilTko: 1,
      enableFlushCmd: true,
      disableTkoTracking: false,
      maxConns: 7,
      targetMaxPendingRequests: 10,
      drainTimeoutMs: 300,
      clientIdleTimeoutMs: 9,
      listenAddresses: ['127.0.0.1', '::1'],
      statsRoot: '/tmp',
      listenSockFd: 3,
    });
    expect(ignored).toEqual(['--rss-limit-mb', '--unknown-flag']);
  });

  test("defaults are mcrouter's", () => {
    const { options } = parseProxyOptions([]);
    expect(options).toMatchObject({
      routePrefix: '/././',
      serverTimeoutMs: 1000,
      timeoutsUntilTko: 3,
      probeTimeoutInitialMs: 10_000,
      probeTimeoutMaxMs: 60_000,
      maxClientOutstandingReqs: 34133,
      targetMaxPendingRequests: 100_000,
      enableFlushCmd: false,
    });
  });

  test('bad values are OptionErrors', () => {
    expect(() => parseProxyOptions(['-t', 'soon'])).toThrow(OptionError);
    expect(() => parseProxyOptions(['-t', '0'])).toThrow('--server-timeout: must be in [1, 1000000]');
    expect(() => parseProxyOptions(['--enable-flush-cmd=maybe'])).toThrow(
      '--enable-flush-cmd: expected true or false',
    );
  });

  test('__mcrouter__.options names are the internal ones', () => {
    const pairs = new Map(optionsAsPairs(parseProxyOptions(['-p', '11211']).options));
    expect(pairs.get('ports')).toBe('11211');
    expect(pairs.get('default_route')).toBe('/././');
    expect(pairs.get('server_timeout_ms')).toBe('1000');
    expect(pairs.get('failures_until_tko')).toBe('3');
  });
});
