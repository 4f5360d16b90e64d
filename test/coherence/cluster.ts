/**
 * A simulated fleet for the coherence harness: one central memcached and N instances, each a real
 * `mcproxy` process (`dist/proxy/cli.js`) with its own local memcached, routed by a confgen
 * template exactly as `mcconfgen` renders it (every instance's memcached is a peer; this instance's
 * is also `local`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Memcached } from '../helpers/memcached.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { REPO_ROOT } from '../helpers/config.js';
import { resolveTemplate } from '../../confgen/templates/index.js';
import type { Topology } from '../../confgen/topology.js';
import { PROXY_NODE_FLAGS } from '../../proxy/node-flags.js';

/** One simulated instance. */
export interface Instance {
  readonly index: number;
  /** This instance's local memcached (also its entry in the peer list). */
  readonly local: Memcached;
  /** The mcproxy process. */
  readonly proxy: ChildProcess;
  /** The port the proxy listens on. */
  readonly port: number;
}

/** How to build the fleet. */
export interface ClusterOptions {
  /** Number of instances. */
  readonly instances: number;
  /**
   * A built-in template name (`seed`, `coherent`), or a function from topology to an mcrouter
   * config (to measure variants).
   */
  readonly template: string | ((t: Topology, localTtl: number) => unknown);
  /** `--local-ttl`, seconds. */
  readonly localTtl: number;
  /** Extra mcproxy flags. */
  readonly proxyArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** See the file comment. */
export class Cluster {
  private constructor(
    readonly central: Memcached,
    readonly instances: readonly Instance[],
    private readonly dir: string,
  ) {}

  /** Starts central, the local memcacheds and the proxies; resolves once every proxy listens. */
  static async start(o: ClusterOptions): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'mc-coherence-'));
    const [central, ...locals] = await Promise.all(
      Array.from({ length: o.instances + 1 }, () => Memcached.start(['-m', '64'])),
    );
    const peers = locals.map((m) => m.address);
    // A few proxies at a time: twenty node processes starting at once on a small machine take
    // longer than any start-up timeout.
    const instances: Instance[] = [];
    for (let from = 0; from < locals.length; from += 4) {
      const batch = locals.slice(from, from + 4).map(async (local, i): Promise<Instance> => {
        const index = from + i;
        const topology: Topology = { local: local.address, peers, central: [(central as Memcached).address] };
        const config =
          typeof o.template === 'string'
            ? resolveTemplate(o.template).render(topology, { localTtl: o.localTtl })
            : o.template(topology, o.localTtl);
        const path = join(dir, `instance-${index}.json`);
        writeFileSync(path, JSON.stringify(config));
        const port = await freePort();
        const args = [
          ...PROXY_NODE_FLAGS,
          join(REPO_ROOT, 'dist/proxy/cli.js'),
          '-p',
          String(port),
          '--listen-addresses',
          '127.0.0.1',
          '--config',
          `file:${path}`,
          '--config-dump-root',
          join(dir, `dump-${index}`),
          '--asynclog-disable',
          // A paused peer comes back within the run: probe it soon.
          '--probe-timeout-initial',
          '200',
          '--probe-timeout-max',
          '500',
          ...(o.proxyArgs ?? []),
        ];
        const proxy = spawn(process.execPath, args, {
          // TKO marks and recoveries are expected here; the checker reports what matters.
          stdio: 'ignore',
        });
        live.add(proxy);
        proxy.once('exit', () => live.delete(proxy));
        await waitForPort(port, 60_000);
        return { index, local, proxy, port };
      });
      instances.push(...(await Promise.all(batch)));
    }
    return new Cluster(central as Memcached, instances, dir);
  }

  /** Stops every process and removes the config files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.instances.map(
        (i) =>
          new Promise<void>((resolve) => {
            if (i.proxy.exitCode !== null || i.proxy.signalCode !== null) {
              resolve();
              return;
            }
            i.proxy.once('exit', () => {
              resolve();
            });
            i.proxy.kill('SIGKILL');
          }),
      ),
    );
    await Promise.all([this.central.stop(), ...this.instances.map((i) => i.local.stop())]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
