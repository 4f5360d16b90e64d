/**
 * Certificates for TLS tests, made by `openssl` once per test file into a temporary directory
 * (removed on exit): a test CA and a second, untrusted CA; server certificates for 127.0.0.1 and
 * `localhost`, one for a wrong name and one that expired yesterday, all signed by the test CA; a
 * client certificate for `--ssl-require-peer-certs`. P-256 keys, so making them is quick.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as file paths. */
export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

/** See the file comment. Every field is a file path. */
export interface TestCerts {
  readonly dir: string;
  /** The CA every certificate below is signed by. */
  readonly ca: string;
  /** A CA that signed nothing here (trusting it alone must fail verification). */
  readonly otherCa: string;
  /** SAN `IP:127.0.0.1`, `DNS:localhost`. */
  readonly server: CertPair;
  /** SAN `DNS:wrong.example` only. */
  readonly wrongName: CertPair;
  /** Like `server`, expired a day ago. */
  readonly expired: CertPair;
  /** A client certificate (CN `mcsidecar-test-client`). */
  readonly client: CertPair;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a fresh set of certificates (see the file comment). */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'mcsidecar-tls-'));
  process.on('exit', () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const path = (name: string): string => join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string): void => {
    openssl(
      ['req', '-x509', ...ecKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.pem`)].concat([
        '-days',
        '2',
        '-subj',
        `/CN=mcsidecar ${name}`,
      ]),
    );
  };
  makeCa('ca');
  makeCa('other-ca');
  const sign = (name: string, cn: string, san: string, days: number): CertPair => {
    openssl([
      'req',
      ...ecKey,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    ]);
    writeFileSync(path(`${name}.ext`), san === '' ? '' : `subjectAltName=${san}\n`);
    openssl(
      ['x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.pem'), '-CAkey', path('ca.key')]
        .concat(['-CAcreateserial', '-out', path(`${name}.pem`), '-days', String(days)])
        .concat(['-extfile', path(`${name}.ext`)]),
    );
    return { cert: path(`${name}.pem`), key: path(`${name}.key`) };
  };
  return {
    dir,
    ca: path('ca.pem'),
    otherCa: path('other-ca.pem'),
    server: sign('server', 'localhost', 'IP:127.0.0.1,DNS:localhost', 2),
    wrongName: sign('wrong-name', 'wrong.example', 'DNS:wrong.example', 2),
    expired: sign('expired', 'localhost', 'IP:127.0.0.1,DNS:localhost', -1),
    client: sign('client', 'mcsidecar-test-client', '', 2),
  };
}

/** memcached arguments that make it speak TLS only, with `pair` (Debian's memcached `-Z`). */
export function memcachedTlsArgs(pair: CertPair): string[] {
  return ['-Z', '-o', `ssl_chain_cert=${pair.cert},ssl_key=${pair.key}`];
}
