/**
 * The host id substitute (spec open question 7): CRC-32 of the first non-internal, non-link-local
 * IPv4 address (else IPv6), 0 without one.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, test } from 'vitest';
import { defaultHostId, hostIdAddress, hostIdFor } from '../../../proxy/config/host-id.js';
import { crc32 } from '../../../proxy/hash/crc32.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  family: 'IPv4',
  internal,
  netmask: '',
  mac: '',
  cidr: null,
});
const v6 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  family: 'IPv6',
  internal,
  netmask: '',
  mac: '',
  cidr: null,
  scopeid: 0,
});

describe('host id', () => {
  test('the first non-loopback, non-link-local IPv4 address in interface order', () => {
    expect(
      hostIdAddress({
        lo: [v4('127.0.0.1', true), v6('::1', true)],
        eth0: [v6('fe80::1'), v4('169.254.3.4'), v6('2001:db8::5'), v4('10.0.3.17')],
        eth1: [v4('192.168.1.2')],
      }),
    ).toBe('10.0.3.17');
  });

  test('an IPv6 address when there is no IPv4 one; null when there is nothing', () => {
    expect(hostIdAddress({ eth0: [v6('fe80::1'), v6('2001:db8::5')] })).toBe('2001:db8::5');
    expect(hostIdAddress({ lo: [v4('127.0.0.1', true)] })).toBeNull();
  });

  test('CRC-32 of the address text, unsigned', () => {
    const b = Buffer.from('10.0.3.17');
    expect(hostIdFor('10.0.3.17')).toBe(crc32(b, 0, b.length) >>> 0);
    expect(hostIdFor('10.0.3.17')).toBeGreaterThanOrEqual(0);
    expect(hostIdFor('10.0.3.17')).not.toBe(hostIdFor('10.0.3.18'));
  });

  test("this host's id is stable", () => {
    expect(defaultHostId()).toBe(defaultHostId());
    const addr = hostIdAddress();
    expect(defaultHostId()).toBe(addr === null ? 0 : hostIdFor(addr));
  });
});
