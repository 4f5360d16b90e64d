/**
 * Error texts for connection failures, shaped like mcrouter's folly `AsyncSocketException`
 * messages (`mcrouter/lib/network/AsciiSerialized.cpp`: clients and runbooks match `AsyncSocketException|connection error|...`).
 */

const STRERROR: Record<string, [number, string]> = {
  ECONNREFUSED: [111, 'Connection refused'],
  ECONNRESET: [104, 'Connection reset by peer'],
  EPIPE: [32, 'Broken pipe'],
  ETIMEDOUT: [110, 'Connection timed out'],
  EHOSTUNREACH: [113, 'No route to host'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ECONNABORTED: [103, 'Software caused connection abort'],
  ENOTSOCK: [88, 'Socket operation on non-socket'],
};

function errnoText(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  const known = STRERROR[code];
  if (known !== undefined) return `errno = ${known[0]} (${known[1]})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : 0;
  return `errno = ${errno} (${code !== '' ? code : err.message})`;
}

/** Message of a CONNECT_ERROR reply: why connecting failed. */
export function connectErrorMessage(err: NodeJS.ErrnoException | null): string {
  if (err === null) return 'AsyncSocketException: connect failed, type = Socket not open';
  return `AsyncSocketException: connect failed, type = Socket not open, ${errnoText(err)}`;
}

/** Message of a CONNECT_TIMEOUT reply. */
export function connectTimeoutMessage(timeoutMs: number): string {
  return `Timed out when trying to connect to server. Ex: AsyncSocketException: connect timed out after ${timeoutMs}ms, type = Timed out`;
}

/** Message of a REMOTE_ERROR reply for requests in flight when an established connection broke. */
export function ioErrorMessage(err: NodeJS.ErrnoException | null): string {
  if (err === null) return 'AsyncSocketException: connection closed by server, type = End of file';
  return `AsyncSocketException: recv() failed, type = Internal error, ${errnoText(err)}`;
}

/**
 * Message of a CONNECT_ERROR reply when TCP connected but the TLS handshake failed: Node's error
 * code and reason, e.g. `… SSL error, CERT_HAS_EXPIRED: certificate has expired` (docs/tls.md).
 */
export function tlsConnectErrorMessage(err: NodeJS.ErrnoException | null): string {
  const why =
    err === null ? 'connection closed during the handshake' : `${err.code ?? 'TLS'}: ${err.message}`;
  return `AsyncSocketException: SSL connect failed, type = SSL error, ${why}`;
}
