/**
 * Value parsers and the parse step shared by the command lines (`mcproxy`, `mcconfgen`), on top
 * of commander: toggles, bounded numbers, comma lists, and commander errors turned into ours.
 */
import { CommanderError, InvalidArgumentError, type Command } from 'commander';

/** A toggle's value: true/1/yes/on (or empty) or false/0/no/off. */
export function boolArg(name: string): (v: string) => boolean {
  return (v) => {
    const s = v.toLowerCase();
    if (['true', '1', 'yes', 'on', ''].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    throw new InvalidArgumentError(`${name}: expected true or false`);
  };
}

/** A number in [min, max]; with `integer`, a whole one. */
export function numberArg(name: string, min: number, max: number, integer = true): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name}: expected ${integer ? 'an integer' : 'a number'}`);
    }
    if (n < min || n > max) throw new InvalidArgumentError(`${name}: must be in [${min}, ${max}]`);
    return n;
  };
}

/** A comma-separated list; blanks dropped. */
export function listArg(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Runs commander on `argv` (without node and script).
 * @param toError turns a usage error's text into the caller's error class
 * @throws CommanderError with exitCode 0 for `--help` / `--version` (the output is printed)
 */
export function parseCommand(
  cmd: Command,
  argv: readonly string[],
  output: { write: (s: string) => void } | undefined,
  toError: (message: string) => Error,
): void {
  if (output !== undefined) cmd.configureOutput({ writeOut: output.write, writeErr: output.write });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) throw err;
    if (err instanceof CommanderError) throw toError(err.message.replace(/^error: /, ''));
    throw err;
  }
}
