/**
 * Runs one client's battery script (test/clients/battery.ts) against three targets and checks the
 * outcomes step by step:
 *   - direct: memcached itself; every step must give the battery's expected outcome (or the
 *     client's own documented outcome, e.g. a client that hashes long keys);
 *   - pool:   mcproxy with `PoolRoute|A` over one memcached;
 *   - seed:   mcproxy with the seed route (examples/colocated.json: local + central memcacheds).
 * Through mcproxy each step must give the same outcome as direct, except the differences listed in
 * ROUTE_DIFFERENCES (each with its reason; also in docs/clients.md).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { colocatedConfig } from '../helpers/config.js';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { BATTERY, parseOutcomes } from './battery.js';
import { runBounded } from './scripts.js';

/** Where a battery runs. */
export type Target = 'direct' | 'pool' | 'seed';
const TARGETS: readonly Target[] = ['direct', 'pool', 'seed'];

/** One client's way of running the battery. */
export interface ClientSpec {
  /** Client name as in docs/clients.md (`pymemcache`, `spymemcached` …). */
  readonly client: string;
  /** Protocol modes the script takes as its third argument (`ascii`, `binary`). */
  readonly modes: readonly string[];
  /** One-time preparation (compiling); returns the argv prefix to run the script with. */
  prepare(): Promise<readonly string[]>;
  /**
   * Steps where this client, talking to memcached itself, observes something other than the
   * battery's `expect` (per mode, or `*` for all modes), with the reason.
   */
  /** The client's plain get sends `gets` (routed to central by the seed route, not to local). */
  readonly readsWithGets?: boolean;
  /** Battery steps the client has no call for (step → what is missing); no test is declared for them. */
  readonly unsupported?: Readonly<Record<string, string>>;
  readonly ownOutcomes?: Readonly<Record<string, Readonly<Record<string, { expect: string; why: string }>>>>;
}

/**
 * Outcomes mcproxy may give that differ from memcached's, per target and step, with the reason.
 * Only behaviour that follows from the route (not from the proxy's protocol handling) belongs here.
 */
export const ROUTE_DIFFERENCES: Readonly<
  Record<Exclude<Target, 'direct'>, Readonly<Record<string, { expect: string; why: string }>>>
> = {
  pool: {},
  seed: {
    // examples/colocated.json sends only set and delete to local (AllFastestRoute over peers and
    // central); every other update goes to central alone, and gets are served from local first
    // (WarmUpRoute). A get after replace / append / prepend / cas therefore reads the local copy
    // the earlier set left there. Seed 003's routing; mcrouter behaves the same with this config.
    // A client whose get sends `gets` (ClientSpec.readsWithGets), and every binary client (a binary
    // Get is forwarded as `gets`, its reply carries the cas), reads central and sees no difference.
    replace: {
      expect: 'not_stored,stored,old',
      why: 'replace goes to central only; the get reads the local "old"',
    },
    append_prepend: {
      expect: 'not_stored,stored,stored,b',
      why: 'append/prepend go to central only; the get reads the local "b"',
    },
    cas: {
      expect: 'stored,exists,v1,not_found',
      why: 'cas goes to central only; the get reads the local "v1"',
    },
  },
};

/** A script run's result. */
interface RunResult {
  readonly outcomes: Map<string, string>;
  readonly log: string;
}

/** Longest a script may run before it is killed (its missing steps then fail). */
const RUN_LIMIT_MS = 15_000;

/** Runs `argv` with `<host> <port> <mode> <prefix>` and collects its step outcomes. */
async function runScript(
  argv: readonly string[],
  port: number,
  mode: string,
  prefix: string,
): Promise<RunResult> {
  const r = await runBounded([...argv, '127.0.0.1', String(port), mode, prefix], RUN_LIMIT_MS);
  return {
    outcomes: parseOutcomes(r.stdout),
    log: `exit ${r.exit}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr.slice(-4000)}`,
  };
}

/** What `client` must observe for `step` against memcached in `mode`. */
function directExpectation(spec: ClientSpec, mode: string, step: string, fallback: string): string {
  const own = spec.ownOutcomes?.[mode]?.[step] ?? spec.ownOutcomes?.['*']?.[step];
  return own?.expect ?? fallback;
}

/**
 * Declares the battery tests for one client: per mode and target, one test per step.
 */
export function describeClientBattery(spec: ClientSpec): void {
  const servers: Memcached[] = [];
  const proxies: TestProxy[] = [];
  const results = new Map<string, RunResult>();

  beforeAll(async () => {
    const [argv, direct, pooled, local, central] = await Promise.all([
      spec.prepare(),
      Memcached.start(),
      Memcached.start(),
      Memcached.start(),
      Memcached.start(),
    ]);
    servers.push(direct, pooled, local, central);
    const pool = await startProxy({ pools: { A: { servers: [pooled.address] } }, route: 'PoolRoute|A' });
    proxies.push(pool);
    const seed = await startProxy(colocatedConfig(local.address, [local.address], [central.address]));
    proxies.push(seed);
    const ports: Record<Target, number> = { direct: direct.port, pool: pool.port, seed: seed.port };
    for (const mode of spec.modes) {
      const runs = TARGETS.map(async (t) => {
        results.set(`${mode}/${t}`, await runScript(argv, ports[t], mode, `${spec.client}:${mode}:`));
      });
      await Promise.all(runs);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const mode of spec.modes) {
    describe(`${spec.client} ${mode}`, () => {
      for (const target of TARGETS) {
        describe(target, () => {
          for (const step of BATTERY.filter((s) => spec.unsupported?.[s.name] === undefined)) {
            test(step.name, () => {
              const run = results.get(`${mode}/${target}`);
              const direct = results.get(`${mode}/direct`);
              expect(run, 'the script ran').toBeDefined();
              expect(direct, 'the direct run ran').toBeDefined();
              const got = run?.outcomes.get(step.name);
              let want: string | undefined;
              if (target === 'direct') {
                want = directExpectation(spec, mode, step.name, step.expect);
              } else {
                // A binary Get's reply carries the cas, so mcproxy forwards it as `gets`: like a client
                // whose get sends gets, it reads central and sees no seed-route difference.
                const readsCentral = spec.readsWithGets === true || mode === 'binary';
                const routeDiff =
                  target === 'seed' && readsCentral ? undefined : ROUTE_DIFFERENCES[target][step.name];
                want = routeDiff?.expect ?? direct?.outcomes.get(step.name);
                // A direct run that went wrong must not make a proxy run look right.
                expect(direct?.outcomes.get(step.name), 'direct outcome').toBe(
                  directExpectation(spec, mode, step.name, step.expect),
                );
              }
              expect(
                got,
                `${spec.client} ${mode} ${target} ${step.name}: ${step.does}\n${run?.log ?? ''}`,
              ).toBe(want);
            });
          }
        });
      }
    });
  }
}
