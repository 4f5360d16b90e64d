/** Free loopback ports for test servers. */
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports handed out recently, one file each, shared by every test process on the machine: a port
 * is free when `freePort` picks it, but its user binds it only later (a spawned proxy, seconds
 * later on a loaded machine), and another test worker's `freePort` could be handed the same port
 * meanwhile (np run 1: a sidecar's proxy port taken by another file's memcached).
 */
const RESERVED_DIR = join(tmpdir(), 'mcsidecar-test-ports');
/** How long a handed-out port stays reserved, ms: longer than any start takes. */
const RESERVED_MS = 120_000;
const mine = new Set<string>();
process.on('exit', () => {
  for (const f of mine) {
    try {
      unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
});

/** Reserves `port` for this process; false when another test process reserved it recently. */
function reserve(port: number): boolean {
  mkdirSync(RESERVED_DIR, { recursive: true });
  const file = join(RESERVED_DIR, String(port));
  try {
    if (Date.now() - statSync(file).mtimeMs < RESERVED_MS) return false;
    unlinkSync(file);
  } catch {
    /* not reserved, or its stale reservation is gone */
  }
  try {
    closeSync(openSync(file, 'wx'));
  } catch {
    return false; // another process reserved it just now
  }
  mine.add(file);
  return true;
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now and that no other test process was
 * handed in the last two minutes (see RESERVED_DIR).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const a = srv.address();
        const port = typeof a === 'object' && a !== null ? a.port : 0;
        // Reserved while still bound: no other freePort can be handed it meanwhile.
        const ok = reserve(port);
        srv.close(() => {
          resolve(ok ? port : 0);
        });
      });
    });
    if (port !== 0) return port;
  }
}

/**
 * Resolves once something accepts TCP connections on `port` (retrying refused connects), or
 * rejects after `timeoutMs`.
 */
export async function waitForPort(port: number, timeoutMs = 30_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True when nothing accepts connections on `port` (127.0.0.1) right now. */
export function isPortClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => {
      resolve(true);
    });
  });
}
