/**
 * `mcproxy warm` and `mcproxy migrate` between real memcached processes (docs/prewarm.md): TTLs,
 * flags, binary keys and values survive; keys live traffic wrote are never replaced; the byte
 * budget keeps the most recently written keys; a source that refuses enumeration gets a clear
 * error; migrate puts each key where the proxy's Ch3 PoolRoute looks for it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createHashSelector } from '../../proxy/hash/hash-selector.js';
import { Memcached } from '../helpers/memcached.js';
import { runTs } from '../helpers/process.js';
import { startProxy } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';

const servers: Memcached[] = [];
const clients: RawClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((m) => m.stop()));
});

async function memcached(args: readonly string[] = ['-m', '64']): Promise<Memcached> {
  const m = await Memcached.start(args);
  servers.push(m);
  return m;
}

async function client(m: Memcached): Promise<RawClient> {
  const c = await RawClient.connect(m.port);
  clients.push(c);
  return c;
}

interface Item {
  value: Buffer;
  flags: string;
  ttl: number;
}

/** `mg <key> v f t` (base64 with `b` for binary keys): the value, flags and remaining TTL, or null. */
async function mg(c: RawClient, key: Buffer): Promise<Item | null> {
  const binary = key.some((b) => b <= 0x20 || b >= 0x7f);
  c.send(
    Buffer.concat([
      Buffer.from('mg '),
      binary ? Buffer.from(key.toString('base64')) : key,
      Buffer.from(binary ? ' b v f t\r\n' : ' v f t\r\n'),
    ]),
  );
  const head = await c.readUntil('\r\n');
  if (head === 'EN\r\n') return null;
  const m = /^VA (\d+) f(\d+) t(-?\d+)\r\n$/.exec(head);
  if (m === null) throw new Error(`unexpected reply ${JSON.stringify(head)}`);
  const value = await c.read(Number(m[1]) + 2);
  return { value: value.subarray(0, -2), flags: m[2] as string, ttl: Number(m[3]) };
}

/** `ms` (set mode) with flags and TTL (base64 for binary keys). */
async function ms(c: RawClient, key: Buffer, value: Buffer, flags: string, ttl: number): Promise<void> {
  const binary = key.some((b) => b <= 0x20 || b >= 0x7f);
  const k = binary ? Buffer.from(key.toString('base64')) : key;
  const flagsText = `${binary ? ' b' : ''} F${flags} T${ttl}`;
  c.send(
    Buffer.concat([
      Buffer.from('ms '),
      k,
      Buffer.from(` ${value.length}${flagsText}\r\n`),
      value,
      Buffer.from('\r\n'),
    ]),
  );
  expect(await c.readUntil('\r\n')).toBe('HD\r\n');
}

async function stat(c: RawClient, name: string): Promise<string> {
  c.send('stats\r\n');
  const text = await c.readUntil('END\r\n');
  return new RegExp(`STAT ${name} (\\S+)`).exec(text)?.[1] ?? '';
}

/** Waits for the server's clock (`stats` `time`, whole seconds) to move past `t`. */
async function nextSecond(c: RawClient): Promise<void> {
  const t = Number(await stat(c, 'time'));
  while (Number(await stat(c, 'time')) <= t) await new Promise((r) => setImmediate(r));
}

async function cli(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runTs('proxy/cli.ts', args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

interface Summary {
  listed: number;
  selected: number;
  selectedBytes: number;
  budgetBytes: number;
  copied: number;
  existing: number;
  failed: number;
}

/** `warm --from <src> --to <dst> --json --progress none` and `extra`. */
function warmArgs(src: Memcached, dst: Memcached, ...extra: string[]): string[] {
  return ['warm', '--from', src.address, '--to', dst.address, '--json', '--progress', 'none', ...extra];
}

function summary(stdout: string): Summary {
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Summary;
}

describe('mcproxy warm', { timeout: 60_000 }, () => {
  test('copies values, flags and remaining TTLs, binary keys and values; budget defaults to 90 % of -m', async () => {
    const [src, dst] = [await memcached(), await memcached(['-m', '64'])];
    const s = await client(src);
    const big = Buffer.alloc(300_000, 0x62);
    const items: [Buffer, Buffer, string, number][] = [
      [Buffer.from('plain'), Buffer.from('v1'), '0', 0],
      [Buffer.from('flags:max'), Buffer.from('v2'), '4294967295', 0],
      [Buffer.from('ttl/short'), Buffer.from('v3'), '7', 300],
      [Buffer.from('ttl%long'), Buffer.from('v4'), '8', 40 * 86400],
      [Buffer.from('crlf'), Buffer.from('a\r\nb\r\n'), '9', 0],
      [Buffer.from('empty'), Buffer.alloc(0), '10', 0],
      [Buffer.from('big'), big, '11', 0],
      [Buffer.from([0x62, 0x69, 0x6e, 0x00, 0x20, 0xff, 0x0a]), Buffer.from('binary key'), '12', 0],
      [Buffer.from('ключ', 'utf8'), Buffer.from('utf-8 key'), '13', 0],
    ];
    for (const [k, v, f, t] of items)
      await ms(s, k, v, f, t > 30 * 86400 ? Math.floor(Date.now() / 1000) + t : t);
    const r = await cli(warmArgs(src, dst));
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(0);
    const sum = summary(r.stdout);
    expect(sum).toMatchObject({ listed: items.length, copied: items.length, existing: 0, failed: 0 });
    expect(sum.budgetBytes).toBe(Math.floor(64 * 1024 * 1024 * 0.9));
    const d = await client(dst);
    for (const [k] of items) {
      const want = await mg(s, k);
      const got = await mg(d, k);
      expect(got, k.toString('hex')).not.toBeNull();
      expect(got?.value.equals(want?.value ?? Buffer.alloc(1))).toBe(true);
      expect(got?.flags).toBe(want?.flags);
      if (want?.ttl === -1) expect(got?.ttl).toBe(-1);
      else expect(Math.abs((got?.ttl ?? 0) - (want?.ttl ?? 0))).toBeLessThanOrEqual(2);
    }
    expect((await mg(d, Buffer.from('ttl%long')))?.ttl).toBeGreaterThan(30 * 86400);
  });

  test('never replaces a key written to the destination before or during the warm', async () => {
    const [src, dst] = [await memcached(), await memcached()];
    const s = await client(src);
    const d = await client(dst);
    const n = 400;
    for (let i = 0; i < n; i++) await ms(s, Buffer.from(`k${i}`), Buffer.from(`old${i}`), '1', 0);
    await ms(d, Buffer.from('k0'), Buffer.from('live-before'), '2', 0);
    // 100 keys/s in batches of 20: the live writes below land while the warm is copying.
    const warm = runTs(
      'proxy/cli.ts',
      warmArgs(src, dst, '--rate', '100', '--batch-keys', '20', '--connections', '1'),
    );
    while (Number(await stat(d, 'curr_items')) < 40) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < n; i++) await ms(d, Buffer.from(`k${i}`), Buffer.from(`live${i}`), '2', 0);
    const { code } = await warm.exited;
    expect(code).toBe(0);
    const sum = summary(warm.stdout);
    expect(sum.copied + sum.existing).toBe(n);
    expect(sum.existing).toBeGreaterThan(1);
    for (let i = 0; i < n; i++)
      expect((await mg(d, Buffer.from(`k${i}`)))?.value.toString()).toBe(`live${i}`);
  });

  test('--max-bytes keeps the most recently written keys', async () => {
    const [src, dst] = [await memcached(), await memcached()];
    const s = await client(src);
    for (let i = 0; i < 50; i++) await ms(s, Buffer.from(`cold${i}`), Buffer.alloc(100, 0x63), '0', 0);
    await nextSecond(s);
    for (let i = 0; i < 50; i++) await ms(s, Buffer.from(`hot${i}`), Buffer.alloc(100, 0x68), '0', 0);
    s.send('lru_crawler metadump all\r\n');
    const dump = await s.readUntil('END\r\n');
    const hotBytes = [...dump.matchAll(/key=hot\d+ .*size=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    expect(hotBytes).toBeGreaterThan(0);
    const r = await cli(warmArgs(src, dst, '--max-bytes', String(hotBytes)));
    expect(r.code).toBe(0);
    expect(summary(r.stdout)).toMatchObject({
      listed: 100,
      selected: 50,
      copied: 50,
      selectedBytes: hotBytes,
    });
    const d = await client(dst);
    for (let i = 0; i < 50; i++) {
      expect(await mg(d, Buffer.from(`hot${i}`))).not.toBeNull();
      expect(await mg(d, Buffer.from(`cold${i}`))).toBeNull();
    }
  });

  test.each([
    [['-o', 'no_lru_crawler'], 'lru crawler disabled'],
    [['-X'], 'metadump not allowed'],
  ])(
    'a source started with %j refuses enumeration: MCR_ERR_WARM_ENUM_REFUSED, exit 1',
    async (args, text) => {
      const [src, dst] = [await memcached([...args, '-m', '64']), await memcached()];
      const r = await cli(['warm', '--from', src.address, '--to', dst.address, '--progress', 'none']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `mcproxy warm: MCR_ERR_WARM_ENUM_REFUSED: ${src.address}: the source refused key enumeration`,
      );
      expect(r.stderr).toContain(text);
    },
  );

  test('an unreachable source: MCR_ERR_WARM_SOURCE, exit 1; bad options exit 3', async () => {
    const dst = await memcached();
    const gone = await memcached();
    await gone.stop();
    const r = await cli([
      'warm',
      '--from',
      gone.address,
      '--to',
      dst.address,
      '--progress',
      'none',
      '--timeout-ms',
      '2000',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`MCR_ERR_WARM_SOURCE: ${gone.address}: cannot connect: ECONNREFUSED`);
    const bad = await cli(['warm', '--from', dst.address, '--max-bytes', 'lots']);
    expect(bad.code).toBe(3);
  });
});

describe('mcproxy migrate', { timeout: 60_000 }, () => {
  test('puts every key on the server the Ch3 PoolRoute of the destination pool picks', async () => {
    const src = await memcached();
    const dsts = [await memcached(), await memcached(), await memcached()];
    const s = await client(src);
    const keys = Array.from({ length: 300 }, (_, i) => `user:${i}|#|suffix${i % 7}`);
    for (const k of keys) await ms(s, Buffer.from(k), Buffer.from(`v-${k}`), '5', 0);
    const dir = mkdtempSync(join(tmpdir(), 'mcwarm-'));
    const config = join(dir, 'pools.json');
    writeFileSync(
      config,
      JSON.stringify({
        pools: { old: { servers: [src.address] }, new: { servers: dsts.map((m) => m.address) } },
        route: 'PoolRoute|new',
      }),
    );
    const r = await cli([
      'migrate',
      '--from',
      'pool:old',
      '--to',
      'pool:new',
      '--config',
      `file:${config}`,
      '--json',
      '--progress',
      'none',
    ]);
    expect(r.code).toBe(0);
    expect(summary(r.stdout)).toMatchObject({ listed: 300, copied: 300 });
    const select = createHashSelector({ hashFunc: 'Ch3', n: 3 });
    const dc = await Promise.all(dsts.map(client));
    const proxy = await startProxy(
      JSON.parse(
        `{"pools":{"new":{"servers":${JSON.stringify(dsts.map((m) => m.address))}}},"route":"PoolRoute|new"}`,
      ),
    );
    const pc = await RawClient.connect(proxy.port);
    try {
      const perServer = [0, 0, 0];
      for (const k of keys) {
        const key = Buffer.from(k);
        const want = select(key, 0, key.indexOf('|#|'));
        perServer[want] = (perServer[want] ?? 0) + 1;
        for (let i = 0; i < 3; i++) {
          const got = await mg(dc[i] as RawClient, key);
          if (i === want) expect(got?.value.toString()).toBe(`v-${k}`);
          else expect(got).toBeNull();
        }
        // The proxy routes the key to the same server, and finds it there.
        const route = await pc.ask(`get __mcrouter__.route(get,${k})\r\n`);
        expect(route).toContain(dsts[want]?.address);
        expect(await pc.ask(`get ${k}\r\n`)).toBe(`VALUE ${k} 5 ${`v-${k}`.length}\r\nv-${k}\r\nEND\r\n`);
      }
      expect(perServer.every((n) => n > 50)).toBe(true);
    } finally {
      pc.close();
      await proxy.close();
    }
  });
});
