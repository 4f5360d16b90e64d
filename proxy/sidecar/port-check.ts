/**
 * Before the sidecar starts a child on a port, the port must be free: otherwise the readiness
 * check would reach whoever holds it (an orphan memcached from a killed supervisor, another
 * sidecar) and report our memcached started. A held port fails the start with `PortInUseError`,
 * naming the port and, when this user may see it (Linux `/proc`), the process holding it.
 */
import net from 'node:net';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { McProxyError } from '../errors.js';
import { TcpState, tcpSockets } from '../util/proc-net-tcp.js';

/** A port the sidecar needs is already held; `holder` describes the process when known. */
export class PortInUseError extends McProxyError {
  constructor(
    readonly port: number,
    readonly role: string,
    readonly holder: string | null,
  ) {
    super(
      `port ${port} (${role}) is already in use${holder !== null ? ` by ${holder}` : ' by another process'}: stop it or choose another port`,
      'MCS_ERR_PORT_IN_USE',
    );
  }
}

/**
 * Resolves when `port` can be bound on `host` (undefined: every interface, IPv6 and IPv4, as
 * memcached without `-l` binds them); the test socket is closed again at once.
 * @param role what the port is for, in the error (`memcached`, `mcproxy`)
 * @throws PortInUseError when something listens there; other bind errors as they are
 */
export async function assertPortFree(port: number, host: string | undefined, role: string): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(port, role, await portHolder(port));
    throw err;
  }
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

/**
 * The process listening on TCP `port` (any address), as `pid <n> (<command line>)`, from Linux's
 * `/proc/net/tcp{,6}` and `/proc/<pid>/fd`; null when it cannot be seen (another user's process,
 * another network namespace, not Linux).
 */
export async function portHolder(port: number): Promise<string | null> {
  const inodes = new Set(
    (await tcpSockets())
      .filter((s) => s.state === TcpState.Listen && s.localPort === port)
      .map((s) => s.inode),
  );
  if (inodes.size === 0) return null;
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode === undefined || !inodes.has(inode)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const command = cmdline
        .split('\0')
        .filter((s) => s !== '')
        .join(' ');
      return `pid ${pid}${command !== '' ? ` (${command})` : ''}`;
    }
  }
  return null;
}
