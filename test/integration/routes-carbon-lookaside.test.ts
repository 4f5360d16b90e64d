/**
 * CarbonLookasideRoute (mcrouter `test_carbonlookaside_route.py`) with real memcached: a backend
 * behind `child` and a lookaside server that only the flavor's own config names. A get hit from the
 * child is copied to the lookaside under `prefix + key` with the configured ttl, later gets are
 * answered there, other requests go to the child only, and what cannot work is a config error
 * naming its path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { RawClient } from '../helpers/raw-client.js';
import { directFlushAll, directGet, directSet, directTtl } from '../helpers/direct.js';
import { ask, proxyGet, proxySet, startInProcess, withProxy } from '../helpers/route-test.js';

let backend: Memcached;
let lookaside: Memcached;
let dir: string;
let flavor: string;

/** Writes a flavor file with `options` (its `config` names a config over the lookaside server). */
function writeFlavor(name: string, options: Record<string, unknown> = {}): string {
  const config = join(dir, `${name}-config.json`);
  writeFileSync(
    config,
    JSON.stringify({ pools: { L: { servers: [lookaside.address] } }, route: 'PoolRoute|L' }),
  );
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ options: { config: `file:${config}`, server_timeout_ms: 1000, ...options } }),
  );
  return file;
}

beforeAll(async () => {
  [backend, lookaside] = await Promise.all([Memcached.start(), Memcached.start()]);
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-lookaside-'));
  flavor = `file:${writeFlavor('flavor')}`;
});
afterAll(async () => {
  await Promise.all([backend.stop(), lookaside.stop()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => directFlushAll([backend, lookaside]));

const cfg = (extra: Record<string, unknown> = {}): unknown => ({
  pools: { B: { servers: [backend.address] } },
  route: { type: 'CarbonLookasideRoute', child: 'PoolRoute|B', prefix: 'la:', ttl: 120, flavor, ...extra },
});

describe('CarbonLookasideRoute', () => {
  test('a child hit is copied to the lookaside (value, flags, ttl); the next get is answered there', async () => {
    await directSet(backend, 'k', 'v1', 42);
    await withProxy(cfg(), async (cl) => {
      expect(await ask(cl, 'get k\r\n')).toBe('VALUE k 42 2\r\nv1\r\nEND\r\n');
      await expect
        .poll(() => directGet(lookaside, 'la:k'), { timeout: 5000 })
        .toBe('VALUE la:k 42 2\r\nv1\r\nEND\r\n');
      const ttl = await directTtl(lookaside, 'la:k');
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
      // The backend changes; the lookaside copy still answers until it expires.
      await directSet(backend, 'k', 'v2');
      expect(await proxyGet(cl, 'k')).toBe('v1');
    });
  });

  test('misses are not cached; a later child hit is', async () => {
    await withProxy(cfg(), async (cl) => {
      expect(await proxyGet(cl, 'm')).toBeNull();
      expect(await directGet(lookaside, 'la:m')).toBe('END\r\n');
      await directSet(backend, 'm', 'now');
      expect(await proxyGet(cl, 'm')).toBe('now');
      await expect
        .poll(() => directGet(lookaside, 'la:m'), { timeout: 5000 })
        .toBe('VALUE la:m 0 3\r\nnow\r\nEND\r\n');
    });
  });

  test('sets, deletes and gets go to the child only', async () => {
    await withProxy(cfg(), async (cl) => {
      expect(await proxySet(cl, 's', 'x')).toBe('STORED\r\n');
      expect(await directGet(backend, 's')).toBe('VALUE s 0 1\r\nx\r\nEND\r\n');
      expect(await ask(cl, 'gets s\r\n')).toMatch(/^VALUE s 0 1 \d+\r\nx\r\nEND\r\n$/);
      expect(await ask(cl, 'delete s\r\n')).toBe('DELETED\r\n');
      expect(await directGet(lookaside, 'la:s')).toBe('END\r\n');
    });
  });

  test('ttl 0 stores entries that never expire', async () => {
    await directSet(backend, 'z', 'v');
    await withProxy(cfg({ ttl: 0 }), async (cl) => {
      expect(await proxyGet(cl, 'z')).toBe('v');
      await expect.poll(() => directTtl(lookaside, 'la:z'), { timeout: 5000 }).toBe(-1);
    });
  });

  test('ttl_unit_ms: the key gets its ms bucket suffix and the entry 1 s of life', async () => {
    await directSet(backend, 'ms', 'v');
    // memcached's clock ticks once a second, so a 1 s item can be gone before a get could see it:
    // watch the lookaside's stores instead (memcached's `watch mutations`, proto_text.c).
    const watch = await RawClient.connect(lookaside.port);
    try {
      watch.send('watch mutations\r\n');
      expect(await watch.readUntil('OK\r\n')).toBe('OK\r\n');
      await withProxy(cfg({ ttl: 500, ttl_unit_ms: true }), async (cl) => {
        expect(await proxyGet(cl, 'ms')).toBe('v');
        expect(await watch.readUntil('\n', 10_000)).toMatch(
          / type=item_store key=la%3Ams%3A[01] status=stored cmd=set ttl=1 /,
        );
      });
    } finally {
      watch.close();
    }
  });

  test('key_split_size adds :ks<hostid % n>', async () => {
    await directSet(backend, 'ks', 'v');
    await withProxy(
      cfg({ key_split_size: 3 }),
      async (cl) => {
        expect(await proxyGet(cl, 'ks')).toBe('v');
        await expect
          .poll(() => directGet(lookaside, 'la:ks:ks1'), { timeout: 5000 })
          .toBe('VALUE la:ks:ks1 0 1\r\nv\r\nEND\r\n');
      },
      { hostId: 7 },
    );
  });

  test('what cannot work is a config error naming the path', async () => {
    await expect(startInProcess(cfg({ lease_settings: { enable_leases: true } }))).rejects.toThrow(
      'route.lease_settings.enable_leases: memcached has no lease-get/lease-set',
    );
    await expect(startInProcess(cfg({ ttl: 300, ttl_unit_ms: true }))).rejects.toThrow(
      'route.ttl: CarbonLookasideRoute: for sub-second ttl',
    );
    await expect(startInProcess(cfg({ ttl: undefined }))).rejects.toThrow(
      "route.ttl: CarbonLookasideRoute: 'ttl' property is missing",
    );
    await expect(startInProcess(cfg({ flavor: join(dir, 'missing.json') }))).rejects.toThrow(
      /route\.flavor: Can not read flavor .*missing\.json: ENOENT/,
    );
    const odd = writeFlavor('odd', { enable_flush_cmd: 'true' });
    await expect(startInProcess(cfg({ flavor: `file:${odd}` }))).rejects.toThrow(
      'option enable_flush_cmd is not supported by mcproxy',
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ options: { config_str: '{"route": "PoolRoute|nope"}' } }));
    await expect(startInProcess(cfg({ flavor: broken }))).rejects.toThrow(
      /route\.flavor: flavor .*broken\.json: route: unknown pool "nope"/,
    );
  });
});
