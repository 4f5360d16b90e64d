/**
 * Reads accepted client connections through `onread` instead of their Readable stream, when this
 * Node allows it (`clientReadMode`). Node's public `onread` option exists only for sockets it
 * connects (`net.connect`); an accepted socket reads through its stream: per read a fresh 64 KiB
 * allocation shrunk to the bytes read, a Buffer, the stream's `push`, a `'data'` emit and its
 * bookkeeping. `adoptClient` moves the accepted socket's handle into a new `net.Socket` built with
 * `onread` (`new net.Socket({ handle, onread })`: the `handle` option is Node-internal; it is
 * what `net.Server` itself passes, `lib/net.js` `onconnection`), so every read lands in one
 * buffer shared by all client connections and no stream machinery runs per read.
 *
 * The shared buffer is reused by the next read, so a read is copied out before the session sees
 * it (`copyRead`): into Node's Buffer pool when short (a request or a few), else into a buffer of
 * its own size. The session's parser keeps views of its chunks (keys, values, partial requests)
 * as it did with stream chunks, so the parser, the input queue and the memory accounting
 * (`heldBytes` counts the chunks' backing stores) are unchanged; nothing ever refers to the
 * shared buffer after the read callback returns.
 *
 * Node internals are used only behind a feature test (`probeClientOnread`: a loopback connection
 * accepted, adopted, read and answered at startup); if anything about them differs (Node 22/24
 * changed `lib/net.js`), or with `MCPROXY_CLIENT_READ=stream` in the environment, clients read
 * through the public `'data'` path as before. TLS listeners always read through their stream.
 * memcached reads each connection into its read buffer the same way (`memcached/memcached.c`,
 * `try_read_network`).
 */
import net, { type OnReadOpts } from 'node:net';
import { once } from 'node:events';

/** How accepted plain-TCP client connections are read. */
export type ClientReadMode = 'onread' | 'stream';

/** Size of the shared read buffer, bytes (what Node reads into per `'data'` chunk). */
const READ_BUFFER_BYTES = 64 * 1024;

/** The read buffer shared by every adopted client connection (see the file comment). */
const shared = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

/** Reads shorter than this (bytes) are copied into Node's Buffer pool (`Buffer.allocUnsafe`). */
const POOLED_BELOW = Buffer.poolSize >>> 1;

/** The Node-internal fields `adoptClient` uses (see the file comment). */
interface InternalSocket {
  _handle: { readStart?: unknown; useUserBuffer?: unknown } | null;
  _server: net.Server | null;
  server: net.Server | null;
}

/**
 * A copy of `buf[0, n)` that outlives the read (`buf` is the shared read buffer).
 * Short reads come from Node's Buffer pool (a view of an 8 KiB slab, counted whole by
 * `heldBytes` while kept); longer ones get a buffer of exactly `n` bytes.
 */
export function copyRead(buf: Uint8Array, n: number): Buffer {
  const out = n < POOLED_BELOW ? Buffer.allocUnsafe(n) : Buffer.allocUnsafeSlow(n);
  out.set(buf.subarray(0, n));
  return out;
}

/**
 * The `onread` option for one client connection: each read is copied out of the shared buffer
 * (`copyRead`) and handed to `onChunk`, which may keep it.
 */
export function clientOnread(onChunk: (chunk: Buffer) => void): OnReadOpts {
  return {
    buffer: shared,
    callback: (n: number, buf: Uint8Array): boolean => {
      onChunk(copyRead(buf, n));
      return true;
    },
  };
}

/**
 * Moves the handle of `accepted` (accepted by a server created with `pauseOnConnect`, not read
 * yet) into a new socket that reads through `onread`. The new socket replaces `accepted`, which
 * must not be used afterwards; it counts in its server's connections as `accepted` did.
 * @returns the new socket, or null when `accepted` has no handle that can read into a user
 *   buffer (then `accepted` is unchanged)
 */
export function adoptClient(
  accepted: net.Socket,
  onread: OnReadOpts,
  allowHalfOpen: boolean,
): net.Socket | null {
  const old = accepted as unknown as InternalSocket;
  const handle = old._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function' || typeof handle.readStart !== 'function')
    return null;
  const server = old._server;
  old._handle = null;
  old._server = null;
  const socket = new net.Socket({
    handle,
    allowHalfOpen,
    readable: true,
    writable: true,
    onread,
  } as net.SocketConstructorOpts);
  const adopted = socket as unknown as InternalSocket;
  adopted._server = server;
  adopted.server = server;
  return socket;
}

/**
 * The feature test: accepts a loopback connection on a `pauseOnConnect` server, adopts it
 * (`adoptClient`), and checks that bytes sent by the client arrive through the callback, that a
 * write reaches the client and that the client's FIN is seen as `'end'`. Never throws.
 * @param timeoutMs how long the exchange may take before the test counts as failed
 */
export async function probeClientOnread(timeoutMs = 5000): Promise<boolean> {
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  const exchange = async (): Promise<boolean> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect(port, '127.0.0.1');
    sockets.push(client);
    client.on('error', () => undefined);
    const [socket] = await accepted;
    let got = '';
    let onGot: () => void = () => undefined;
    const gotAll = new Promise<void>((resolve) => (onGot = resolve));
    const adopted = adoptClient(
      socket,
      clientOnread((chunk) => {
        got += chunk.toString('latin1');
        if (got === 'ping') onGot();
      }),
      true,
    );
    if (adopted === null) return false;
    sockets.push(adopted);
    adopted.on('error', () => undefined);
    const ended = once(adopted, 'end');
    const echoed = once(client, 'data') as Promise<[Buffer]>;
    client.end('ping');
    await gotAll;
    await ended;
    adopted.end('pong');
    const [reply] = await echoed;
    return reply.toString('latin1') === 'pong';
  };
  try {
    return await Promise.race([exchange(), deadline]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    server.close();
  }
}

let probed: Promise<boolean> | null = null;

/**
 * How this process reads accepted plain-TCP clients: `'onread'` when the feature test passes
 * (run once per process), `'stream'` when it fails or when `MCPROXY_CLIENT_READ=stream` is set.
 */
export async function clientReadMode(): Promise<ClientReadMode> {
  if (process.env.MCPROXY_CLIENT_READ === 'stream') return 'stream';
  probed ??= probeClientOnread();
  return (await probed) ? 'onread' : 'stream';
}
