/**
 * Asynclog for failed deletes (`mcrouter/routes/McRouteHandleProvider-inl.h`; mcrouter tests `test_server_replied_server_error_for_delete`
 * and `..._with_no_asynclog` in `test_mcrouter_errors.py`) and `mcproxy --replay-asynclog`, with
 * real memcached servers, real spool files and the real CLI.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { directGet, directSet } from '../helpers/direct.js';
import { runTs } from '../helpers/process.js';
import { ask, proxyStat, withProxy } from '../helpers/route-test.js';

const CLI = 'proxy/cli.ts';
let live: Memcached;
let dead: string;
let deadPort: number;
let dir: string;

beforeAll(async () => {
  live = await Memcached.start();
  deadPort = await freePort();
  dead = `127.0.0.1:${deadPort}`;
});
afterAll(async () => {
  await live.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every spool file under `root` (one level of hour directories), with its lines. */
function spool(root: string): { path: string; lines: string[] }[] {
  const out: { path: string; lines: string[] }[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(root, e);
    const files = statSync(p).isDirectory() ? readdirSync(p).map((f) => join(p, f)) : [p];
    for (const f of files.sort()) {
      out.push({
        path: f,
        lines: readFileSync(f, 'latin1')
          .split('\n')
          .filter((l) => l !== ''),
      });
    }
  }
  return out;
}
const lines = (root: string): string[] => spool(root).flatMap((f) => f.lines);
/** The 4th element of an asynclog line (the destination part). */
const destPart = (line: string | undefined): unknown => (JSON.parse(line ?? 'null') as unknown[])[3];

const pools = (): Record<string, unknown> => ({ D: { servers: [dead] }, L: { servers: [live.address] } });

describe('PoolRoute asynclog: failed deletes are spooled and answered NOT_FOUND', () => {
  test('a delete to a dead server: NOT_FOUND, one mcrouter v1 line in the hourly spool layout, counted', async () => {
    const before = Date.now() / 1000;
    await withProxy(
      { pools: pools(), routes: { '/././': 'PoolRoute|D', '/x/y/': 'PoolRoute|D' } },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete k1\r\n')).toBe('NOT_FOUND\r\n');
        expect(await ask(cl, 'delete /x/y/k2\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
        expect(await proxyStat(cl, 'asynclog_requests')).toBe('2');
      },
      { asyncDir: dir },
    );
    const files = spool(dir);
    expect(files).toHaveLength(1);
    const file = files[0] as { path: string; lines: string[] };
    expect(file.path).toMatch(/\/\d{8}T\d{2}-\d+\/\d{8}T\d{6}-\d+-mcproxy-default-t\d+-0x[0-9a-f]+$/);
    expect(file.lines).toHaveLength(2);
    const [magic, time, c, body] = JSON.parse(file.lines[0] as string) as [string, number, string, unknown];
    expect([magic, c, body]).toEqual(['AS1.0', 'C', ['127.0.0.1', deadPort, 'delete k1\r\n']]);
    expect(time).toBeGreaterThanOrEqual(Math.floor(before));
    expect(time).toBeLessThanOrEqual(Date.now() / 1000);
    // The routing prefix is stripped, as the server would have seen the key.
    expect(destPart(file.lines[1])).toEqual(['127.0.0.1', deadPort, 'delete k2\r\n']);
  });

  test('a timeout (stopped server) is spooled too; replies from a live server are not', async () => {
    const slow = await Memcached.start();
    await slow.pause();
    try {
      await withProxy(
        {
          // Only the stopped server's timeout is short: L's replies must never lose the race.
          pools: { S: { servers: [slow.address], server_timeout: 100 }, L: { servers: [live.address] } },
          routes: { '/././': 'PoolRoute|S', '/l/l/': 'PoolRoute|L' },
        },
        async (cl, proxy) => {
          expect(await ask(cl, 'delete slow\r\n')).toBe('NOT_FOUND\r\n');
          expect(await ask(cl, 'delete /l/l/missing\r\n')).toBe('NOT_FOUND\r\n');
          await directSet(live, 'there', 'x');
          expect(await ask(cl, 'delete /l/l/there\r\n')).toBe('DELETED\r\n');
          await proxy.server.asyncLog?.flush();
        },
        { asyncDir: dir },
      );
    } finally {
      await slow.stop();
    }
    const l = lines(dir);
    expect(l).toHaveLength(1);
    expect(destPart(l[0])).toEqual(['127.0.0.1', expect.any(Number), 'delete slow\r\n']);
  });

  test('--asynclog-disable: the error is returned and nothing is spooled', async () => {
    await withProxy(
      { pools: pools(), route: 'PoolRoute|D' },
      async (cl) => {
        expect(await ask(cl, 'delete k\r\n')).toMatch(/^SERVER_ERROR /);
      },
      { asyncDir: dir, asynclogDisable: true },
    );
    expect(spool(dir)).toEqual([]);
  });

  test('"asynclog": false on the PoolRoute opts out; Pool|A (no PoolRoute) has no asynclog', async () => {
    await withProxy(
      {
        pools: pools(),
        routes: { '/././': { type: 'PoolRoute', pool: 'D', asynclog: false }, '/h/h/': 'HashRoute|Pool|D' },
      },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete k\r\n')).toMatch(/^SERVER_ERROR /);
        expect(await ask(cl, 'delete /h/h/k\r\n')).toMatch(/^SERVER_ERROR /);
        await proxy.server.asyncLog?.flush();
      },
      { asyncDir: dir },
    );
    expect(spool(dir)).toEqual([]);
  });

  test('--use-asynclog-version2 with asynclog_name: {"h": "[host]:port", "p": name, "k": key}', async () => {
    await withProxy(
      { pools: pools(), route: { type: 'PoolRoute', pool: 'D', asynclog_name: 'my-log' } },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete v2key\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
      },
      { asyncDir: dir, useAsynclogVersion2: true },
    );
    const l = lines(dir);
    expect(l).toHaveLength(1);
    const [magic, , c, body] = JSON.parse(l[0] as string) as [string, number, string, unknown];
    expect([magic, c, body]).toEqual([
      'AS2.0',
      'C',
      { f: '', h: `[127.0.0.1]:${deadPort}`, p: 'my-log', k: 'v2key' },
    ]);
  });

  test('FailoverRoute does not fail deletes over: the spooled NOT_FOUND is an answer', async () => {
    await directSet(live, 'fk', 'stays');
    await withProxy(
      { pools: pools(), route: { type: 'FailoverRoute', children: ['PoolRoute|D', 'PoolRoute|L'] } },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete fk\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
      },
      { asyncDir: dir },
    );
    expect(await directGet(live, 'fk')).toBe('VALUE fk 0 5\r\nstays\r\nEND\r\n');
    expect(lines(dir)).toHaveLength(1);
  });

  test('shadow copies of deletes are never spooled', async () => {
    await withProxy(
      {
        pools: pools(),
        routes: {
          '/././': {
            type: 'PoolRoute',
            pool: 'L',
            shadows: [{ target: 'PoolRoute|D', index_range: [0, 1], key_fraction_range: [0, 1] }],
          },
          '/d/d/': 'PoolRoute|D',
        },
      },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete shadowed\r\n')).toBe('NOT_FOUND\r\n');
        // Same destination, later request: its failure comes after the shadow's.
        expect(await ask(cl, 'delete /d/d/direct\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
      },
      { asyncDir: dir },
    );
    const l = lines(dir);
    expect(l).toHaveLength(1);
    expect(destPart(l[0])).toEqual(['127.0.0.1', deadPort, 'delete direct\r\n']);
  });

  test('a spool that cannot be written: still NOT_FOUND, the loss is counted, the proxy carries on', async () => {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    await withProxy(
      { pools: pools(), routes: { '/././': 'PoolRoute|D', '/l/l/': 'PoolRoute|L' } },
      async (cl, proxy) => {
        expect(await ask(cl, 'delete k\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
        expect(proxy.server.asyncLog?.lost).toBe(1);
        expect(await ask(cl, 'set /l/l/after 0 0 1\r\nv\r\n')).toBe('STORED\r\n');
      },
      { asyncDir: join(notADir, 'spool') },
    );
  });
});

describe('mcproxy --replay-asynclog', () => {
  test('keeps what still fails (exit 1), replays once the server is back (exit 0), leaving no files', async () => {
    const server = await Memcached.start();
    await server.stop();
    try {
      await withProxy(
        { pools: { A: { servers: [server.address] } }, route: 'PoolRoute|A' },
        async (cl, proxy) => {
          for (let i = 1; i <= 5; i++) expect(await ask(cl, `delete k${i}\r\n`)).toBe('NOT_FOUND\r\n');
          await proxy.server.asyncLog?.flush();
        },
        { asyncDir: dir },
      );
      expect(lines(dir)).toHaveLength(5);

      const first = runTs(CLI, ['--replay-asynclog', '-a', dir, '-t', '200']);
      expect((await first.exited).code).toBe(1);
      expect(first.stdout).toContain('asynclog replay: 0 deletes replayed, 5 kept');
      const kept = spool(dir);
      expect(kept).toHaveLength(1);
      expect(kept[0]?.path).toMatch(/\.kept-\d+-\d+$/);
      expect(kept[0]?.lines).toHaveLength(5);

      await server.restart();
      for (let i = 1; i <= 6; i++) await directSet(server, `k${i}`, 'v');
      const second = runTs(CLI, ['--replay-asynclog', '-a', dir, '-t', '1000']);
      expect((await second.exited).code).toBe(0);
      expect(second.stdout).toContain('asynclog replay: 5 deletes replayed, 0 kept');
      for (let i = 1; i <= 5; i++) expect(await directGet(server, `k${i}`)).toBe('END\r\n');
      expect(await directGet(server, 'k6')).toBe('VALUE k6 0 1\r\nv\r\nEND\r\n');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  test('version-2 lines replay; unreadable lines are kept; NOT_FOUND counts as done', async () => {
    await directSet(live, 'v2', 'x');
    const hour = join(dir, '20240101T00-1704067200');
    mkdirSync(hour);
    writeFileSync(
      join(hour, 'spool-a'),
      [
        JSON.stringify(['AS2.0', 1, 'C', { f: '', h: `[127.0.0.1]:${live.port}`, p: 'p', k: 'v2' }]),
        'this is not json',
        JSON.stringify(['AS1.0', 1, 'C', ['127.0.0.1', live.port, 'delete never-there\r\n']]),
        '',
      ].join('\n'),
    );
    const p = runTs(CLI, ['--replay-asynclog', '-a', dir]);
    expect((await p.exited).code).toBe(1);
    expect(p.stdout).toContain('asynclog replay: 2 deletes replayed, 1 kept, 1 files');
    expect(await directGet(live, 'v2')).toBe('END\r\n');
    expect(lines(dir)).toEqual(['this is not json']);
  });

  test('no spool directory: nothing to do, exit 0; a spool that is not a directory: exit 2', async () => {
    const none = runTs(CLI, ['--replay-asynclog', '-a', join(dir, 'absent')]);
    expect((await none.exited).code).toBe(0);
    expect(none.stdout).toContain('0 deletes replayed, 0 kept, 0 files');
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const bad = runTs(CLI, ['--replay-asynclog', '-a', file]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr).toContain('asynclog replay failed: cannot read the spool directory');
  });
});

describe('the spool is written in batches, after the replies', () => {
  test('a pipelined burst of 200 failed deletes: 200 NOT_FOUND, then 200 intact lines', async () => {
    await withProxy(
      { pools: pools(), route: 'PoolRoute|D' },
      async (cl, proxy) => {
        // Pipelined: 200 deletes in one write.
        cl.send(Array.from({ length: 200 }, (_, i) => `delete burst${i}\r\n`).join(''));
        for (let i = 0; i < 200; i++) expect(await cl.readUntil('\r\n')).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
        expect(proxy.server.asyncLog?.written).toBe(200);
      },
      { asyncDir: dir },
    );
    const l = lines(dir);
    expect(l).toHaveLength(200);
    const keys = new Set(l.map((x) => (JSON.parse(x) as [string, number, string, string[]])[3][2]));
    expect(keys.size).toBe(200);
  });
});
