/**
 * confgen's errors, with stable codes like the proxy's (`McProxyError`).
 */
import { McProxyError } from '../proxy/errors.js';

/**
 * A discovery source failed (an AWS API error after the SDK's retries, a DNS or Auto Discovery
 * failure, a malformed reply). Nothing is written when one source fails.
 */
export class DiscoveryError extends McProxyError {
  constructor(
    /** The provider, e.g. `elasticache-auto-discovery:cfg.example:11211`. */
    readonly source: string,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(`${source}: ${message}`, options?.code ?? 'MCCONFGEN_ERR_DISCOVERY');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** A bad option or template (exit 2). */
export class ConfgenOptionError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCCONFGEN_ERR_OPTION');
  }
}

/**
 * An ElastiCache Auto Discovery reply (`config get cluster`) that does not parse; the provider
 * reports it as a DiscoveryError `malformed reply: <message>`.
 */
export class AutoDiscoveryReplyError extends McProxyError {
  constructor(message: string) {
    super(message, 'MCCONFGEN_ERR_AUTO_DISCOVERY_REPLY');
  }
}

/**
 * A discovery source returned a host name or address that is not a valid RFC 1123 name or IP
 * literal (`confgen/host-name.ts`): code `MCCONFGEN_ERR_INVALID_HOST`. Like any failed source,
 * nothing is written and the last good file stays. `value` is the offending text as received.
 */
export class InvalidHostError extends DiscoveryError {
  constructor(
    source: string,
    readonly field: string,
    readonly value: string,
  ) {
    super(
      source,
      `invalid ${field} ${JSON.stringify(value)} (expected an RFC 1123 host name or an IP address)`,
      { code: 'MCCONFGEN_ERR_INVALID_HOST' },
    );
  }
}
