/**
 * PoolRoute `slow_warmup` (SlowWarmUpRoute, mcrouter `test_slow_warmup.py`) with a real memcached:
 * a warm server gets every get; once its hit rate falls below `enable_threshold`, only a fraction
 * of the gets reach it and the rest get `failoverTarget`'s reply.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { directSet } from '../helpers/direct.js';
import { ask, memcachedStat, withProxy } from '../helpers/route-test.js';

let m: Memcached;
beforeAll(async () => {
  m = await Memcached.start();
});
afterAll(async () => {
  await m.stop();
});

const config = (settings: unknown): unknown => ({
  pools: { A: { servers: [m.address] } },
  route: { type: 'PoolRoute', pool: 'A', slow_warmup: { failoverTarget: 'NullRoute', settings } },
});

describe('PoolRoute slow_warmup', () => {
  test('warm: every get reaches the server; cold (hit rate < 0.7): some go to failoverTarget', async () => {
    await directSet(m, 'hit', '123');
    await withProxy(config({ enable_threshold: 0.7, disable_threshold: 0.9 }), async (cl) => {
      const hitsBefore = await memcachedStat(m, 'get_hits');
      for (let i = 0; i < 10; i++)
        expect(await ask(cl, 'get hit\r\n')).toBe('VALUE hit 0 3\r\n123\r\nEND\r\n');
      expect(await memcachedStat(m, 'get_hits')).toBe(hitsBefore + 10);
      // 100 misses: the hit rate is 10/110, so the server is warming up and gets about
      // 0.1 + 1 × 0.09 of the gets; NullRoute answers the others with a miss.
      for (let i = 0; i < 100; i++) expect(await ask(cl, 'get miss\r\n')).toBe('END\r\n');
      const served = await memcachedStat(m, 'cmd_get');
      let hits = 0;
      for (let i = 0; i < 200; i++) {
        if ((await ask(cl, 'get hit\r\n')) !== 'END\r\n') hits++;
      }
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThan(200);
      // The gets NullRoute answered never reached memcached.
      expect(await memcachedStat(m, 'cmd_get')).toBe(served + hits);
    });
  });

  test('settings are checked as mcrouter does, with their path', async () => {
    const none = async (): Promise<void> => {
      /* not reached */
    };
    await expect(withProxy(config({ enable_threshold: 0.9, disable_threshold: 0.7 }), none)).rejects.toThrow(
      "route.slow_warmup.settings: SlowWarmUpSettings: 'enable_threshold' must be strictly less than 'disable_threshold'.",
    );
    await expect(withProxy(config({ enable_threshold: 0.5 }), none)).rejects.toThrow(
      "route.slow_warmup.settings.disable_threshold: SlowWarmUpSettings: Couldn't find 'disable_threshold' in config",
    );
    await expect(
      withProxy(config({ enable_threshold: 0.1, disable_threshold: 0.2, start: 1 }), none),
    ).rejects.toThrow(
      "route.slow_warmup.settings.start: SlowWarmUpSettings: 'start' must be a double in (0,1) range",
    );
  });
});
