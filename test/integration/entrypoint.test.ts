/**
 * The container entrypoint (`docker/entrypoint`, the shell script the image runs) for real,
 * without Docker: it execs the Node launcher, which runs Debian's memcached and, with
 * MCROUTER_ENABLED=yes, mcproxy in front of it. Both modes; each child killed in turn.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/config.js';
import { freePort, isPortClosed, waitForPort } from '../helpers/ports.js';
import { Spawned } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';

const ENTRYPOINT = join(REPO_ROOT, 'docker/entrypoint');
const dir = mkdtempSync(join(tmpdir(), 'mcsidecar-entrypoint-'));
const started: Spawned[] = [];

afterAll(() => {
  for (const p of started) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
});

/**
 * Runs docker/entrypoint from the checkout with the built launcher (dist/; under tsx every node
 * process it starts transpiled the proxy first, which outlasted the test timeout on a loaded
 * machine).
 */
function entrypoint(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const p = new Spawned(
    spawn(ENTRYPOINT, args, {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MCSIDECAR_LAUNCHER: join(REPO_ROOT, 'dist/proxy/sidecar/entrypoint.js'),
        MCSIDECAR_STOP_TIMEOUT_MS: '5000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  started.push(p);
  return p;
}

async function childPid(p: Spawned, name: 'memcached' | 'mcproxy'): Promise<number> {
  const re = new RegExp(`"childPid":(\\d+),"port":\\d+,[^\\n]*"msg":"${name} started"`);
  await p.waitForOutput(re);
  return Number(re.exec(p.stderr)?.[1]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stat(port: number, group: string, name: string): Promise<string | undefined> {
  const c = await RawClient.connect(port);
  c.send(`stats ${group}\r\n`);
  const text = await c.readUntil('END\r\n');
  c.close();
  return new RegExp(`STAT ${name} (\\S+)`).exec(text)?.[1];
}

/** The local address a TCP port is listening on, from /proc/net/tcp (hex `IP:PORT`). */
function listenAddress(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A') return f[1];
  }
  return undefined;
}

describe('memcached alone (MCROUTER_ENABLED unset)', () => {
  test('docker run IMAGE -m 64: memcached serves the port with -m 64; killing it exits 1', async () => {
    const port = await freePort();
    const p = entrypoint(['-m', '64'], { MCROUTER_PORT: String(port) });
    const pid = await childPid(p, 'memcached');
    expect(await stat(port, 'settings', 'maxbytes')).toBe(String(64 * 1024 * 1024));
    expect(p.stderr).not.toContain('mcproxy started');
    process.kill(pid, 'SIGKILL');
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.stderr).toContain('memcached exited; stopping the sidecar');
  });

  test('"memcached" as the command and MEMCACHED_MEMORY_MB; SIGTERM exits 0 and stops memcached', async () => {
    const port = await freePort();
    const p = entrypoint(['memcached', '-c', '512'], {
      MCROUTER_PORT: String(port),
      MEMCACHED_MEMORY_MB: '32',
    });
    const pid = await childPid(p, 'memcached');
    expect(await stat(port, 'settings', 'maxbytes')).toBe(String(32 * 1024 * 1024));
    expect(await stat(port, 'settings', 'maxconns')).toBe('512');
    p.proc.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
    expect(await isPortClosed(port)).toBe(true);
  });

  test('healthcheck: exit 0 with the VERSION line when memcached answers, 1 when nothing listens', async () => {
    const port = await freePort();
    const p = entrypoint(['-m', '16'], { MCROUTER_PORT: String(port) });
    await childPid(p, 'memcached');
    const ok = entrypoint(['healthcheck'], { MCROUTER_PORT: String(port) });
    expect((await ok.exited).code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^${port}: VERSION \\d+\\.\\d+`));
    p.proc.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    const bad = entrypoint(['healthcheck'], { MCROUTER_PORT: String(port) });
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr).toContain(`unhealthy: 127.0.0.1:${port}`);
  });
});

describe('memcached behind the proxy (MCROUTER_ENABLED=yes)', () => {
  async function startBoth(extraEnv: Record<string, string> = {}): Promise<{
    p: Spawned;
    proxyPort: number;
    mcPort: number;
    mcPid: number;
    proxyPid: number;
  }> {
    const [proxyPort, mcPort] = [await freePort(), await freePort()];
    const config = join(dir, `mcrouter-${proxyPort}.conf`);
    writeFileSync(
      config,
      JSON.stringify({ pools: { local: { servers: [`127.0.0.1:${mcPort}`] } }, route: 'PoolRoute|local' }),
    );
    const p = entrypoint(['-m', '64'], {
      MCROUTER_ENABLED: 'yes',
      MCROUTER_PORT: String(proxyPort),
      MEMCACHED_PORT: String(mcPort),
      MCROUTER_CONFIG: `file:${config}`,
      MCROUTER_ARGS: '--listen-addresses 127.0.0.1',
      ...extraEnv,
    });
    const mcPid = await childPid(p, 'memcached');
    const proxyPid = await childPid(p, 'mcproxy');
    await p.waitForOutput('serving');
    await waitForPort(proxyPort);
    return { p, proxyPort, mcPort, mcPid, proxyPid };
  }

  test('the proxy serves the port; memcached moves to MEMCACHED_PORT on 0.0.0.0 with the given args', async () => {
    const { p, proxyPort, mcPort, mcPid, proxyPid } = await startBoth();
    const c = await RawClient.connect(proxyPort);
    expect(await c.call('set ep 0 0 2\r\nok\r\n', 'STORED\r\n')).toBe('STORED\r\n');
    c.close();
    // The value is in the memcached behind the proxy, which runs with -m 64 …
    const d = await RawClient.connect(mcPort);
    expect(await d.call('get ep\r\n', 'VALUE ep 0 2\r\nok\r\nEND\r\n')).toBe('VALUE ep 0 2\r\nok\r\nEND\r\n');
    d.close();
    expect(await stat(mcPort, 'settings', 'maxbytes')).toBe(String(64 * 1024 * 1024));
    // … and listens on every interface (peers and linked containers reach it), while MCROUTER_ARGS
    // put the proxy on loopback only.
    expect(listenAddress(mcPort)).toBe(`00000000:${mcPort.toString(16).toUpperCase().padStart(4, '0')}`);
    expect(listenAddress(proxyPort)?.startsWith('0100007F:')).toBe(true);

    const hc = entrypoint(['healthcheck'], {
      MCROUTER_ENABLED: 'yes',
      MCROUTER_PORT: String(proxyPort),
      MEMCACHED_PORT: String(mcPort),
    });
    expect((await hc.exited).code).toBe(0);
    expect(hc.stdout).toMatch(new RegExp(`^${proxyPort}: VERSION \\S+ mcrouter\\n${mcPort}: VERSION `));

    // SIGTERM is forwarded: the proxy shuts down first, then memcached; exit 0.
    p.proc.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stderr).toMatch(/"name":"mcproxy"[^\n]*"reason":"SIGTERM"[^\n]*"msg":"shutting down"/);
    expect(alive(mcPid)).toBe(false);
    expect(alive(proxyPid)).toBe(false);
  });

  test('memcached killed: the proxy is stopped and the entrypoint exits 1', async () => {
    const { p, proxyPort, mcPid, proxyPid } = await startBoth();
    process.kill(mcPid, 'SIGKILL');
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.stderr).toContain('memcached exited; stopping the sidecar');
    expect(alive(proxyPid)).toBe(false);
    expect(await isPortClosed(proxyPort)).toBe(true);
  });

  test('the proxy killed: memcached is stopped and the entrypoint exits 1', async () => {
    const { p, mcPort, mcPid, proxyPid } = await startBoth();
    process.kill(proxyPid, 'SIGKILL');
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.stderr).toContain('mcproxy exited; stopping the sidecar');
    expect(alive(mcPid)).toBe(false);
    expect(await isPortClosed(mcPort)).toBe(true);
  });

  test('MCROUTER_CONFIG defaults to file:/usr/local/etc/mcrouter.conf (the seed path)', async () => {
    const [proxyPort, mcPort] = [await freePort(), await freePort()];
    const p = entrypoint([], {
      MCROUTER_ENABLED: 'true',
      MCROUTER_PORT: String(proxyPort),
      MEMCACHED_PORT: String(mcPort),
    });
    // No config there on a development machine: the proxy refuses to start, so the sidecar stops.
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain('/usr/local/etc/mcrouter.conf');
    expect(p.stderr).toContain('mcproxy exited; stopping the sidecar');
  });
});

describe('other commands and bad input', () => {
  test('any other command is exec-ed as given (same process, its exit code)', async () => {
    const p = entrypoint(['sh', '-c', 'echo "pid=$$ args=$0"; exit 7', 'x']);
    expect((await p.exited).code).toBe(7);
    expect(p.stdout).toBe(`pid=${p.proc.pid} args=x\n`);
  });

  test('a bad variable exits 3 and names it', async () => {
    const p = entrypoint(['-m', '64'], { MCROUTER_ENABLED: 'maybe' });
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain('MCROUTER_ENABLED: expected yes or no');
  });

  test('a memcached port flag is refused with a pointer to the variables', async () => {
    const p = entrypoint(['-p', '1234']);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain('memcached option -p is set by the container: use MCROUTER_PORT');
  });
});
