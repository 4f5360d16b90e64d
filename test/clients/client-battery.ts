/**
 * Runs one client's battery script (test/clients/battery.ts) against three targets and checks the
 * outcomes step by step:
 *   - direct: memcached itself; every step must give the battery's expected outcome (or the
 *     client's own documented outcome, e.g. a client that hashes long keys);
 *   - pool:   mcproxy with `PoolRoute|A` over one memcached;
 *   - seed:   mcproxy with the seed route (examples/colocated.json: local + central memcacheds);
 *   - coherent: mcproxy with the `coherent` template (confgen/templates/coherent.ts) over a local
 *     and a central memcached of its own per mode.
 * Through mcproxy each step must give the same outcome as direct, except the differences listed in
 * ROUTE_DIFFERENCES (each with its reason; also in docs/clients.md). `coherent` has none: a
 * coherent route is one no client can tell from memcached. Its `reread` step must also be served
 * by the local memcached after the first miss (see `expectServedLocally`).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { colocatedConfig } from '../helpers/config.js';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { directGet } from '../helpers/direct.js';
import { COHERENT_TEMPLATE } from '../../confgen/templates/coherent.js';
import { BATTERY, parseOutcomes } from './battery.js';
import { runBounded } from './scripts.js';

/** Where a battery runs. */
export type Target = 'direct' | 'pool' | 'seed' | 'coherent';
const TARGETS: readonly Target[] = ['direct', 'pool', 'seed', 'coherent'];

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
  coherent: {},
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

/** The `coherent` target of one mode: mcproxy and the memcacheds behind it. */
interface CoherentTarget {
  readonly local: Memcached;
  readonly central: Memcached;
  readonly proxy: TestProxy;
}

/**
 * The coherent target's memcacheds count per-prefix stats up to this delimiter (`memcached -D`);
 * the `reread` step's key is the only one that contains it.
 */
const PREFIX_DELIMITER = '/';

/**
 * Stores central takes before the run. The `coherent` template's cas translation sends a cas unique
 * from a locally served gets to central as it is first (proxy/routes/cas-translation.ts), so a
 * stale local unique that equals central's current one is accepted. In a fleet central's cas
 * counter runs far ahead of any local memcached's (it takes every instance's writes, a local only
 * its fills); two fresh memcacheds with the battery's near-equal histories collide within a few
 * steps (docs/coherence.md, "cas through coherent"), so central gets this head start.
 */
const CENTRAL_CAS_HEAD_START = 10_000;

/**
 * `server_timeout` of the coherent target's local pool, ms. The template's 50 ms
 * (`LOCAL_SERVER_TIMEOUT_MS`) fires on a loaded test machine and sends reads to central; the
 * battery checks what clients see and where reads are served, while the short timeout's
 * fall-through is tested in test/integration/coherent-template.test.ts.
 */
const BATTERY_LOCAL_TIMEOUT_MS = 1000;

/**
 * Starts a local and a central memcached with per-prefix stats on (`-D /`, `stats detail on`)
 * and mcproxy with the `coherent` template over them (this instance is its only peer).
 */
async function startCoherent(): Promise<CoherentTarget> {
  const [local, central] = await Promise.all([0, 1].map(() => Memcached.start(['-D', PREFIX_DELIMITER])));
  const [l, c] = [local as Memcached, central as Memcached];
  for (const m of [l, c]) {
    const raw = await RawClient.connect(m.port);
    expect(await raw.call('stats detail on\r\n', 'OK\r\n')).toBe('OK\r\n');
    if (m === c) {
      raw.send('set cas-head-start 0 0 1 noreply\r\nx\r\n'.repeat(CENTRAL_CAS_HEAD_START));
      expect(await raw.call('mn\r\n', 'MN\r\n')).toBe('MN\r\n');
    }
    raw.close();
  }
  const config = COHERENT_TEMPLATE.render(
    { local: l.address, peers: [l.address], central: [c.address] },
    { localTtl: 60 },
  ) as { pools: Record<string, Record<string, unknown>> };
  config.pools.local = { ...config.pools.local, server_timeout: BATTERY_LOCAL_TIMEOUT_MS };
  return { local: l, central: c, proxy: await startProxy(config) };
}

/** One prefix's line of memcached's `stats detail dump` (memcached/stats_prefix.c). */
interface PrefixStats {
  /** Reads of the prefix's keys (get, gets, binary Get), hits among them, stores, deletes. */
  readonly get: number;
  readonly hit: number;
  readonly set: number;
  readonly del: number;
}

/** The per-prefix stats of `prefix` on `m`; all zero when memcached has seen no such key. */
async function prefixStats(m: Memcached, prefix: string): Promise<PrefixStats> {
  const raw = await RawClient.connect(m.port);
  raw.send('stats detail dump\r\n');
  const dump = await raw.readUntil('END\r\n');
  raw.close();
  const line = dump.split('\r\n').find((l) => l.startsWith(`PREFIX ${prefix} `));
  const n = (field: string): number => Number(new RegExp(` ${field} (\\d+)`).exec(line ?? '')?.[1] ?? 0);
  return { get: n('get'), hit: n('hit'), set: n('set'), del: n('del') };
}

/**
 * Checks that the `reread` step (set, then 3 plain gets) was served by the coherent target's local
 * memcached after the first miss: it missed there first and was filled (an `add`), at least 2 reads
 * hit there, and it holds the copy. A read routed past the local memcached (to central) leaves no
 * local miss and fewer hits. The counts are lower bounds, not exact: the set's invalidation deletes
 * this instance's copy twice (as its `local` pool and as its own peer, on two connections), and
 * under load the second delete can land after the first read's fill, so a later read misses and
 * fills again (safe: only a fresh copy goes). Central's per-prefix stats count the set but not the
 * reads: WarmUpRoute reads central with meta `mg`, which memcached does not count per prefix.
 */
async function expectServedLocally(target: CoherentTarget, keyPrefix: string): Promise<void> {
  const prefix = `${keyPrefix}rr`;
  const [local, central] = await Promise.all([
    prefixStats(target.local, prefix),
    prefixStats(target.central, prefix),
  ]);
  expect(central.set, 'the set reached central').toBe(1);
  expect(local.del, "the set's invalidation reached the local memcached").toBe(2);
  expect(local.get - local.hit, 'the first read missed locally').toBeGreaterThanOrEqual(1);
  expect(local.set, 'the miss was filled').toBeGreaterThanOrEqual(1);
  expect(local.hit, 'reads served by the local memcached').toBeGreaterThanOrEqual(2);
  const key = `${prefix}${PREFIX_DELIMITER}`;
  expect(await directGet(target.local, key)).toBe(`VALUE ${key} 0 1\r\nx\r\nEND\r\n`);
}

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
  const coherent = new Map<string, CoherentTarget>();

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
    for (const mode of spec.modes) {
      const own = await startCoherent();
      coherent.set(mode, own);
      servers.push(own.local, own.central);
      proxies.push(own.proxy);
    }
    for (const mode of spec.modes) {
      const ports: Record<Target, number> = {
        direct: direct.port,
        pool: pool.port,
        seed: seed.port,
        coherent: coherent.get(mode)?.proxy.port ?? 0,
      };
      const run = async (t: Target): Promise<void> => {
        results.set(`${mode}/${t}`, await runScript(argv, ports[t], mode, `${spec.client}:${mode}:`));
      };
      // At most three scripts at once (a JVM or tsx start each): coherent runs after the others.
      await Promise.all(TARGETS.filter((t) => t !== 'coherent').map(run));
      await run('coherent');
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
      test('coherent: reread is served by the local memcached after the first miss', async () => {
        const target = coherent.get(mode);
        expect(target, 'the coherent target started').toBeDefined();
        expect(results.get(`${mode}/coherent`)?.outcomes.get('reread')).toBe('stored,x,x,x');
        if (target !== undefined) await expectServedLocally(target, `${spec.client}:${mode}:`);
      });
    });
  }
}
