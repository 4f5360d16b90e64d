/**
 * TLS connections to destinations (`security_mech: "ssl"`), configured with mcrouter's options
 * (`mcrouter/mcrouter_options_list.h`: `--pem-cert-path`, `--pem-key-path`, `--pem-ca-path`,
 * `--ssl-verify-peers`, `--ssl-connection-cache`; `mcrouter/ProxyDestination-inl.h`).
 *
 * - The server's certificate is verified against `--pem-ca-path`, or, when that is empty, Node's
 *   bundled Mozilla root store (it holds the Amazon Root CAs 1–4 that sign ElastiCache's
 *   certificates), and its name against the host name of the server string (SNI is sent for
 *   host names, not IPs). mcsidecar verifies by default; `--ssl-verify-peers=false` turns it off.
 * - A client certificate is presented when `--pem-cert-path` and `--pem-key-path` are both set.
 * - The secure context is built on first use and rebuilt from the files every 30 minutes, so
 *   rotated certificates are picked up (mcrouter: `kSslReloadInterval` in
 *   `mcrouter/lib/network/ThreadLocalSSLContextProvider.cpp`); a failed rebuild keeps the old one.
 * - Sessions are resumed from `TlsSessionCache` (on by default; `--ssl-connection-cache=false`).
 */
import net from 'node:net';
import tls from 'node:tls';
import { log } from '../logger.js';
import { readPemFile, secureContextFrom } from './pem-file.js';
import { TlsSessionCache } from './tls-session-cache.js';

/** Client-side TLS settings (command-line options). Paths: '' = not set. */
export interface TlsClientOptions {
  /** `--pem-cert-path`: client certificate (chain), PEM. */
  readonly pemCertPath: string;
  /** `--pem-key-path`: the client certificate's private key, PEM. */
  readonly pemKeyPath: string;
  /** `--pem-ca-path`: CA certificates to trust instead of Node's bundled roots, PEM. */
  readonly pemCaPath: string;
  /** `--ssl-verify-peers`: verify the server's certificate chain and name. */
  readonly sslVerifyPeers: boolean;
  /** `--ssl-connection-cache`: resume TLS sessions. */
  readonly sslConnectionCache: boolean;
}

/** mcsidecar's defaults: verify against the bundled roots, resume sessions. */
export const DEFAULT_TLS_CLIENT_OPTIONS: TlsClientOptions = {
  pemCertPath: '',
  pemKeyPath: '',
  pemCaPath: '',
  sslVerifyPeers: true,
  sslConnectionCache: true,
};

/** How long a secure context is used before it is rebuilt from the files, ms. */
const RELOAD_INTERVAL_MS = 30 * 60 * 1000;

/** See the file comment. */
export class TlsConnector {
  private context: tls.SecureContext | null = null;
  private loadedAt = 0;
  /** Null with `--ssl-connection-cache=false`. */
  readonly sessions: TlsSessionCache | null;

  constructor(readonly options: TlsClientOptions = DEFAULT_TLS_CLIENT_OPTIONS) {
    this.sessions = options.sslConnectionCache ? new TlsSessionCache() : null;
  }

  /**
   * Builds the secure context now, so a bad file is reported at start-up.
   * @throws TlsConfigError naming the option and file
   */
  load(): void {
    this.context = this.build();
    this.loadedAt = performance.now();
  }

  /**
   * Opens a TLS connection to `host:port`. The socket emits `connect` when TCP is up and
   * `secureConnect` once the handshake (and verification) succeeded; a failed verification is an
   * `error` with Node's code (`ERR_TLS_CERT_ALTNAME_INVALID`, `CERT_HAS_EXPIRED`,
   * `UNABLE_TO_VERIFY_LEAF_SIGNATURE` …) followed by `close`.
   * @param hostPort the cache key for the session (`host:port`)
   * @throws TlsConfigError when no secure context was ever built (a file is missing or bad)
   */
  connect(host: string, port: number, hostPort: string): tls.TLSSocket {
    const session = this.sessions?.get(hostPort);
    const socket = tls.connect({
      host,
      port,
      secureContext: this.secureContext(),
      rejectUnauthorized: this.options.sslVerifyPeers,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...(session !== undefined ? { session } : {}),
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    this.sessions?.track(hostPort, socket);
    return socket;
  }

  private secureContext(): tls.SecureContext {
    const now = performance.now();
    if (this.context === null) this.load();
    else if (now - this.loadedAt >= RELOAD_INTERVAL_MS) {
      this.loadedAt = now;
      try {
        this.context = this.build();
      } catch (err) {
        log.warn({ err }, 'TLS client certificates could not be reloaded; keeping the previous ones');
      }
    }
    return this.context as tls.SecureContext;
  }

  private build(): tls.SecureContext {
    const o = this.options;
    const withCert = o.pemCertPath !== '' && o.pemKeyPath !== '';
    return secureContextFrom(
      {
        ...(withCert
          ? {
              cert: readPemFile(o.pemCertPath, '--pem-cert-path'),
              key: readPemFile(o.pemKeyPath, '--pem-key-path'),
            }
          : {}),
        ...(o.pemCaPath !== '' ? { ca: readPemFile(o.pemCaPath, '--pem-ca-path') } : {}),
      },
      '--pem-cert-path/--pem-key-path/--pem-ca-path',
    );
  }
}
