/**
 * Pool server strings (`mcrouter/routes/McRouteHandleProvider.cpp`, `mcrouter/lib/network/AccessPoint.cpp`):
 * `host:port[:protocol[:security_mech[:compressed|notcompressed]]]`, IPv6 as `[addr]:port[...]`,
 * or `unix:<path>`. An empty field takes the pool's value (`protocol`, `security_mech`).
 */
import { ConfigError } from '../errors.js';

/**
 * How a destination is reached: `plain` TCP or `ssl` (TLS), mcrouter's names
 * (`securityMechToString` in `mcrouter/lib/network/SecurityOptions.cpp`).
 */
export type SecurityMech = 'plain' | 'ssl';

/**
 * Parses a security mechanism: mcrouter's `plain` and `ssl`, and `tls` as another name for `ssl`.
 * @throws ConfigError naming the value; mcrouter's `fizz`, `ktls12` and `tls_to_plain` are not supported
 */
export function parseSecurityMech(text: string): SecurityMech {
  const mech = text.toLowerCase();
  if (mech === 'plain') return 'plain';
  if (mech === 'ssl' || mech === 'tls') return 'ssl';
  throw new ConfigError('', `security mechanism "${text}" is not supported (plain, ssl or tls)`);
}

/** A parsed server entry. */
export interface ServerAddress {
  /** Host name or IP (without brackets); empty for unix sockets. */
  readonly host: string;
  /** TCP port; 0 for unix sockets (and a TCP port 0 that never connects, as mcrouter's). */
  readonly port: number;
  /** Unix socket path, or null for TCP. */
  readonly path: string | null;
  /** `host:port` (`[v6]:port`) or `unix:<path>`: the name used in logs and `route(...)`. */
  readonly hostPort: string;
  /** `ssl`: the connection is TLS (docs/tls.md). */
  readonly securityMech: SecurityMech;
}

/**
 * Parses a server string. With `portOverride` (a pool's `port_override`, 1–65535) the port may be
 * left out and any port given is replaced (`AccessPoint::create` in
 * `mcrouter/lib/network/AccessPoint.cpp`).
 * @param defaultMech the pool's `security_mech`, for a string that names none
 * @throws ConfigError with the reason (e.g. `invalid server "x": port out of range`); only the `ascii`
 *   protocol is supported, and TLS only over TCP (as mcrouter's AccessPoint)
 */
export function parseServerAddress(
  text: string,
  defaultMech: SecurityMech = 'plain',
  portOverride = 0,
): ServerAddress {
  const bad = (why: string): ConfigError =>
    new ConfigError('', `invalid server ${JSON.stringify(text)}: ${why}`);
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path.length === 0) throw bad('empty unix socket path');
    if (defaultMech !== 'plain') throw bad('TLS over a unix socket is not supported');
    return { host: '', port: 0, path, hostPort: text, securityMech: 'plain' };
  }
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const bare = portOverride > 0 && close === text.length - 1;
    if (close < 0 || (!bare && text[close + 1] !== ':')) throw bad('expected [ipv6]:port');
    host = text.slice(1, close);
    rest = bare ? '' : text.slice(close + 2);
  } else {
    const colon = text.indexOf(':');
    const bare = portOverride > 0 && colon < 0 && text.length > 0;
    if (colon <= 0 && !bare) throw bad('expected host:port');
    host = bare ? text : text.slice(0, colon);
    rest = bare ? '' : text.slice(colon + 1);
  }
  const parts = rest.split(':');
  const portText = parts[0] ?? '';
  if (!(portOverride > 0 && portText === '') && !/^\d{1,5}$/.test(portText))
    throw bad('port is not a number');
  const port = portOverride > 0 ? portOverride : Number(portText);
  // Port 0 is accepted, as mcrouter: every request to it fails with a connect error.
  if (port > 65535) throw bad('port out of range');
  const protocol = (parts[1] === undefined || parts[1] === '' ? 'ascii' : parts[1]).toLowerCase();
  if (protocol !== 'ascii') throw bad(`protocol "${protocol}" is not supported (only ascii)`);
  let securityMech = defaultMech;
  try {
    if (parts[2] !== undefined && parts[2] !== '') securityMech = parseSecurityMech(parts[2]);
  } catch (err) {
    throw bad((err as Error).message);
  }
  const compression = parts[3];
  if (compression !== undefined && compression !== 'compressed' && compression !== 'notcompressed') {
    throw bad(`unknown compression "${compression}"`);
  }
  if (parts.length > 4) throw bad('too many fields');
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, path: null, hostPort, securityMech };
}
