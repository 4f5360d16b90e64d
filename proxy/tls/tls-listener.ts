/**
 * TLS on the proxy's own ports (`--ssl-port`), with mcrouter's server options
 * (`mcrouter/standalone_options_list.h`, `mcrouter/Server-inl.h`): `--server-pem-cert-path` and
 * `--server-pem-key-path` (required with `--ssl-port`), `--server-pem-ca-path` and
 * `--ssl-require-peer-certs` (clients must present a certificate signed by that CA). Node's TLS
 * server issues session tickets, so clients resume sessions.
 */
import type tls from 'node:tls';
import { TlsConfigError } from '../errors.js';
import { readPemFile, secureContextFrom } from './pem-file.js';

/** Server-side TLS settings (command-line options). Paths: '' = not set. */
export interface TlsListenerOptions {
  readonly serverPemCertPath: string;
  readonly serverPemKeyPath: string;
  readonly serverPemCaPath: string;
  readonly sslRequirePeerCerts: boolean;
}

/**
 * The `tls.createServer` options for the `--ssl-port` listeners.
 * @throws TlsConfigError when the certificate or key is not given, unreadable or unusable, or
 *   `--ssl-require-peer-certs` is given without `--server-pem-ca-path`
 */
export function tlsListenerOptions(o: TlsListenerOptions): tls.TlsOptions {
  if (o.serverPemCertPath === '' || o.serverPemKeyPath === '')
    throw new TlsConfigError('--ssl-port needs --server-pem-cert-path and --server-pem-key-path');
  if (o.sslRequirePeerCerts && o.serverPemCaPath === '')
    throw new TlsConfigError(
      '--ssl-require-peer-certs needs --server-pem-ca-path (the CA of client certificates)',
    );
  const parts: tls.SecureContextOptions = {
    cert: readPemFile(o.serverPemCertPath, '--server-pem-cert-path'),
    key: readPemFile(o.serverPemKeyPath, '--server-pem-key-path'),
    ...(o.serverPemCaPath !== '' ? { ca: readPemFile(o.serverPemCaPath, '--server-pem-ca-path') } : {}),
  };
  // Built once here so a mismatched key is reported now; tls.Server builds its own from `parts`.
  secureContextFrom(parts, '--server-pem-cert-path/--server-pem-key-path/--server-pem-ca-path');
  return { ...parts, requestCert: o.sslRequirePeerCerts, rejectUnauthorized: o.sslRequirePeerCerts };
}
