/**
 * FailoverRoute's policies and their counters against real memcached servers
 * (`mcrouter/routes/FailoverPolicy.h`, `mcrouter/routes/FailoverRoute.h`, SaltedFailoverRoute in
 * `mcrouter/routes/McRouteHandleProvider-inl.h`; mcrouter tests `test_deterministic_failover.py`,
 * `test_rendezvous_failover.py`). Dead servers are free ports on 127.0.0.5–7 (connection refused:
 * a hard-TKO-like error, free of error tries).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { directGet, directSet } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, proxyStat, withProxy } from '../helpers/route-test.js';
import { RawClient } from '../helpers/raw-client.js';
import { startProxy } from '../helpers/proxy.js';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';

let a: Memcached;
let b: Memcached;
let dead: string[];

beforeAll(async () => {
  [a, b] = await Promise.all([Memcached.start(), Memcached.start()]);
  dead = await Promise.all([0, 1, 2].map(async (i) => `127.0.0.${i + 5}:${await freePort()}`));
});
afterAll(async () => {
  await Promise.all([a, b].map((x) => x.stop()));
});
beforeEach(async () => {
  for (const x of [a, b]) {
    const cl = await RawClient.connect(x.port);
    expect(await cl.call('flush_all\r\n', 'OK\r\n')).toBe('OK\r\n');
    cl.close();
  }
});

/** The first keys `key<i>` that Ch3 over `n` servers sends to server `index`. */
function keysOn(index: number, n: number, count: number): string[] {
  const pick = createHashSelector({ n });
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const k = Buffer.from(`key${i}`);
    if (pick(k, 0, k.length) === index) out.push(`key${i}`);
  }
  return out;
}

const stat = async (cl: RawClient, name: string): Promise<number> => Number(await proxyStat(cl, name));

describe('SaltedFailoverRoute', () => {
  test('a key whose server is dead goes to another server of the same pool; live servers are used directly', async () => {
    const d0 = dead[0] as string;
    const config = {
      pools: { A: { servers: [d0, a.address] } },
      route: {
        type: 'SaltedFailoverRoute',
        pool: 'A',
        failover_policy: { type: 'DeterministicOrderPolicy', max_tries: 3, max_error_tries: 2 },
      },
    };
    const [onDead] = keysOn(0, 2, 1) as [string];
    const [onLive] = keysOn(1, 2, 1) as [string];
    await withProxy(config, async (cl) => {
      expect(await proxySet(cl, onDead, 'x')).toBe('STORED\r\n');
      expect(await proxySet(cl, onLive, 'y')).toBe('STORED\r\n');
      // Both are in the live server: the dead one's key by failover.
      expect(await directGet(a, onDead)).toBe(`VALUE ${onDead} 0 1\r\nx\r\nEND\r\n`);
      expect(await directGet(a, onLive)).toBe(`VALUE ${onLive} 0 1\r\ny\r\nEND\r\n`);
      expect(await proxyGet(cl, onDead)).toBe('x');
      expect(await stat(cl, 'failover_all')).toBe(2);
      // Connection refused, then TKO: never an error try, counted as TKO errors.
      expect(await stat(cl, 'failover_policy_tko_error')).toBe(2);
      expect(await stat(cl, 'failover_policy_result_error')).toBe(0);
    });
  });

  test('pool must be a name or an object; the JSON path is named', async () => {
    const config = { pools: {}, route: { type: 'SaltedFailoverRoute', pool: 5 } };
    await expect(startProxy(config)).rejects.toThrow(
      /route\.pool: pool needs to be either a string or an object/,
    );
  });
});

describe('failover policy counters', () => {
  test('error replies count in failover_policy_result_error; a failover whose last reply is an error in failover_all_failed_count', async () => {
    const remote = { type: 'ErrorRoute', result: 'mc_res_remote_error', response: 'down' };
    await withProxy(
      {
        pools: { A: { servers: [a.address] } },
        route: { type: 'FailoverRoute', children: [remote, 'PoolRoute|A'] },
      },
      async (cl) => {
        await directSet(a, 'k', 'v');
        expect(await proxyGet(cl, 'k')).toBe('v');
        expect(await stat(cl, 'failover_policy_result_error')).toBe(1);
        expect(await stat(cl, 'failover_all_failed_count')).toBe(0);
      },
    );
    await withProxy({ route: { type: 'FailoverRoute', children: [remote, remote] } }, async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('SERVER_ERROR down\r\n');
      // The last child's reply is returned without being judged: one counted error.
      expect(await stat(cl, 'failover_policy_result_error')).toBe(1);
      expect(await stat(cl, 'failover_all_failed_count')).toBe(1);
      expect(await stat(cl, 'failover_all_failed')).toBe(1);
    });
  });

  test('DeterministicOrderPolicy with enable_failure_domains skips a server in the domain that answered TKO', async () => {
    const [d0, d1] = dead as [string, string];
    // Normal route over [d0, d1, a]; one failover pick (max_tries 2) among [d0, d1, a].
    const config = (domains: boolean): unknown => ({
      pools: { A: { servers: [d0, d1, a.address], failure_domains: [1, 1, 2] } },
      route: {
        type: 'SaltedFailoverRoute',
        pool: 'A',
        failover_policy: {
          type: 'DeterministicOrderPolicy',
          max_tries: 2,
          max_error_tries: 1,
          enable_failure_domains: domains,
        },
      },
    });
    const keys = keysOn(0, 3, 12);
    await withProxy(config(true), async (cl) => {
      for (const k of keys) expect(await proxySet(cl, k, 'v')).toBe('STORED\r\n');
      expect(await stat(cl, 'failover_num_failed_domain_collisions')).toBeGreaterThan(0);
    });
    for (const k of keys) expect(await directGet(a, k)).toBe(`VALUE ${k} 0 1\r\nv\r\nEND\r\n`);
    // Without failure domains some of these keys pick d1 (the same domain) and fail.
    await withProxy(config(false), async (cl) => {
      const replies = await Promise.all(keys.map((k) => proxySet(cl, `${k}x`, 'v')));
      expect(replies.filter((r) => r !== 'STORED\r\n').length).toBeGreaterThan(0);
      expect(await stat(cl, 'failover_num_failed_domain_collisions')).toBe(0);
    });
  });

  test('failure_domains must list one domain per server', async () => {
    const config = { pools: { A: { servers: [a.address], failure_domains: [1, 2] } }, route: 'PoolRoute|A' };
    await expect(startProxy(config)).rejects.toThrow(
      /pools\.A\.failure_domains: failure_domains expected to be of the same size as servers, expected 1, got 2/,
    );
  });
});

describe('RendezvousPolicy', () => {
  const config = (normal: unknown, servers: string[]): unknown => ({
    pools: { A: { servers } },
    route: {
      type: 'FailoverRoute',
      children: [normal, 'Pool|A'],
      failover_policy: { type: 'RendezvousPolicy', tags: servers.map((_, i) => `tag${i}`) },
    },
  });

  test('every key fails over to one child of the pool, the same one each time', async () => {
    const err = { type: 'ErrorRoute', result: 'mc_res_remote_error', response: 'down' };
    // A normal route that is no HashRoute selected index 0: that child (dead) is never tried.
    await withProxy(config(err, [dead[2] as string, a.address, b.address]), async (cl) => {
      const where: string[] = [];
      for (let i = 0; i < 16; i++) {
        expect(await proxySet(cl, `r${i}`, 'v')).toBe('STORED\r\n');
        expect(await proxySet(cl, `r${i}`, 'w')).toBe('STORED\r\n');
        const inA = await directGet(a, `r${i}`);
        const inB = await directGet(b, `r${i}`);
        // One copy, written twice to the same server.
        expect([inA, inB].filter((r) => r === `VALUE r${i} 0 1\r\nw\r\nEND\r\n`)).toHaveLength(1);
        expect([inA, inB].filter((r) => r === 'END\r\n')).toHaveLength(1);
        where.push(inA === 'END\r\n' ? 'b' : 'a');
      }
      // The ranking depends on the key: both servers get keys.
      expect(new Set(where).size).toBe(2);
    });
  });

  test('the server the normal route already tried is skipped; TKO errors cost no tries', async () => {
    const [d0, d1] = dead as [string, string];
    const servers = [d0, d1, a.address];
    await withProxy(config('PoolRoute|A', servers), async (cl) => {
      for (let i = 0; i < 8; i++) expect(await proxySet(cl, `s${i}`, 'v')).toBe('STORED\r\n');
      for (let i = 0; i < 8; i++) expect(await directGet(a, `s${i}`)).toBe(`VALUE s${i} 0 1\r\nv\r\nEND\r\n`);
      expect(await stat(cl, 'failover_policy_result_error')).toBe(0);
      expect(await stat(cl, 'failover_policy_tko_error')).toBeGreaterThan(0);
    });
  });

  test('tags must match the failover children', async () => {
    const bad = {
      pools: { A: { servers: [a.address] } },
      route: {
        type: 'FailoverRoute',
        children: ['PoolRoute|A', 'Pool|A'],
        failover_policy: { type: 'RendezvousPolicy', tags: ['x', 'y'] },
      },
    };
    await expect(startProxy(bad)).rejects.toThrow(
      /route\.failover_policy\.tags: FailoverRendezvousPolicy: number of tags 2 doesn't match number of route handles 1/,
    );
  });
});
