/**
 * The coherence harness at fleet size, and the fan-out cost of invalidation
 * (docs/coherence.md quotes its output). Needs `npm run build` first (the proxies run from dist/).
 *
 *   npx tsx scripts/coherence.ts                       # staleness, 20 instances; fan-out at 2, 5, 20
 *   npx tsx scripts/coherence.ts --instances 5 --duration 5000 --fanout 2,5 --writes 1000
 *   npx tsx scripts/coherence.ts --only staleness      # or: --only fanout
 *
 * Staleness: for `seed` and `coherent`, with every instance up, one peer's memcached paused
 * (SIGSTOP) for a second and resumed, and one killed, N instances × `--clients` clients run the
 * random mix of test/coherence/workload.ts; the checker reports stale reads and by how long.
 *
 * Fan-out: one client sends `--writes` sets (100-byte values) through instance 0 with N instances;
 * the local memcacheds' `cmd_set`, `delete_hits + delete_misses` and `bytes_read` give the
 * requests and bytes each write costs; instance 0's proxy user+sys CPU per write comes from
 * `/proc/<pid>/stat`. `coherent` (a delete per instance) is compared with `copy`, the previous
 * template (the same set to every instance, `AllInitialRoute` over central and `Pool|peers`).
 */
import { parseArgs } from 'node:util';
import { Cluster, type ClusterOptions } from '../test/coherence/cluster.js';
import { runWorkload } from '../test/coherence/workload.js';
import { RawClient } from '../test/helpers/raw-client.js';
import type { Memcached } from '../test/helpers/memcached.js';
import type { Topology } from '../confgen/topology.js';
import { processCpuUs } from '../bench/lib/procstat.js';
import { COHERENT_TEMPLATE } from '../confgen/templates/coherent.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '20' },
    clients: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8000' },
    fanout: { type: 'string', default: '2,5,20' },
    writes: { type: 'string', default: '3000' },
    'local-ttl': { type: 'string', default: '10' },
    only: { type: 'string' },
  },
});

const N = Number(args.instances);
const LOCAL_TTL = Number(args['local-ttl']);

/** The previous `coherent`: sets and deletes copied to every instance; everything else as now. */
function copyTemplate(t: Topology, localTtl: number): unknown {
  const config = COHERENT_TEMPLATE.render(t, { localTtl }) as {
    route: { operation_policies: Record<string, unknown> };
  };
  const everywhere = { type: 'AllInitialRoute', children: ['PoolRoute|central', 'Pool|peers'] };
  config.route.operation_policies.set = everywhere;
  config.route.operation_policies.delete = everywhere;
  return config;
}

async function stats(m: Memcached): Promise<Map<string, number>> {
  const c = await RawClient.connect(m.port);
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  c.close();
  const out = new Map<string, number>();
  for (const m2 of text.matchAll(/STAT (\S+) (\d+)\r\n/g)) out.set(m2[1] as string, Number(m2[2]));
  return out;
}

async function staleness(): Promise<void> {
  console.log(
    `\n## Staleness: ${N} instances × ${args.clients} clients, ${args.duration} ms, --local-ttl ${LOCAL_TTL}\n`,
  );
  console.log(
    '| template | fault | reads | hits | effective writes | stale reads | stale p50 ms | p99 ms | max ms | superseded by | cas stored/sent |',
  );
  console.log('| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- | --: |');
  for (const template of ['seed', 'coherent']) {
    for (const fault of ['none', 'paused 1 s', 'killed']) {
      const cluster = await Cluster.start({ instances: N, template, localTtl: LOCAL_TTL });
      const victim = cluster.instances[N - 1];
      if (victim === undefined) throw new Error('no instances');
      const events =
        fault === 'none'
          ? []
          : [
              {
                atMs: 1000,
                run: async (): Promise<void> => {
                  if (fault === 'killed') return victim.local.kill();
                  await victim.local.pause();
                  await new Promise((resolve) => setTimeout(resolve, 1000));
                  victim.local.signal('SIGCONT');
                },
              },
            ];
      const h = await runWorkload({
        ports: cluster.instances.map((i) => i.port),
        clientsPerInstance: Number(args.clients),
        durationMs: Number(args.duration),
        keysPerKind: 3,
        readFraction: 0.6,
        seed: 14,
        events,
      });
      await cluster.stop();
      const s = h.summary();
      const by = Object.entries(s.staleBySupersedingOp)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ');
      const f = (x: number): string => x.toFixed(1);
      console.log(
        `| ${template} | ${fault} | ${s.reads} | ${s.hits} | ${s.effectiveWrites} | ${s.stale} | ${f(s.staleP50Ms)} | ${f(s.staleP99Ms)} | ${f(s.staleMaxMs)} | ${by} | ${s.casStored}/${s.casSent} |`,
      );
    }
  }
}

async function fanout(): Promise<void> {
  const writes = Number(args.writes);
  console.log(`\n## Fan-out: ${writes} sets of 100 bytes through instance 0\n`);
  console.log(
    '| variant | instances | requests to local memcacheds / write | bytes to them / write | proxy CPU µs / write |',
  );
  console.log('| --- | --: | --: | --: | --: |');
  const value = 'v'.repeat(100);
  const sizes = args.fanout.split(',').map(Number);
  const fits: Record<string, [number, number, number, number][]> = {};
  for (const [name, template] of [
    ['coherent (delete)', 'coherent'],
    ['copy (set)', copyTemplate],
  ] as [string, ClusterOptions['template']][]) {
    for (const n of sizes) {
      const cluster = await Cluster.start({ instances: n, template, localTtl: LOCAL_TTL });
      const writer = cluster.instances[0];
      if (writer === undefined) throw new Error('no instances');
      const c = await RawClient.connect(writer.port);
      // Warm up connections and the JIT, then measure.
      for (let i = 0; i < 200; i++) await c.call(`set fan:${i % 50} 0 0 100\r\n${value}\r\n`, 'STORED\r\n');
      const locals = cluster.instances.map((i) => i.local);
      const before = await Promise.all(locals.map(stats));
      const pid = writer.proxy.pid ?? 0;
      const cpu0 = processCpuUs(pid) ?? 0;
      for (let i = 0; i < writes; i++)
        await c.call(`set fan:${i % 50} 0 0 100\r\n${value}\r\n`, 'STORED\r\n');
      // Let the background requests land before reading the counters.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const cpu1 = processCpuUs(pid) ?? 0;
      const after = await Promise.all(locals.map(stats));
      c.close();
      await cluster.stop();
      let requests = 0;
      let bytes = 0;
      after.forEach((a, i) => {
        const b = before[i] as Map<string, number>;
        const d = (k: string): number => (a.get(k) ?? 0) - (b.get(k) ?? 0);
        requests += d('cmd_set') + d('delete_hits') + d('delete_misses');
        bytes += d('bytes_read');
      });
      const row: [number, number, number, number] = [
        n,
        requests / writes,
        bytes / writes,
        (cpu1 - cpu0) / writes,
      ];
      (fits[name] ??= []).push(row);
      console.log(`| ${name} | ${n} | ${row[1].toFixed(2)} | ${row[2].toFixed(0)} | ${row[3].toFixed(1)} |`);
    }
  }
  console.log('\nLinear fit (least squares over the rows above), extrapolated to 100 instances:\n');
  for (const [name, rows] of Object.entries(fits)) {
    const fit = (col: 1 | 2 | 3): [number, number] => {
      const xs = rows.map((r) => r[0]);
      const ys = rows.map((r) => r[col]);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      let num = 0;
      let den = 0;
      xs.forEach((x, i) => {
        num += (x - mx) * ((ys[i] as number) - my);
        den += (x - mx) ** 2;
      });
      const slope = den === 0 ? 0 : num / den;
      return [slope, my - slope * mx];
    };
    const at100 = (col: 1 | 2 | 3): string => {
      const [a, b] = fit(col);
      return `${(a * 100 + b).toFixed(1)} (${a.toFixed(2)} per instance)`;
    };
    console.log(`- ${name}: requests ${at100(1)}, bytes ${at100(2)}, proxy CPU µs ${at100(3)}`);
  }
}

if (args.only !== 'fanout') await staleness();
if (args.only !== 'staleness') await fanout();
process.exit(0);
