/**
 * The log (pino JSON lines) with its stable fields: `-L/--log-path` really writes the file
 * (start-up, config reloads that work and that fail with their JSON path, shutdown) while the
 * metrics endpoint of the same process answers; TKO transitions; client protocol errors limited
 * to 10 lines a second.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Memcached } from '../helpers/memcached.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { runTs } from '../helpers/process.js';
import { startProxy } from '../helpers/proxy.js';
import { LogCapture, type LogLine } from '../helpers/log-capture.js';
import { ProxyServer } from '../../proxy/server/proxy-server.js';
import { DEFAULT_OPTIONS } from '../../proxy/options.js';

const CLI = 'proxy/cli.ts';
let mc: Memcached;
let dir: string;

beforeAll(async () => {
  mc = await Memcached.start();
  dir = mkdtempSync(join(tmpdir(), 'mcproxy-logging-'));
});
afterAll(async () => {
  await mc.stop();
  rmSync(dir, { recursive: true, force: true });
});

function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe('-L/--log-path', () => {
  test('start-up, reloads and shutdown go to the file, with stable fields; metrics answer meanwhile', async () => {
    const cfgPath = join(dir, 'mcrouter.json');
    const cfgText = JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|A' });
    writeFileSync(cfgPath, cfgText);
    const logPath = join(dir, 'logs', 'deeper', 'mcproxy.log');
    const [port, metricsPort] = [await freePort(), await freePort()];
    const p = runTs(CLI, [
      '-p',
      String(port),
      '--listen-addresses',
      '127.0.0.1',
      '--config',
      `file:${cfgPath}`,
      '-L',
      logPath,
      '--metrics-port',
      String(metricsPort),
      '--config-poll-ms',
      '100',
      '--config-dump-root',
      '',
    ]);
    await vi.waitFor(
      () => {
        expect(readLog(logPath).map((l) => l.msg)).toContain('2.0.0 mcrouter serving');
      },
      { timeout: 15_000, interval: 50 },
    );
    const startup = readLog(logPath).find((l) => l.event === 'startup');
    expect(startup).toMatchObject({
      level: 30,
      name: 'mcproxy',
      version: '2.0.0 mcrouter',
      listen: [`127.0.0.1:${port}`],
      metrics: `127.0.0.1:${metricsPort}`,
      config: cfgPath,
      configMd5: createHash('md5').update(cfgText).digest('hex'),
      configFiles: [cfgPath],
      configFromDisk: false,
      pools: ['A'],
      options: { ports: [port], logPath, metricsPort, configPollMs: 100 },
    });
    expect(typeof startup?.pid).toBe('number');

    const c = await RawClient.connect(port);
    expect(await c.ask('set logged 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('mcproxy_requests_total{op="set"} 1');

    writeAtomic(cfgPath, JSON.stringify({ pools: { A: { servers: [mc.address] } }, route: 'PoolRoute|B' }));
    await vi.waitFor(
      () => {
        expect(readLog(logPath).some((l) => l.event === 'reconfigure_failed')).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(readLog(logPath).find((l) => l.event === 'reconfigure_failed')).toMatchObject({
      level: 50,
      config: cfgPath,
      code: 'MCR_ERR_CONFIG',
      jsonPath: 'route',
      reason: 'unknown pool "B"',
      msg: 'Failed to reconfigure: route: unknown pool "B"',
    });
    const next = JSON.stringify({ pools: { B: { servers: [mc.address] } }, route: 'PoolRoute|B' });
    writeAtomic(cfgPath, next);
    await vi.waitFor(
      () => {
        expect(readLog(logPath).some((l) => l.event === 'reconfigured')).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(readLog(logPath).find((l) => l.event === 'reconfigured')).toMatchObject({
      level: 30,
      config: cfgPath,
      md5: createHash('md5').update(next).digest('hex'),
      previousMd5: createHash('md5').update(cfgText).digest('hex'),
      added: [],
      removed: [],
      files: [cfgPath],
    });
    c.close();
    p.proc.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
    expect(readLog(logPath).at(-1)?.msg).toBe('stopped');
    // Nothing of it went to stderr.
    expect(p.stderr).not.toContain('"msg"');
  });

  test('a log path that cannot be opened is a bad option (exit 3), not a crash or a lost log', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const port = await freePort();
    const target = join(blocker, 'x.log');
    const p = runTs(CLI, ['-p', String(port), '--config', '{"route":"NullRoute"}', '-L', target]);
    expect((await p.exited).code).toBe(3);
    expect(p.stderr).toContain(`mcproxy: cannot open log file ${target}: EEXIST`);
  });
});

describe('TKO transitions', () => {
  let logs: LogCapture;
  afterEach(() => {
    logs.restore();
  });

  test('<host:port> marked hard TKO, with event, kind, reason and the process-wide counts', async () => {
    logs = new LogCapture();
    const dead = `127.0.0.1:${await freePort()}`;
    const p = await startProxy(
      { pools: { D: { servers: [dead] } }, route: 'PoolRoute|D' },
      {},
      'reads the log this process captures',
    );
    const c = await RawClient.connect(p.port);
    expect(await c.ask('get a\r\n')).toMatch(/^SERVER_ERROR AsyncSocketException/);
    expect(logs.matching(`${dead} marked hard TKO`)[0]).toMatchObject({
      level: 40,
      event: 'tko_marked',
      destination: dead,
      kind: 'hard',
      reason: 'mc_res_connect_error',
      numFailures: 1,
      softTkos: 0,
      hardTkos: 1,
    });
    c.close();
    await p.close();
  });
});

describe('client protocol errors', () => {
  let logs: LogCapture;
  afterEach(() => {
    vi.useRealTimers();
    logs.restore();
  });

  test('at most 10 lines a second; the next line says how many were left out', () => {
    logs = new LogCapture();
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = new ProxyServer(
      { ...DEFAULT_OPTIONS, ports: [1] },
      { text: '{"route":"NullRoute"}', path: null },
    );
    for (let i = 0; i < 25; i++) server.logClientError(`10.0.0.${i}`, 'CLIENT_ERROR malformed request');
    const lines = logs.matching('client protocol error');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({
      level: 40,
      event: 'client_error',
      client: '10.0.0.0',
      reply: 'CLIENT_ERROR malformed request',
      suppressed: 0,
    });
    vi.setSystemTime(Date.now() + 1000);
    server.logClientError('10.0.0.99', 'CLIENT_ERROR bad data chunk');
    expect(logs.matching('client protocol error').at(-1)).toMatchObject({
      client: '10.0.0.99',
      reply: 'CLIENT_ERROR bad data chunk',
      suppressed: 15,
    });
    void server.close();
  });

  test('a real malformed request is logged once, with the client address', async () => {
    logs = new LogCapture();
    const p = await startProxy({ route: 'NullRoute' }, {}, 'reads the log this process captures');
    const c = await RawClient.connect(p.port);
    c.send('set k 0 0 1\r\nxyz\r\n');
    expect(await c.readUntil('\r\n')).toBe('CLIENT_ERROR bad data chunk\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(logs.matching('client protocol error')).toEqual([
      expect.objectContaining({
        event: 'client_error',
        client: '127.0.0.1',
        reply: 'CLIENT_ERROR bad data chunk',
      }),
    ]);
    await p.close();
  });
});
