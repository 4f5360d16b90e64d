/**
 * A dead backend turns every delete into an asynclog line: the spool must stop growing at
 * `--asynclog-max-bytes`, count what it drops (`asynclog_spool_dropped`) and say so once in the
 * log (proxy/asynclog/async-log.ts).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { LogCapture } from '../helpers/log-capture.js';
import { ask, proxyStat, withProxy } from '../helpers/route-test.js';

/** Bytes of every file under `dir`. */
function spoolBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}

test('deletes to a dead server: the spool stays under the cap, the rest is counted and logged once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcproxy-spool-cap-'));
  const dead = `127.0.0.1:${await freePort()}`;
  const logs = new LogCapture();
  const cap = 4096;
  const deletes = 300;
  try {
    await withProxy(
      { pools: { D: { servers: [dead] } }, route: 'PoolRoute|D' },
      async (cl, proxy) => {
        for (let i = 0; i < deletes; i++) {
          expect(await ask(cl, `delete key-${String(i).padStart(6, '0')}\r\n`)).toBe('NOT_FOUND\r\n');
          // One write per delete, as a slow trickle of failures would make.
          await proxy.server.asyncLog?.flush();
        }
        const written = Number(await proxyStat(cl, 'asynclog_spool_success'));
        const dropped = Number(await proxyStat(cl, 'asynclog_spool_dropped'));
        expect(Number(await proxyStat(cl, 'asynclog_requests'))).toBe(deletes);
        expect(written + dropped).toBe(deletes);
        expect(written).toBeGreaterThan(0);
        expect(dropped).toBeGreaterThan(deletes / 2);
      },
      { asyncDir: dir, asynclogMaxBytes: cap },
    );
    const bytes = spoolBytes(dir);
    expect(bytes).toBeLessThanOrEqual(cap);
    // Nearly full: only a line that would not fit was refused.
    expect(bytes).toBeGreaterThan(cap - 200);
    const reached = logs.lines.filter((l) => l.event === 'asynclog_cap_reached');
    expect(reached).toHaveLength(1);
    expect(reached[0]?.maxBytes).toBe(cap);
  } finally {
    logs.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--asynclog-max-bytes 0: no cap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcproxy-spool-cap-'));
  const dead = `127.0.0.1:${await freePort()}`;
  try {
    await withProxy(
      { pools: { D: { servers: [dead] } }, route: 'PoolRoute|D' },
      async (cl, proxy) => {
        for (let i = 0; i < 100; i++) expect(await ask(cl, `delete k${i}\r\n`)).toBe('NOT_FOUND\r\n');
        await proxy.server.asyncLog?.flush();
        expect(await proxyStat(cl, 'asynclog_spool_success')).toBe('100');
        expect(await proxyStat(cl, 'asynclog_spool_dropped')).toBe('0');
      },
      { asyncDir: dir, asynclogMaxBytes: 0 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
