/**
 * The TLS options as a whole: the destinations' connector built from them, and a start-up check
 * that reads every certificate file they name, so a typo stops `mcproxy` with exit 3 and a message
 * naming the option instead of failing destinations later (docs/tls.md).
 */
import { TlsConnector, type TlsClientOptions } from './tls-connector.js';
import { tlsListenerOptions, type TlsListenerOptions } from './tls-listener.js';

/** The options this file reads (a subset of ProxyOptions). */
export interface TlsOptions extends TlsClientOptions, TlsListenerOptions {
  /** `--ssl-port`. */
  readonly sslPorts: readonly number[];
}

/**
 * The connector for TLS destinations; the files it names are read now.
 * @throws TlsConfigError naming the option and file
 */
export function newTlsConnector(o: TlsClientOptions): TlsConnector {
  const connector = new TlsConnector(o);
  if (o.pemCertPath !== '' || o.pemKeyPath !== '' || o.pemCaPath !== '') connector.load();
  return connector;
}

/**
 * Reads and checks every certificate, key and CA file the options name.
 * @throws TlsConfigError naming the option, the file and the reason
 */
export function checkTlsOptions(o: TlsOptions): void {
  newTlsConnector(o);
  if (o.sslPorts.length > 0) tlsListenerOptions(o);
}
