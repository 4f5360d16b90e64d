/**
 * The sidecar supervisor killed outright (SIGKILL, an OOM kill): memcached and mcproxy must not
 * stay behind holding 11211/11212, and a new sidecar must refuse a port someone else holds
 * instead of taking the orphan for its own memcached (docs/running.md, "The sidecar").
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort, isPortClosed } from '../helpers/ports.js';
import { runTs, type Spawned } from '../helpers/process.js';

const MAIN = 'proxy/sidecar/main.ts';
const started: Spawned[] = [];
afterAll(() => {
  for (const p of started) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
});

function sidecar(proxyPort: number, mcPort: number): Spawned {
  const p = runTs(MAIN, [
    '-p',
    String(proxyPort),
    '--memcached-port',
    String(mcPort),
    '--listen-addresses',
    '127.0.0.1',
  ]);
  started.push(p);
  return p;
}

/** True while `pid` runs (a zombie waiting for its new parent to reap it counts as gone). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function pidsOf(p: Spawned, name: 'memcached' | 'mcproxy'): { guard: number; child: number } {
  const m = new RegExp(`"guardPid":(\\d+),"childPid":(\\d+),[^\\n]*"msg":"${name} started"`).exec(p.stderr);
  if (m === null) throw new Error(`no "${name} started" line in:\n${p.stderr}`);
  return { guard: Number(m[1]), child: Number(m[2]) };
}

test('SIGKILL of the supervisor: memcached, mcproxy and their guards are gone within 2 s', async () => {
  const [proxyPort, mcPort] = [await freePort(), await freePort()];
  const p = sidecar(proxyPort, mcPort);
  await p.waitForOutput('serving');
  const mc = pidsOf(p, 'memcached');
  const proxy = pidsOf(p, 'mcproxy');
  const pids = [mc.child, proxy.child, mc.guard, proxy.guard];
  for (const pid of pids) expect(await running(pid)).toBe(true);

  p.proc.kill('SIGKILL');
  await p.exited;
  const killedAt = Date.now();
  let left = pids;
  while (left.length > 0 && Date.now() - killedAt < 2000) {
    await new Promise((r) => setTimeout(r, 50));
    const still: number[] = [];
    for (const pid of left) if (await running(pid)) still.push(pid);
    left = still;
  }
  expect(left).toEqual([]);
  expect(await isPortClosed(mcPort)).toBe(true);
  expect(await isPortClosed(proxyPort)).toBe(true);
});

test('a memcached port held by another process: exit 1 naming the port and the holder', async () => {
  const orphan = await Memcached.start();
  try {
    const p = sidecar(await freePort(), orphan.port);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain(
      `port ${orphan.port} (memcached) is already in use by pid ${orphan.pid} (memcached `,
    );
    expect(p.stderr).not.toContain('memcached started');
    expect(p.stderr).toContain('MCS_ERR_PORT_IN_USE');
  } finally {
    await orphan.stop();
  }
});

test('a proxy port held by another process: exit 1 before memcached starts', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const held = (holder.address() as net.AddressInfo).port;
  try {
    const mcPort = await freePort();
    const p = sidecar(held, mcPort);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain(`port ${held} (mcproxy) is already in use by pid ${process.pid} (`);
    expect(p.stderr).not.toContain('memcached started');
    expect(await isPortClosed(mcPort)).toBe(true);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
