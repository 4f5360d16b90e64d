/**
 * Turns a preprocessor error into a `ConfigError` a user can act on: the JSON path in the config
 * where the failing value is, then the chain of macros, calls, consts, vars and imported files
 * the expansion went through (with the path inside each), then the reason. For example:
 *
 * `route.children[1]: in macro "shard", argument 2: in macro "int": Can not cast string to int: invalid integer "x"`
 *
 * `pools: in @import "/etc/mcrouter/pools.json", at central.servers[0]: Param in string: 'port' not found`
 *
 * Runs of the same step (a macro calling itself) are shown once with a count.
 */
import { ConfigError } from '../../errors.js';
import { childPath } from '../json-path.js';
import type { Frame, JsonmError } from './value.js';

/** How many chain steps to show at most (the first ones and the last ones). */
const MAX_STEPS = 20;

function describe(f: Exclude<Frame, { kind: 'key' }>): string {
  switch (f.kind) {
    case 'macro':
      return `in macro "${f.name}"`;
    case 'call':
      return `in "${f.name}"`;
    case 'const':
      return `in const "${f.name}"`;
    case 'var':
      return `in var "${f.name}"`;
    case 'arg':
      return `argument ${f.index + 1}`;
    case 'item':
      return `for ${typeof f.key === 'number' ? `item ${f.key}` : `key ${JSON.stringify(f.key)}`}`;
    case 'import':
      return `in @import "${f.file}"`;
  }
}

/**
 * Builds the `ConfigError` for `err`.
 * @param basePath JSON path prefix of the expanded value (e.g. '' for the whole config)
 */
export function configErrorOf(err: JsonmError, basePath = ''): ConfigError {
  const frames = err.frames;
  let i = 0;
  let path = basePath;
  for (; i < frames.length; i++) {
    const f = frames[i] as Frame;
    if (f.kind !== 'key') break;
    path = childPath(path, f.key);
  }
  const steps: string[] = [];
  let inner = '';
  const flush = (): void => {
    if (inner !== '') steps.push(`at ${inner}`);
    inner = '';
  };
  for (; i < frames.length; i++) {
    const f = frames[i] as Frame;
    if (f.kind === 'key') {
      inner = childPath(inner, f.key);
      continue;
    }
    flush();
    // `@import(x)` fails inside the import: the macro step adds nothing.
    if (f.kind === 'import' && steps.at(-1) === 'in macro "import"') steps.pop();
    steps.push(describe(f));
  }
  flush();
  const chain = compress(steps);
  const reason = chain.length === 0 ? err.message : `${chain.join(', ')}: ${err.message}`;
  return new ConfigError(path, reason);
}

/** Collapses runs of one repeated group of steps and keeps long chains readable. */
function compress(steps: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < steps.length;) {
    // Try the shortest period (1..8 steps) that repeats at least 3 times from i.
    let done = false;
    for (let period = 1; period <= 8 && !done; period++) {
      let reps = 1;
      while (sameRun(steps, i, i + reps * period, period)) reps++;
      if (reps >= 3) {
        out.push(`${steps.slice(i, i + period).join(', ')} (×${reps})`);
        i += reps * period;
        done = true;
      }
    }
    if (!done) out.push(steps[i++] as string);
  }
  if (out.length <= MAX_STEPS) return out;
  return [...out.slice(0, MAX_STEPS - 7), '…', ...out.slice(-6)];
}

function sameRun(steps: string[], a: number, b: number, n: number): boolean {
  if (b + n > steps.length) return false;
  for (let k = 0; k < n; k++) if (steps[a + k] !== steps[b + k]) return false;
  return true;
}
