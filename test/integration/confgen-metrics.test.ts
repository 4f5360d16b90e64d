/**
 * mcconfgen's visibility in service mode: the log appended to `--log-file`, and the Prometheus
 * endpoint (`--metrics-port`, loopback) with the last success time, the last refusal reason and
 * the discovered peers/central counts (confgen/metrics.ts).
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTs, type Spawned } from '../helpers/process.js';
import { freePort } from '../helpers/ports.js';

const CLI = 'confgen/cli.ts';
let dir: string;
let output: string;
let logFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcconfgen-metrics-'));
  output = join(dir, 'mcrouter.json');
  logFile = join(dir, 'log/mcconfgen.log');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The value of the series `name{labels}` in a text exposition (undefined when absent). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrapeWhen(port: number, ready: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    if (ready(text)) return text;
    if (Date.now() > deadline) throw new Error(`metrics never ready; last scrape:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(p: Spawned): Promise<number | null> {
  p.proc.kill('SIGTERM');
  return (await p.exited).code;
}

const central = ['--static-central', 'central-a:11211,central-b:11211'];

test('a refused write: reason, no success, counts; then a success: its time; the log goes to the file', async () => {
  const seeded = runTs(CLI, [
    '--once',
    '--output',
    output,
    '--static-peers',
    '10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4',
    ...central,
  ]);
  expect((await seeded.exited).code).toBe(0);

  const port = await freePort();
  const service = (peers: string): Spawned =>
    runTs(CLI, [
      '--interval',
      '60',
      '--output',
      output,
      '--static-peers',
      peers,
      ...central,
      '--metrics-port',
      String(port),
      '--log-file',
      logFile,
    ]);

  // One peer left of four: a 75 % shrink is refused (the default --max-peer-shrink is 50 %).
  const refusing = service('10.0.0.1');
  const refused = await scrapeWhen(port, (t) => sample(t, 'mcconfgen_cycles_total{outcome="refused"}') === 1);
  expect(refused).toMatch(
    /^mcconfgen_last_refusal_info\{reason="the peer list would shrink from 4 to 1 \(75 % > --max-peer-shrink 50 %\); seen 1 of 3 times in a row"\} 1$/m,
  );
  expect(sample(refused, 'mcconfgen_last_success_timestamp_seconds')).toBe(0);
  expect(sample(refused, 'mcconfgen_last_refusal_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
  expect(sample(refused, 'mcconfgen_servers{pool="peers"}')).toBe(1);
  expect(sample(refused, 'mcconfgen_servers{pool="central"}')).toBe(2);
  expect(sample(refused, 'mcconfgen_config_age_seconds')).toBeGreaterThanOrEqual(0);
  expect(refused).toContain('mcconfgen_process_resident_memory_bytes');
  expect(await stop(refusing)).toBe(0);
  // Nothing on stderr: the log lines are in the file.
  expect(refusing.stderr).toBe('');
  const lines = readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { name: string; msg: string });
  expect(lines.map((l) => l.msg)).toContain(
    'not writing: the peer list would shrink from 4 to 1 (75 % > --max-peer-shrink 50 %); seen 1 of 3 times in a row; keeping the last good file',
  );
  expect(lines.every((l) => l.name === 'mcconfgen')).toBe(true);

  // Two of four (50 %) is allowed: written, and the success time is now.
  const before = Date.now() / 1000;
  const writing = service('10.0.0.1,10.0.0.2');
  const ok = await scrapeWhen(port, (t) => sample(t, 'mcconfgen_cycles_total{outcome="written"}') === 1);
  expect(sample(ok, 'mcconfgen_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
  expect(sample(ok, 'mcconfgen_config_age_seconds')).toBeLessThan(60);
  expect(sample(ok, 'mcconfgen_servers{pool="peers"}')).toBe(2);
  expect(ok).toContain('mcconfgen_cycle_duration_seconds_count{outcome="written"} 1');
  expect(await stop(writing)).toBe(0);
  expect(readFileSync(logFile, 'utf8')).toContain('"msg":"config written"');
}, 120_000);

test('a metrics port in use is a start-up error (exit 2), and --log-file in a file is refused', async () => {
  const port = await freePort();
  const first = runTs(CLI, ['--output', output, ...central, '--metrics-port', String(port)]);
  await first.waitForOutput('metrics endpoint listening', 45_000);
  const second = runTs(CLI, ['--output', output, ...central, '--metrics-port', String(port)]);
  expect((await second.exited).code).toBe(2);
  expect(second.stderr).toContain(`mcconfgen: --metrics-port ${port}: listen EADDRINUSE`);
  expect(await stop(first)).toBe(0);

  const badLog = runTs(CLI, ['--once', '--output', output, ...central, '--log-file', join(output, 'x.log')]);
  expect((await badLog.exited).code).toBe(2);
  expect(badLog.stderr).toContain(`cannot open log file ${join(output, 'x.log')}`);
}, 120_000);
