/**
 * Option tables: one entry per command-line option (key, flags, kind, default, help) from which the
 * options' TypeScript type, their defaults, the commander program (parsing, `--help`, environment
 * variables) and the options table in docs/ are all derived. `proxy/options.ts` (mcproxy) and
 * `confgen/options.ts` (mcconfgen) each hold one table; `scripts/docs-options.ts`
 * (`npm run docs:options`) writes the docs tables and `test/unit/cli/options-docs.test.ts` fails
 * when they drift.
 *
 * A toggle's flags end in `[bool]`: given without a value it is switched on (mcrouter's rule,
 * `mcrouter/options.cpp`); a `choice` option's `[value]` given bare takes its `bare` value.
 */
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { boolArg, listArg, numberArg } from './cli-args.js';

/** The value type of each kind of option. */
interface KindTypes {
  /** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`. */
  bool: boolean;
  /** A whole number in [min, max]. */
  int: number;
  /** Any finite number in [min, max]. */
  number: number;
  string: string;
  /** Comma-separated TCP ports, 0–65535. */
  ports: number[];
  /** Comma-separated strings, blanks dropped. */
  list: string[];
  /** mcrouter's string map `name1:value1,name2:value2` (see `parseStringMap`). */
  map: Readonly<Record<string, string>>;
}

/** What every option entry has. */
interface BaseSpec<K extends string> {
  /** The property of the parsed options. */
  readonly key: string;
  /** commander flags, e.g. `-t, --server-timeout <ms>`; a toggle's end in `[bool]`. */
  readonly flags: string;
  readonly kind: K;
  /** One line for `--help` and the docs table (plain text). */
  readonly help: string;
  /** Appended to `help` in the docs table only: Markdown, e.g. a link to another page. */
  readonly see?: string;
  /** How the default is shown (help and docs) when its value alone says little (e.g. `stderr`). */
  readonly shownDefault?: string;
}

/** One option. `default: undefined` makes the value optional (`T | undefined`). */
export type OptionSpec =
  | (BaseSpec<'bool'> & { readonly default: boolean })
  | (BaseSpec<'int' | 'number'> & {
      readonly default: number | undefined;
      readonly min?: number;
      readonly max?: number;
    })
  | (BaseSpec<'string'> & { readonly default: string | undefined })
  | (BaseSpec<'ports'> & { readonly default: readonly number[] })
  | (BaseSpec<'list'> & { readonly default: readonly string[] })
  | (BaseSpec<'map'> & { readonly default: Readonly<Record<string, string>> })
  | (BaseSpec<'choice'> & {
      readonly choices: readonly string[];
      /** The value when the flag is given without one (flags end in `[value]`). */
      readonly bare?: string;
      readonly default: string;
    });

/** The value type of one entry. */
export type OptionValue<S extends OptionSpec> = S extends {
  readonly kind: 'choice';
  readonly choices: readonly (infer C)[];
  readonly default: infer D;
}
  ? C | D
  : S extends { readonly kind: infer K extends keyof KindTypes; readonly default: infer D }
    ? undefined extends D
      ? KindTypes[K] | undefined
      : KindTypes[K]
    : never;

/** The options object a table describes: `{ [entry.key]: value }`. */
export type OptionValues<T extends readonly OptionSpec[]> = {
  -readonly [S in T[number] as S['key']]: OptionValue<S>;
};

/** The long flag of an entry, e.g. `--server-timeout`. */
export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? spec.key;
}

/** A fresh copy of a default (arrays and maps are never shared between parses). */
function copyDefault(value: unknown): unknown {
  if (Array.isArray(value)) return [...(value as unknown[])];
  if (typeof value === 'object' && value !== null) return { ...value };
  return value;
}

/** The defaults of a table, as an options object. */
export function defaultsOf<T extends readonly OptionSpec[]>(specs: T): OptionValues<T> {
  return Object.fromEntries(specs.map((s) => [s.key, copyDefault(s.default)])) as OptionValues<T>;
}

/**
 * Parses mcrouter's string-map option syntax `name1:value1,name2:value2` (`mcrouter/options.cpp`):
 * each pair has exactly one `:`; a name given twice keeps its first value; '' is an empty map.
 * @throws InvalidArgumentError `Invalid string map pair: '<pair>'. Expected name:value.`
 */
export function parseStringMap(text: string): Record<string, string> {
  const pairs: [string, string][] = [];
  if (text === '') return {};
  for (const pair of text.split(',')) {
    const parts = pair.split(':');
    if (parts.length !== 2)
      throw new InvalidArgumentError(`Invalid string map pair: '${pair}'. Expected name:value.`);
    const [name, value] = parts as [string, string];
    if (!pairs.some(([n]) => n === name)) pairs.push([name, value]);
  }
  return Object.fromEntries(pairs);
}

/** The string-to-value parser of an entry (errors are commander's InvalidArgumentError). */
function parserFor(spec: OptionSpec): (v: string) => unknown {
  const name = longFlag(spec);
  switch (spec.kind) {
    case 'bool':
      return boolArg(name);
    case 'int':
    case 'number':
      return numberArg(name, spec.min ?? -Infinity, spec.max ?? Infinity, spec.kind === 'int');
    case 'ports':
      return (v) =>
        v
          .split(',')
          .filter((p) => p.trim() !== '')
          .map((p) => {
            const n = Number(p.trim());
            if (!Number.isInteger(n) || n < 0 || n > 65535)
              throw new InvalidArgumentError(`${name}: invalid port "${p}"`);
            return n;
          });
    case 'list':
      return listArg;
    case 'choice':
      return (v) => {
        if (!spec.choices.includes(v))
          throw new InvalidArgumentError(
            `${name}: expected ${spec.choices.map((c) => `"${c}"`).join(' or ')}`,
          );
        return v;
      };
    case 'string':
      return (v) => v;
    case 'map':
      return (v) => {
        try {
          return parseStringMap(v);
        } catch (err) {
          throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
        }
      };
  }
}

/** How a default is shown in `--help` and the docs: `on`/`off`, the number, `—` for none. */
export function shownDefault(spec: OptionSpec): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  const v: unknown = spec.default;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.join(',');
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, string>);
    return entries.length === 0 ? '—' : entries.map(([k, x]) => `${k}:${x}`).join(',');
  }
  return typeof v === 'number' || typeof v === 'string' ? String(v) : '—';
}

/** What `addOptions` registered: each entry with its commander Option. */
export type RegisteredOptions = readonly (readonly [OptionSpec, Option])[];

/**
 * Adds a table's options to a commander program: parser, help with the shown default, `[bool]`
 * toggles on when bare, and (with `envName`) an environment variable per option.
 */
export function addOptions(
  cmd: Command,
  specs: readonly OptionSpec[],
  opts: { helpSuffix?: (spec: OptionSpec) => string; envName?: (spec: OptionSpec) => string } = {},
): RegisteredOptions {
  return specs.map((spec) => {
    // commander shows no default for `undefined`; a described one is added to the help text.
    const described = spec.default === undefined && spec.shownDefault !== undefined;
    const help =
      spec.help + (opts.helpSuffix?.(spec) ?? '') + (described ? ` (default: ${spec.shownDefault})` : '');
    const option = new Option(spec.flags, help)
      .argParser(parserFor(spec))
      .default(copyDefault(spec.default), shownDefault(spec));
    if (spec.kind === 'choice' && spec.bare !== undefined) option.preset(spec.bare);
    if (opts.envName !== undefined) option.env(opts.envName(spec));
    cmd.addOption(option);
    return [spec, option] as const;
  });
}

/** The parsed values of the options `addOptions` registered, by entry key. */
export function valuesOf<T extends readonly OptionSpec[]>(
  cmd: Command,
  registered: RegisteredOptions,
): OptionValues<T> {
  const raw = cmd.opts<Record<string, unknown>>();
  return Object.fromEntries(
    registered.map(([spec, option]) => [spec.key, raw[option.attributeName()]]),
  ) as OptionValues<T>;
}

/**
 * Escapes a table cell for Markdown: `|` would end the cell, and outside a code span `<name>` would
 * be taken for an HTML tag. `unescapeCell` undoes it.
 */
export function escapeCell(text: string): string {
  const code = text.startsWith('`') && text.endsWith('`');
  return code ? text.replaceAll('|', '\\|') : text.replaceAll('|', '\\|').replaceAll('<', '\\<');
}

/** A Markdown table cell's text, as `escapeCell` was given it. */
export function unescapeCell(text: string): string {
  return text.replaceAll('\\|', '|').replaceAll('\\<', '<');
}

/**
 * The docs table of a table's options: one row per entry, `| option | default | meaning |`, in
 * table order; `origin(spec)` may add a marker to the meaning (e.g. `[mcsidecar]`).
 */
export function markdownRows(
  specs: readonly OptionSpec[],
  suffix?: (spec: OptionSpec) => string,
): string[][] {
  return specs.map((s) => [
    `\`${s.flags}\``,
    shownDefault(s),
    s.help + (s.see !== undefined ? ` (${s.see})` : '') + (suffix?.(s) ?? ''),
  ]);
}

/** Renders rows as a Markdown table (unpadded; prettier pads it). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
