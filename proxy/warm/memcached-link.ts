/**
 * Connections to the memcached servers a warm or migration reads and writes: connect with a
 * timeout, `stats` / `stats settings` as a map, and the key enumeration (`lru_crawler metadump
 * all`, on a connection of its own: memcached refuses it after other pipelined commands).
 */
import net from 'node:net';
import { WarmError } from '../errors.js';
import type { ServerAddress } from '../config/server-address.js';
import type { KeyCatalog } from './key-catalog.js';
import { MetadumpReader } from './metadump.js';

/**
 * Opens a TCP (or unix socket) connection with TCP_NODELAY.
 * @param timeoutMs connect timeout, ms
 * @throws WarmError `MCR_ERR_WARM_SOURCE` when it cannot connect in time
 */
export function connect(addr: ServerAddress, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      addr.path !== null
        ? net.connect({ path: addr.path })
        : net.connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WarmError(`no connection within ${timeoutMs} ms`, 'MCR_ERR_WARM_SOURCE', addr.hostPort));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new WarmError(`cannot connect: ${err.code ?? err.message}`, 'MCR_ERR_WARM_SOURCE', addr.hostPort),
      );
    });
  });
}

/**
 * Reads chunks from `socket` into `consume` until it returns true.
 * @throws WarmError `MCR_ERR_WARM_SOURCE` when the connection fails or closes first, or after
 *   `timeoutMs` without data; errors thrown by `consume` propagate
 */
export function readUntil(
  socket: net.Socket,
  addr: ServerAddress,
  timeoutMs: number,
  consume: (chunk: Buffer) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (err: Error | null): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.setTimeout(0);
      if (err === null) resolve();
      else reject(err);
    };
    const onData = (chunk: Buffer): void => {
      try {
        if (consume(chunk)) finish(null);
      } catch (err) {
        finish(err as Error);
      }
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      finish(
        new WarmError(`connection failed: ${err.code ?? err.message}`, 'MCR_ERR_WARM_SOURCE', addr.hostPort),
      );
    };
    const onClose = (): void => {
      finish(new WarmError('connection closed by the server', 'MCR_ERR_WARM_SOURCE', addr.hostPort));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.setTimeout(timeoutMs, () => {
      finish(new WarmError(`no reply within ${timeoutMs} ms`, 'MCR_ERR_WARM_SOURCE', addr.hostPort));
    });
  });
}

/**
 * `stats` or `stats settings` as a name → value map (`memcached/proto_text.c`).
 * @param group '' for `stats`, or e.g. `settings`
 * @throws WarmError `MCR_ERR_WARM_SOURCE` when unreachable or not a memcached
 */
export async function readStats(
  addr: ServerAddress,
  group: string,
  timeoutMs: number,
): Promise<Map<string, string>> {
  const socket = await connect(addr, timeoutMs);
  const stats = new Map<string, string>();
  let text = '';
  try {
    socket.write(group === '' ? 'stats\r\n' : `stats ${group}\r\n`);
    await readUntil(socket, addr, timeoutMs, (chunk) => {
      text += chunk.toString('latin1');
      return text.endsWith('END\r\n') || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/m.test(text);
    });
  } finally {
    socket.destroy();
  }
  for (const line of text.split('\r\n')) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m !== null) stats.set(m[1] as string, m[2] as string);
  }
  if (!text.endsWith('END\r\n'))
    throw new WarmError(
      `"stats ${group}" failed: ${text.trim().slice(0, 80)}`,
      'MCR_ERR_WARM_SOURCE',
      addr.hostPort,
    );
  return stats;
}

/**
 * Lists every live key of a server into `catalog` with `lru_crawler metadump all`.
 * @param source the server's index (recorded with each key)
 * @param idleTimeoutMs longest wait for the next chunk of the dump, ms
 * @returns the number of keys listed
 * @throws WarmError `MCR_ERR_WARM_ENUM_REFUSED` / `_BUSY` / `MCR_ERR_WARM_SOURCE` (metadump.ts)
 */
export async function enumerateKeys(
  addr: ServerAddress,
  catalog: KeyCatalog,
  source: number,
  idleTimeoutMs: number,
): Promise<number> {
  const socket = await connect(addr, idleTimeoutMs);
  const reader = new MetadumpReader(catalog, source, addr.hostPort);
  try {
    socket.write('lru_crawler metadump all\r\n');
    await readUntil(socket, addr, idleTimeoutMs, (chunk) => reader.feed(chunk));
  } finally {
    socket.destroy();
  }
  return reader.listed;
}
