/**
 * The kernel's TCP socket tables (Linux `/proc/net/tcp` and `/proc/net/tcp6`), for the sidecar's
 * port check and for tests that count connections. Empty where they cannot be read (not Linux).
 */
import { readFile } from 'node:fs/promises';

/** TCP states as the tables show them (`include/net/tcp_states.h`), the ones we look for. */
export const TcpState = { Established: '01', Listen: '0A' } as const;

/** One socket of the table. Ports are numbers; `state` is the two-digit hex state. */
export interface TcpSocket {
  readonly localPort: number;
  readonly remotePort: number;
  readonly state: string;
  /** The socket's inode (`socket:[<inode>]` in `/proc/<pid>/fd`). */
  readonly inode: string;
}

/** Every TCP socket of this network namespace, IPv4 and IPv6. */
export async function tcpSockets(): Promise<TcpSocket[]> {
  const out: TcpSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      const remote = f[2];
      if (local === undefined || remote === undefined || f[3] === undefined || f[9] === undefined) continue;
      out.push({
        localPort: parseInt(local.slice(local.lastIndexOf(':') + 1), 16),
        remotePort: parseInt(remote.slice(remote.lastIndexOf(':') + 1), 16),
        state: f[3],
        inode: f[9],
      });
    }
  }
  return out;
}
