/**
 * The real `mcconfgen` command line: `--once`, `--dry-run`, `MCCONFGEN_*` environment variables,
 * exit codes (0 written/unchanged, 1 nothing safe to write, 2 bad options), the safety guard.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTs } from '../helpers/process.js';

const CLI = 'confgen/cli.ts';
let dir: string;
let output: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcconfgen-cli-'));
  output = join(dir, 'mcrouter.json');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const peersOf = (text: string): string[] =>
  (JSON.parse(text) as { pools: { peers: { servers: string[] } } }).pools.peers.servers;

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runTs(CLI, args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

describe('--once', () => {
  test('writes the config (exit 0); an identical second run leaves the file alone (exit 0)', async () => {
    const args = [
      '--once',
      '--output',
      output,
      '--static-peers',
      '10.0.0.10,10.0.0.9:11212',
      '--static-central',
      'central-b:11211,central-a',
    ];
    const first = await run(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('config written');
    const text = readFileSync(output, 'utf8');
    expect(peersOf(text)).toEqual(['10.0.0.9:11212', '10.0.0.10:11212']);
    // The default template is coherent.
    expect(text).toContain('"AllInitialRoute"');
    const inode = statSync(output).ino;

    const second = await run(args);
    expect(second.code).toBe(0);
    expect(statSync(output).ino).toBe(inode);
    expect(readdirSync(dir)).toEqual(['mcrouter.json']);
  });

  test('every flag can come from MCCONFGEN_* variables; a flag on the command line wins', async () => {
    const env = {
      MCCONFGEN_ONCE: 'true',
      MCCONFGEN_OUTPUT: output,
      MCCONFGEN_TEMPLATE: 'seed',
      MCCONFGEN_STATIC_PEERS: '10.0.0.1,10.0.0.2',
      MCCONFGEN_STATIC_CENTRAL: 'central:11211',
      MCCONFGEN_PEER_PORT: '11300',
      MCCONFGEN_LOCAL: '10.0.0.1',
    };
    expect((await run([], env)).code).toBe(0);
    const json = JSON.parse(readFileSync(output, 'utf8')) as { pools: Record<string, { servers: string[] }> };
    expect(json.pools.peers?.servers).toEqual(['10.0.0.1:11300', '10.0.0.2:11300']);
    expect(json.pools.local?.servers).toEqual(['10.0.0.1:11300']);
    expect(readFileSync(output, 'utf8')).toContain('"AllFastestRoute"');

    expect((await run(['--static-peers', '10.0.0.3'], env)).code).toBe(0);
    expect(peersOf(readFileSync(output, 'utf8'))).toEqual(['10.0.0.3:11300']);
  });

  test('discovery failure: exit 1, the last good file kept', async () => {
    writeFileSync(output, 'last good\n');
    const r = await run([
      '--once',
      '--output',
      output,
      '--static-peers',
      '10.0.0.1',
      '--elasticache-config-endpoint',
      '127.0.0.1:1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('discovery failed; keeping the last good file');
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(readFileSync(output, 'utf8')).toBe('last good\n');
  });

  test('a peer list that would shrink by more than --max-peer-shrink: exit 1, file kept', async () => {
    const six = ['--static-peers', '10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6'];
    const base = ['--once', '--output', output, '--static-central', 'central:11211'];
    expect((await run([...base, ...six])).code).toBe(0);
    const before = readFileSync(output, 'utf8');
    const r = await run([...base, '--static-peers', '10.0.0.1,10.0.0.2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'not writing: the peer list would shrink from 6 to 2 (67 % > --max-peer-shrink 50 %)',
    );
    expect(readFileSync(output, 'utf8')).toBe(before);
    // Allowed when the fraction allows it.
    expect(
      (await run([...base, '--static-peers', '10.0.0.1,10.0.0.2', '--max-peer-shrink', '0.7'])).code,
    ).toBe(0);
    expect(peersOf(readFileSync(output, 'utf8'))).toEqual(['10.0.0.1:11212', '10.0.0.2:11212']);
  });
});

describe('--dry-run', () => {
  test('prints the config and a diff against the current file, writes nothing', async () => {
    const base = ['--output', output, '--static-central', 'central:11211', '--template', 'seed'];
    expect((await run(['--once', ...base, '--static-peers', '10.0.0.1'])).code).toBe(0);
    const before = readFileSync(output, 'utf8');
    const r = await run(['--dry-run', ...base, '--static-peers', '10.0.0.1,10.0.0.2']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('{\n  "pools": {')).toBe(true);
    expect(r.stdout).toContain(`--- ${output}\tcurrent`);
    expect(r.stdout).toContain(`+++ ${output}\tgenerated`);
    expect(r.stdout).toContain('+        "10.0.0.2:11212"');
    expect(readFileSync(output, 'utf8')).toBe(before);
  });
});

describe('bad options: exit 2', () => {
  test.each([
    [['--once', '--output', 'x.json', '--static-peers', '10.0.0.1'], 'no central pool source'],
    [
      [
        '--once',
        '--output',
        'x.json',
        '--static-central',
        'c:1',
        '--eb-environment-name',
        'a',
        '--eb-environment-id',
        'e-1',
      ],
      'not both',
    ],
    [['--once', '--static-central', 'c:1'], '--output is required'],
    [
      ['--once', '--output', 'x.json', '--static-central', 'c:1', '--template', 'fancy'],
      '--template: expected',
    ],
    [
      ['--once', '--output', 'x.json', '--static-central', 'c:1', '--max-peer-shrink', '2'],
      '--max-peer-shrink',
    ],
    [['--once', '--output', 'x.json', '--static-central', 'c:99999'], 'port out of range'],
    [
      ['--once', '--output', 'x.json', '--static-central', 'c:1', '--no-such-flag'],
      "unknown option '--no-such-flag'",
    ],
  ])('%j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('--help lists the environment variables', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('env: MCCONFGEN_ELASTICACHE_CLUSTER_ID');
    expect(r.stdout).toContain('--eb-use-environment-resources');
  });
});
