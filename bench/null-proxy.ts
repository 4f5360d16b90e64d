/**
 * The cheapest memcached forwarder Node's public API allows, to measure what any Node proxy pays
 * per request before doing any work of its own: one backend connection per client connection,
 * bytes forwarded 1:1 with no parsing, no routing and no backpressure (the bench's load is a
 * closed loop with bounded depth). Client sockets are read through their Readable stream
 * (`'data'`: accepted sockets have no public `onread`), the backend socket through `onread` into
 * one shared buffer (each read is copied into a pooled Buffer before `socket.write`, as the
 * write may keep it), and both sides write with `socket.write`.
 *
 * `--client-read onread` reads accepted client sockets through `onread` as well, by re-wrapping
 * the accepted socket's handle in `new net.Socket({ handle, onread })`: the `handle` option is
 * Node-internal (what `net.Server` itself uses), so this mode shows what that internal path is
 * worth and is not part of the floor (mcproxy tried it for its clients and reverted it, see
 * docs/performance.md, session 5).
 *
 * ```sh
 * node dist/bench/null-proxy.js -p 22122 --backend 127.0.0.1:11211 [--client-read data|onread]
 * node dist/bench/run.js --targets mcproxy --proxy-cmd "node dist/bench/null-proxy.js -p {port} --backend {memcached}"
 * ```
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { hostPort } from './host-port.js';

const USAGE = `usage: node dist/bench/null-proxy.js -p PORT --backend HOST:PORT [--client-read data|onread]
  -p, --port PORT     loopback port to listen on
  --backend HOST:PORT the memcached every client connection is forwarded to
  --client-read MODE  'data' (Readable stream, public API; default) or 'onread' (Node-internal
                      handle option, for comparison; 'data' where this Node does not allow it)`;

/** One read buffer shared by every backend connection (reads are copied out before writing). */
const shared = Buffer.allocUnsafeSlow(64 * 1024);

/** One read buffer shared by every client connection in `--client-read onread` mode. */
const sharedClient = Buffer.allocUnsafeSlow(64 * 1024);

/** Connects `client` to the backend and forwards bytes both ways until either side closes. */
function forward(client: net.Socket, host: string, port: number): net.Socket {
  const backend = net.connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer: shared,
      callback: (n: number, buf: Uint8Array): boolean => {
        client.write(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    },
  });
  const close = (): void => {
    client.destroy();
    backend.destroy();
  };
  backend.on('error', close).on('close', close);
  client.on('error', close).on('close', close);
  return backend;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p' },
      backend: { type: 'string' },
      'client-read': { type: 'string', default: 'data' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true || values.port === undefined || values.backend === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = values.help === true ? 0 : 2;
    return;
  }
  const mode = values['client-read'];
  if (mode !== 'data' && mode !== 'onread') throw new Error(`--client-read must be 'data' or 'onread'`);
  const { host, port } = hostPort(values.backend);
  let warned = false;
  const server = net.createServer({ noDelay: true, pauseOnConnect: mode === 'onread' }, (accepted) => {
    // Node-internal: take the accepted handle over into a socket that reads through `onread`.
    const internal = accepted as unknown as { _handle: { useUserBuffer?: unknown } | null };
    const handle = internal._handle;
    if (mode === 'data' || typeof handle?.useUserBuffer !== 'function') {
      if (mode === 'onread' && !warned) {
        warned = true;
        process.stderr.write(
          "null-proxy: this Node's accepted sockets cannot be adopted; reading through 'data'\n",
        );
      }
      const backend = forward(accepted, host, port);
      accepted.on('data', (chunk: Buffer) => backend.write(chunk));
      accepted.resume();
      return;
    }
    internal._handle = null;
    let backend: net.Socket | null = null;
    const client = new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer: sharedClient,
        callback: (n: number, buf: Uint8Array): boolean => {
          backend?.write(Buffer.from(buf.subarray(0, n)));
          return true;
        },
      },
    } as net.SocketConstructorOpts);
    backend = forward(client, host, port);
  });
  server.listen(Number(values.port), '127.0.0.1');
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

main();
