/** Locating and building the client battery scripts under test/clients/scripts. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Absolute path of a file in test/clients/scripts. */
export function scriptPath(name: string): string {
  return fileURLToPath(new URL(`./scripts/${name}`, import.meta.url));
}

/** A fresh temporary directory for one run's build output. */
export function buildDir(tag: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `mcsidecar-${tag}-`));
}

/** Runs a build command; rejects with its output when it fails. */
export async function build(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  await promisify(execFile)(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 20 });
}

/** What a bounded run printed and how it ended. */
export interface BoundedRun {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code, signal name, or `killed after <ms> ms`. */
  readonly exit: string;
}

/**
 * Runs `argv` with its output collected; kills it (SIGKILL) after `limitMs`, so a client waiting
 * forever for a reply ends the run instead of the test.
 */
export function runBounded(argv: readonly string[], limitMs: number): Promise<BoundedRun> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      proc.kill('SIGKILL');
    }, limitMs);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exit: killed ? `killed after ${limitMs} ms` : String(code ?? signal) });
    });
  });
}
