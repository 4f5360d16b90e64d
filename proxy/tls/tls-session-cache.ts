/**
 * TLS sessions (tickets) by server, so a reconnect or a probe resumes the last session instead of
 * paying a full handshake (mcrouter's `--ssl-connection-cache`, `SocketUtil.cpp`). One entry per
 * server: the newest ticket the server sent. An entry goes when a handshake with it fails with a
 * TLS error (a certificate or protocol failure); a connection closed before its handshake for any
 * other reason (a timeout while the server is hung, a reset, a refused connect) keeps the entry, so
 * the reconnect after a hang still resumes.
 */
import type tls from 'node:tls';

/** Socket-level failures: the handshake never ran, so they say nothing about the session. */
const TRANSPORT_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** See the file comment. */
export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();

  /** The session to offer `server` (`host:port`), or undefined. */
  get(server: string): Buffer | undefined {
    return this.sessions.get(server);
  }

  /**
   * Keeps every ticket `socket` receives for `server`, and forgets the server's entry when the
   * handshake fails with a TLS error (a bad certificate must not be resumed around).
   */
  track(server: string, socket: tls.TLSSocket): void {
    let secure = false;
    socket.on('session', (session: Buffer) => {
      this.sessions.set(server, session);
    });
    socket.once('secureConnect', () => {
      secure = true;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!secure && !TRANSPORT_ERRORS.has(err.code ?? '')) this.sessions.delete(server);
    });
  }

  /** Servers with a cached session. */
  get size(): number {
    return this.sessions.size;
  }
}
