/**
 * Reads the PEM files TLS options name (`--pem-cert-path`, `--server-pem-key-path` …), with an
 * error that says which option, which path and why.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { TlsConfigError } from '../errors.js';

/**
 * The contents of `path`, which must hold at least one PEM block.
 * @param option the option that named it, e.g. `--pem-ca-path` (for the error message)
 * @throws TlsConfigError `--pem-ca-path /x: cannot read (ENOENT)` or `…: no PEM block in the file`
 */
export function readPemFile(path: string, option: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlsConfigError(`${option} ${path}: cannot read (${e.code ?? e.message})`);
  }
  if (!data.includes('-----BEGIN ')) throw new TlsConfigError(`${option} ${path}: no PEM block in the file`);
  return data;
}

/**
 * `tls.createSecureContext` with OpenSSL's complaint (a key that does not match its certificate,
 * a malformed PEM) turned into a TlsConfigError naming `options`.
 * @throws TlsConfigError
 */
export function secureContextFrom(parts: tls.SecureContextOptions, options: string): tls.SecureContext {
  try {
    return tls.createSecureContext(parts);
  } catch (err) {
    throw new TlsConfigError(`${options}: ${(err as Error).message}`);
  }
}
