/**
 * The container health check: sends `version` and expects a `VERSION …` line, as a memcached
 * client's liveness probe would. Used by the image's HEALTHCHECK, the ECS `healthCheck` and the
 * Kubernetes probes (`docker/entrypoint healthcheck`).
 */
import { SidecarError } from '../errors.js';
import net from 'node:net';

/**
 * Sends `version\r\n` to `host:port` and resolves with the reply line (without CRLF).
 * @param timeoutMs the whole exchange, connect included, in ms
 * @throws SidecarError when the connection fails, closes early, times out, or the reply is not `VERSION …`
 */
export function probeVersion(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf = '';
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new SidecarError(`${host}:${port}: ${reason}`));
    };
    socket.setTimeout(timeoutMs, () => {
      fail(`no reply to version within ${timeoutMs} ms`);
    });
    socket.once('connect', () => socket.write('version\r\n'));
    socket.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const end = buf.indexOf('\r\n');
      if (end < 0) {
        if (buf.length > 1024) fail('reply line too long');
        return;
      }
      const line = buf.slice(0, end);
      socket.destroy();
      if (line.startsWith('VERSION ')) resolve(line);
      else reject(new SidecarError(`${host}:${port}: unexpected reply ${JSON.stringify(line)}`));
    });
    socket.once('error', (err) => {
      fail(err.message);
    });
    socket.once('close', () => {
      fail('connection closed before a reply');
    });
  });
}

/** What to probe: the served port on loopback, and memcached behind the proxy when it runs. */
export interface HealthTargets {
  readonly servePort: number;
  readonly memcached: { readonly host: string; readonly port: number } | null;
}

/**
 * Probes every target; resolves with one line per target (`<port>: VERSION …`). The proxy
 * answers `version` itself (as mcrouter does), so memcached behind it is probed separately.
 * @param timeoutMs per target, in ms
 * @throws Error from the first target that fails
 */
export async function checkHealth(targets: HealthTargets, timeoutMs: number): Promise<string[]> {
  const lines = [`${targets.servePort}: ${await probeVersion('127.0.0.1', targets.servePort, timeoutMs)}`];
  const mc = targets.memcached;
  if (mc !== null) lines.push(`${mc.port}: ${await probeVersion(mc.host, mc.port, timeoutMs)}`);
  return lines;
}
