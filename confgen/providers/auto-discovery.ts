/**
 * ElastiCache Auto Discovery (docs/confgen.md): ask the cluster's configuration endpoint for the
 * node list with `config get cluster`, or, when the engine answers `ERROR` (memcached < 1.4.14),
 * with `get AmazonElastiCache:cluster`. Needs no IAM permission, only network access to the
 * endpoint.
 *
 * Reply: `CONFIG cluster <flags> <length>\r\n` (or `VALUE AmazonElastiCache:cluster <flags>
 * <length>\r\n`), then exactly `<length>` bytes of payload, then `\r\nEND\r\n`. The payload is two
 * LF-terminated lines: the config version, then space-separated `hostname|ip|port` entries (the IP
 * may be empty). It is parsed by its declared length and by position, never by matching lines
 * against a pattern: TLS clusters' host names start with digits (`0001.mycluster…`), which broke
 * clients that took any line starting with a digit for the version.
 *
 * Every node's host name (and IP, when shown) must be an RFC 1123 name or an IP literal
 * (`confgen/host-name.ts`); one that is not fails the source with `InvalidHostError`.
 *
 * A version lower than the highest one seen is ignored (stale node answered); the last good list
 * is returned instead, as AWS's Java cluster client does.
 *
 * With `tls` (a cluster created with in-transit encryption, `--elasticache-tls`), the endpoint is
 * asked over TLS, its certificate verified against `ca` (default: Node's bundled roots, which hold
 * the Amazon Root CAs) and its name, and the nodes come back as TLS server strings
 * (`host:port:ascii:ssl`, docs/tls.md).
 */
import net from 'node:net';
import tls from 'node:tls';
import { AutoDiscoveryReplyError, DiscoveryError } from '../errors.js';
import { checkedHost, isValidIp } from '../host-name.js';
import { hostPort, tlsServer } from '../topology.js';
import { log } from '../../proxy/logger.js';
import type { ServerProvider } from './provider.js';

/** One node of the cluster config. */
export interface ClusterNode {
  readonly host: string;
  /** '' when the IP is not shown. */
  readonly ip: string;
  readonly port: number;
}

/** A parsed cluster config. */
export interface ClusterConfig {
  readonly version: number;
  readonly nodes: readonly ClusterNode[];
}

/** What `parseClusterReply` found in the bytes so far. */
export type ParsedReply =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'config'; readonly config: ClusterConfig; readonly consumed: number }
  /** `ERROR` / `CLIENT_ERROR …` / `SERVER_ERROR …`: the command is not supported. */
  | { readonly kind: 'error'; readonly line: string; readonly consumed: number }
  /** `END` alone: the legacy key does not exist. */
  | { readonly kind: 'missing'; readonly consumed: number };

const CRLF = Buffer.from('\r\n');
const TRAILER = Buffer.from('\r\nEND\r\n');
const LEGACY_KEY = 'AmazonElastiCache:cluster';

/**
 * Parses the reply to `config get cluster` or `get AmazonElastiCache:cluster` from the start of
 * `buf`.
 * @throws AutoDiscoveryReplyError with the reason
 */
export function parseClusterReply(buf: Buffer): ParsedReply {
  const eol = buf.indexOf(CRLF);
  if (eol < 0) {
    if (buf.length > 1024) throw new AutoDiscoveryReplyError('reply line longer than 1024 bytes');
    return { kind: 'incomplete' };
  }
  const line = buf.toString('latin1', 0, eol);
  const headerEnd = eol + 2;
  if (line === 'ERROR' || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR')) {
    return { kind: 'error', line, consumed: headerEnd };
  }
  if (line === 'END') return { kind: 'missing', consumed: headerEnd };
  const tokens = line.split(' ');
  const isConfig = tokens[0] === 'CONFIG' && tokens[1] === 'cluster';
  const isValue = tokens[0] === 'VALUE' && tokens[1] === LEGACY_KEY;
  if ((!isConfig && !isValue) || tokens.length !== 4)
    throw new AutoDiscoveryReplyError(`unexpected reply line ${JSON.stringify(line)}`);
  const length = Number(tokens[3]);
  if (!Number.isSafeInteger(length) || length < 0 || !/^\d+$/.test(tokens[3] ?? '')) {
    throw new AutoDiscoveryReplyError(`bad length in ${JSON.stringify(line)}`);
  }
  const end = headerEnd + length;
  if (buf.length < end + TRAILER.length) return { kind: 'incomplete' };
  if (!buf.subarray(end, end + TRAILER.length).equals(TRAILER)) {
    throw new AutoDiscoveryReplyError(`payload of ${length} bytes is not followed by \\r\\nEND\\r\\n`);
  }
  const config = parseClusterPayload(buf.toString('utf8', headerEnd, end));
  return { kind: 'config', config, consumed: end + TRAILER.length };
}

/**
 * Parses the payload: `<version>\n<host|ip|port> <host|ip|port> …\n`.
 * @throws AutoDiscoveryReplyError with the reason
 */
export function parseClusterPayload(payload: string): ClusterConfig {
  const lines = payload.split('\n');
  if (lines.length !== 3 || lines[2] !== '') {
    throw new AutoDiscoveryReplyError(
      `expected 2 LF-terminated lines in the payload, got ${JSON.stringify(payload)}`,
    );
  }
  const versionText = lines[0] as string;
  if (!/^\d{1,15}$/.test(versionText))
    throw new AutoDiscoveryReplyError(`bad config version ${JSON.stringify(versionText)}`);
  const entries = (lines[1] as string).split(/\s+/).filter((e) => e !== '');
  if (entries.length === 0) throw new AutoDiscoveryReplyError('the node list is empty');
  const nodes = entries.map((entry): ClusterNode => {
    const first = entry.indexOf('|');
    const last = entry.lastIndexOf('|');
    if (first < 1 || first === last)
      throw new AutoDiscoveryReplyError(`bad node entry ${JSON.stringify(entry)}`);
    const portText = entry.slice(last + 1);
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
      throw new AutoDiscoveryReplyError(`bad port in node entry ${JSON.stringify(entry)}`);
    }
    return { host: entry.slice(0, first), ip: entry.slice(first + 1, last), port };
  });
  return { version: Number(versionText), nodes };
}

/** Options of `AutoDiscoveryProvider`. */
export interface AutoDiscoveryOptions {
  /** The configuration endpoint. */
  readonly host: string;
  readonly port: number;
  /** Connect + reply timeout, ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Talk TLS to the endpoint and emit TLS nodes. Default false. */
  readonly tls?: boolean;
  /** PEM CA certificates to verify the endpoint against (with `tls`); default Node's bundled roots. */
  readonly ca?: Buffer;
}

/** See the file comment. */
export class AutoDiscoveryProvider implements ServerProvider {
  readonly name: string;
  private lastVersion = -1;
  private lastNodes: string[] = [];
  /** Set once the endpoint answered `ERROR` to `config get cluster`. */
  private legacy = false;

  constructor(private readonly opts: AutoDiscoveryOptions) {
    this.name = `elasticache-auto-discovery:${hostPort(opts.host, opts.port)}`;
  }

  /** The highest config version applied so far (-1 before the first). */
  get version(): number {
    return this.lastVersion;
  }

  async list(): Promise<string[]> {
    const config = await this.fetch();
    if (config.version < this.lastVersion) {
      log.warn(
        { source: this.name, version: config.version, lastVersion: this.lastVersion },
        'stale cluster config (lower version than already seen); keeping the last node list',
      );
      return [...this.lastNodes];
    }
    const nodes = config.nodes.map((n) => {
      const host = checkedHost(this.name, 'node host name', n.host);
      if (n.ip !== '') checkedHost(this.name, `IP address of node ${host}`, n.ip, isValidIp);
      return this.opts.tls === true ? tlsServer(hostPort(host, n.port)) : hostPort(host, n.port);
    });
    this.lastVersion = config.version;
    this.lastNodes = nodes;
    return [...this.lastNodes];
  }

  /** One query on a fresh connection: `config get cluster`, falling back to the legacy key. */
  private fetch(): Promise<ClusterConfig> {
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    return new Promise<ClusterConfig>((resolve, reject) => {
      const { host, port } = this.opts;
      const socket =
        this.opts.tls === true
          ? tls.connect({
              host,
              port,
              ...(net.isIP(host) === 0 ? { servername: host } : {}),
              ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
            })
          : net.connect({ host, port });
      let buf: Buffer = Buffer.alloc(0);
      let settled = false;
      const finish = (failure: string | null, config?: ClusterConfig): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (failure !== null) reject(new DiscoveryError(this.name, failure));
        else resolve(config as ClusterConfig);
      };
      const timer = setTimeout(() => {
        finish(`no complete reply within ${timeoutMs} ms`);
      }, timeoutMs);
      const ask = (): void => {
        socket.write(this.legacy ? `get ${LEGACY_KEY}\r\n` : 'config get cluster\r\n');
      };
      socket.once(this.opts.tls === true ? 'secureConnect' : 'connect', ask);
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        let parsed: ParsedReply;
        try {
          parsed = parseClusterReply(buf);
        } catch (err) {
          finish(`malformed reply: ${(err as Error).message}`);
          return;
        }
        switch (parsed.kind) {
          case 'incomplete':
            return;
          case 'config':
            finish(null, parsed.config);
            return;
          case 'error':
            if (this.legacy) {
              finish(`get ${LEGACY_KEY} failed: ${parsed.line}`);
              return;
            }
            log.info(
              { source: this.name, reply: parsed.line },
              'config get cluster not supported; using the legacy key',
            );
            this.legacy = true;
            buf = buf.subarray(parsed.consumed);
            ask();
            return;
          case 'missing':
            finish(`${LEGACY_KEY} is not set: not an ElastiCache configuration endpoint?`);
            return;
        }
      });
      socket.on('error', (err: Error) => {
        finish(`connection failed: ${err.message}`);
      });
      socket.on('close', () => {
        finish('connection closed before a complete reply');
      });
    });
  }
}
