/**
 * libmemcached's compliance suite, memcapable (Debian libmemcached-tools, binary `memccapable`),
 * `-a` (ASCII) and `-b` (binary), against memcached itself and through mcproxy started with
 * `--enable-flush-cmd` over a PoolRoute to a real memcached. Every one of its 27 tests per
 * protocol must pass; each is its own test here, so a failure names it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { runBounded } from './scripts.js';

/** memcapable's tests, as it names them (libmemcached clients/memcapable.cc). */
const TESTS = {
  ascii: [
    'version',
    'quit',
    'verbosity',
    'set',
    'set noreply',
    'get',
    'gets',
    'mget',
    'flush',
    'flush noreply',
    'add',
    'add noreply',
    'replace',
    'replace noreply',
    'cas',
    'cas noreply',
    'delete',
    'delete noreply',
    'incr',
    'incr noreply',
    'decr',
    'decr noreply',
    'append',
    'append noreply',
    'prepend',
    'prepend noreply',
    'stat',
  ],
  binary: [
    'noop',
    'quit',
    'quitq',
    'set',
    'setq',
    'flush',
    'flushq',
    'add',
    'addq',
    'replace',
    'replaceq',
    'delete',
    'deleteq',
    'get',
    'getq',
    'getk',
    'getkq',
    'incr',
    'incrq',
    'decr',
    'decrq',
    'version',
    'append',
    'appendq',
    'prepend',
    'prependq',
    'stat',
  ],
} as const;

type Protocol = keyof typeof TESTS;
const FLAG: Record<Protocol, string> = { ascii: '-a', binary: '-b' };
/** Longest one memcapable run may take before it is killed (its unfinished tests then fail). */
const RUN_LIMIT_MS = 30_000;

interface Run {
  readonly results: Map<string, string>;
  readonly output: string;
}

/** Runs memcapable against `port`, one protocol; maps "<test>" → "pass" | "fail" | …. */
async function memcapable(port: number, protocol: Protocol): Promise<Run> {
  // -t 1: a one-second io timeout, so a request that gets no reply fails its test quickly.
  const r = await runBounded(
    ['memccapable', '-h', '127.0.0.1', '-p', String(port), FLAG[protocol], '-t', '1'],
    RUN_LIMIT_MS,
  );
  const output = `${r.stdout}${r.stderr}\n[exit ${r.exit}]`;
  // With stdout not a terminal, memcapable prints each test's padded name to stdout and then
  // `[pass]` there, or `[FAIL]` to stderr: a name without `[pass]` after it ran and failed.
  const results = new Map<string, string>();
  for (const part of r.stdout.split(new RegExp(`(?=^${protocol} |(?<=\\s)${protocol} )`, 'm'))) {
    const m = new RegExp(`^${protocol} ([^\\s[]+(?: [^\\s[]+)*)\\s*(\\[pass\\])?`).exec(part);
    if (m !== null) results.set(m[1] as string, m[2] === undefined ? 'fail' : 'pass');
  }
  return { results, output };
}

type Target = 'direct' | 'pool';
let servers: Memcached[] = [];
let proxy: TestProxy;
const runs = new Map<string, Run>();

beforeAll(async () => {
  // memcapable flushes its server: each protocol × target gets a memcached of its own.
  servers = await Promise.all([0, 1, 2, 3].map(() => Memcached.start()));
  const [directA, directB, pooledA, pooledB] = servers as [Memcached, Memcached, Memcached, Memcached];
  proxy = await startProxy(
    { pools: { A: { servers: [pooledA.address] } }, route: 'PoolRoute|A' },
    { enableFlushCmd: true },
  );
  const proxyB = await startProxy(
    { pools: { A: { servers: [pooledB.address] } }, route: 'PoolRoute|A' },
    { enableFlushCmd: true },
  );
  const jobs: [string, number, Protocol][] = [
    ['ascii/direct', directA.port, 'ascii'],
    ['binary/direct', directB.port, 'binary'],
    ['ascii/pool', proxy.port, 'ascii'],
    ['binary/pool', proxyB.port, 'binary'],
  ];
  await Promise.all(
    jobs.map(async ([key, port, protocol]) => runs.set(key, await memcapable(port, protocol))),
  );
  await proxyB.close();
}, 90_000);

afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.stop()));
});

for (const protocol of ['ascii', 'binary'] as const) {
  for (const target of ['direct', 'pool'] as Target[]) {
    describe(`memcapable ${FLAG[protocol]} ${target === 'direct' ? 'memcached' : 'mcproxy PoolRoute'}`, () => {
      for (const name of TESTS[protocol]) {
        test(`${protocol} ${name}`, () => {
          const run = runs.get(`${protocol}/${target}`);
          expect(run?.results.get(name), run?.output).toBe('pass');
        });
      }
      test('all 27 tests ran and passed', () => {
        const run = runs.get(`${protocol}/${target}`);
        const passed = [...(run?.results.values() ?? [])].filter((r) => r === 'pass').length;
        expect(`${passed}/${TESTS[protocol].length}`, run?.output).toBe('27/27');
      });
    });
  }
}
