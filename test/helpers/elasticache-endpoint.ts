/**
 * A fake ElastiCache configuration endpoint on a loopback port for tests: answers
 * `config get cluster` with the current payload (or `ERROR` when `legacyOnly`) and
 * `get AmazonElastiCache:cluster` with the same payload, written 7 bytes at a time so clients must
 * reassemble replies. Every command line is recorded. With `tls`, it speaks TLS only (an
 * ElastiCache cluster with in-transit encryption).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** A running fake endpoint. */
export interface FakeEndpoint {
  readonly port: number;
  readonly commands: string[];
  close(): Promise<void>;
}

/** Starts a fake endpoint; `payload()` is asked on every query (`<version>\n<host|ip|port …>\n`). */
export async function fakeEndpoint(opts: {
  payload: () => string;
  legacyOnly?: boolean;
  /** Certificate and key files (PEM): serve TLS. */
  tls?: { readonly cert: string; readonly key: string };
}): Promise<FakeEndpoint> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        commands.push(line);
        const body = Buffer.from(opts.payload(), 'utf8');
        let reply: Buffer;
        if (line === 'config get cluster') {
          reply = opts.legacyOnly
            ? Buffer.from('ERROR\r\n')
            : Buffer.concat([
                Buffer.from(`CONFIG cluster 0 ${body.length}\r\n`),
                body,
                Buffer.from('\r\nEND\r\n'),
              ]);
        } else if (line === 'get AmazonElastiCache:cluster') {
          reply = Buffer.concat([
            Buffer.from(`VALUE AmazonElastiCache:cluster 0 ${body.length}\r\n`),
            body,
            Buffer.from('\r\nEND\r\n'),
          ]);
        } else reply = Buffer.from('ERROR\r\n');
        for (let off = 0; off < reply.length; off += 7) socket.write(reply.subarray(off, off + 7));
      }
    });
  };
  const server =
    opts.tls !== undefined
      ? tls.createServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, onSocket)
      : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A cluster payload: `<version>\n<host|10.0.i.1|port> …\n` (hosts as `host` or `host:port`). */
export function clusterPayload(version: number, hosts: readonly string[]): string {
  return `${version}\n${hosts
    .map((h, i) => {
      const [name, port] = h.includes(':') ? h.split(':') : [h, '11211'];
      return `${name}|10.0.${i}.1|${port}`;
    })
    .join(' ')}\n`;
}
