/**
 * Error classes with stable codes (undici style). Protocol problems never throw in the hot path;
 * these are for configuration, options and start-up.
 */

/** Base class: every error of ours carries a stable `code`. */
export class McProxyError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A config problem. `path` is the JSON path of the offending value (e.g.
 * `route.operation_policies.set.children[0]`), `reason` what is wrong; the message is
 * `<path>: <reason>`.
 */
export class ConfigError extends McProxyError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`, 'MCR_ERR_CONFIG');
  }
}

/** A bad command-line option (mcrouter exits 3 for these). */
export class OptionError extends McProxyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'MCR_ERR_OPTION', options);
  }
}

/** The asynclog spool cannot be read or written (replay). */
export class AsynclogError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCR_ERR_ASYNCLOG');
  }
}

/**
 * A prewarm or migration could not run (`proxy/warm/`). Codes:
 * - `MCR_ERR_WARM_ENUM_REFUSED`: the source refused `lru_crawler metadump` (crawler disabled,
 *   dumping disabled, or an older memcached / ElastiCache without the command).
 * - `MCR_ERR_WARM_ENUM_BUSY`: the source's LRU crawler is busy with another crawl (try again).
 * - `MCR_ERR_WARM_SOURCE`: a source or destination could not be reached, closed, or replied with
 *   something other than the meta protocol (memcached < 1.6).
 * - `MCR_ERR_WARM_NO_PEER`: `--from peers` found no reachable peer holding any item.
 * `server` is the `host:port` concerned.
 */
export class WarmError extends McProxyError {
  constructor(
    message: string,
    code:
      'MCR_ERR_WARM_ENUM_REFUSED' | 'MCR_ERR_WARM_ENUM_BUSY' | 'MCR_ERR_WARM_SOURCE' | 'MCR_ERR_WARM_NO_PEER',
    readonly server: string,
  ) {
    super(`${server}: ${message}`, code);
  }
}

/**
 * A TLS certificate, key or CA file named by an option (`--pem-cert-path` …) cannot be read or
 * used; the message names the option, the path and the reason.
 */
export class TlsConfigError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCR_ERR_TLS_CONFIG');
  }
}

/**
 * A bad `get __mcrouter__.<command>` (unknown command, wrong arguments). Its message is the text
 * after `ERROR: ` in the reply (`mcrouter/ServiceInfo.cpp`).
 */
export class AdminCommandError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCR_ERR_ADMIN_COMMAND');
  }
}

/** mcsidecar could not start or keep its children (memcached, mcproxy) running. */
export class SidecarError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCR_ERR_SIDECAR');
  }
}
