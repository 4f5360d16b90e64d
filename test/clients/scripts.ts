/** Locating and building the client battery scripts under test/clients/scripts. */
import { execFile } from 'node:child_process';
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
