/**
 * Global params (`%name%` everywhere; mcrouter's `ProxyConfigBuilder::buildGlobalParams`) and
 * the `--config-params` / `--additional-config-params` options.
 */
import { describe, expect, test } from 'vitest';
import { globalParams } from '../../../../proxy/config/jsonm/params.js';
import { addressHash32, hostId, ipBytes } from '../../../../proxy/config/jsonm/host-address.js';
import { optionsAsPairs, parseProxyOptions } from '../../../../proxy/options.js';
import { parseStringMap } from '../../../../proxy/util/option-table.js';
import { OptionError } from '../../../../proxy/errors.js';
import { canonical, canonicalText as c, expand } from './helpers.js';

/** Expands `value` with the global params of `argv` (the real option parser). */
function withArgs(argv: string[], value: unknown, macros: unknown = {}): string {
  const { options } = parseProxyOptions(argv);
  const out = expand({ macros, value }, { options, globals: globalParams(options) });
  return canonical(out.get('value') ?? null);
}

describe('built-in global params', () => {
  test('route prefix parts, router and service names, router-info-name, num-proxies', () => {
    expect(
      withArgs(
        ['-p', '5000,5001', '-R', '/east/c1/', '--num-proxies', '3'],
        ['%default-route%', '%default-region%', '%default-cluster%', '%router-name%', '%service-name%'],
      ),
    ).toBe(c('["/east/c1/", "east", "c1", "5000", "mcrouter"]'));
    expect(
      withArgs([], ['%router-info-name%', '%num-proxies%', '%service-router-capable%', '%default-region%']),
    ).toBe(c('["Memcache", 1, 0, "."]'));
  });

  test('hostid is an int: the hash of the first non-loopback, non-link-local address', () => {
    const v = withArgs([], '%hostid%');
    expect(v).toBe(String(hostId()));
    expect(hostId()).toBeGreaterThanOrEqual(0);
    expect(hostId()).toBeLessThan(2 ** 32);
  });

  test('mcr_opts-<option> for integer and boolean options, as strings', () => {
    expect(
      withArgs(
        ['-t', '250', '--enable-flush-cmd'],
        [
          '%mcr_opts-server_timeout_ms%',
          '%mcr_opts-enable_flush_cmd%',
          '%mcr_opts-send_invalid_route_to_default%',
          '%mcr_opts-num_proxies%',
        ],
      ),
    ).toBe(c('["250", "1", "0", "1"]'));
    expect(() => withArgs([], '%mcr_opts-default_route%')).toThrow(/'mcr_opts-default_route' not found/);
  });
});

describe('--config-params and --additional-config-params', () => {
  test('names become params whose values are strings', () => {
    expect(withArgs(['--config-params', 'pool:central,port:11211'], '%pool%-%port%')).toBe(
      c('"central-11211"'),
    );
  });

  test('--additional-config-params wins over --config-params; neither changes built-ins', () => {
    expect(
      withArgs(
        ['--config-params', 'a:1,b:1,default-route:/x/y/', '--additional-config-params', 'b:2'],
        ['%a%', '%b%', '%default-route%'],
      ),
    ).toBe(c('["1", "2", "/././"]'));
  });

  test('a constDef of the same name replaces a param', () => {
    expect(
      withArgs(['--config-params', 'a:1'], ['%a%', '%default-route%'], {
        a: { type: 'constDef', result: 'from config' },
        'default-route': { type: 'constDef', result: 'mine' },
      }),
    ).toBe(c('["from config", "mine"]'));
  });

  test("mcrouter's string-map syntax: name:value pairs, first of a name wins", () => {
    expect(parseStringMap('a:1,b:,a:2')).toEqual({ a: '1', b: '' });
    expect(parseStringMap('')).toEqual({});
    expect(() => parseStringMap('a:1,')).toThrow("Invalid string map pair: ''. Expected name:value.");
    expect(() => parseStringMap('a:b:c')).toThrow("Invalid string map pair: 'a:b:c'. Expected name:value.");
  });

  test('a malformed value is a bad option (exit 3); __mcrouter__.options prints the maps', () => {
    expect(() => parseProxyOptions(['--config-params', 'novalue'], { write: () => undefined })).toThrow(
      OptionError,
    );
    const { options } = parseProxyOptions(['--config-params', 'a:1,b:2']);
    expect(options.configParams).toEqual({ a: '1', b: '2' });
    expect(optionsAsPairs(options)).toContainEqual(['config_params', 'a:1,b:2']);
    expect(optionsAsPairs(options)).toContainEqual(['additional_config_params', '']);
  });
});

describe('host addresses', () => {
  test('IPv4, IPv6 and IPv4-mapped IPv6 addresses as bytes', () => {
    expect([...(ipBytes('10.1.2.3') ?? [])]).toEqual([10, 1, 2, 3]);
    expect([...(ipBytes('::ffff:10.1.2.3') ?? [])]).toEqual([10, 1, 2, 3]);
    expect([...(ipBytes('[fe80::1]') ?? [])]).toEqual([0xfe, 0x80, ...new Array<number>(13).fill(0), 1]);
    expect(ipBytes('host.example')).toBeNull();
  });

  test('an IPv4-mapped address hashes as the IPv4 address', () => {
    const v4 = ipBytes('192.168.1.20') as Uint8Array;
    expect(addressHash32(ipBytes('::ffff:192.168.1.20') as Uint8Array)).toBe(addressHash32(v4));
    expect(addressHash32(v4)).not.toBe(addressHash32(ipBytes('192.168.1.21') as Uint8Array));
  });
});
