/**
 * The ECS API model as the AWS SDK ships it: `@aws-sdk/client-ecs` carries the service's Smithy
 * shapes as static schemas (`RegisterTaskDefinitionRequest$` and everything it references).
 * `checkRegisterTaskDefinition` walks a task definition (or the ECS part of a Dockerrun v2 file)
 * through them: unknown members, missing required ones, and values of the wrong kind (string,
 * number, boolean, list, map, structure) are reported with their JSON path, as the
 * RegisterTaskDefinition call would refuse them. Enum values and ranges are the zod schemas'
 * business (lib/ecs-schema.ts).
 *
 * Static schema layout (smithy-typescript): a number is a simple type (0 string, 1 number,
 * 2 boolean, 4–7 timestamps, 15 document, 21 blob; `64 | t` a list of `t`, `128 | t` a map of
 * `t`); an array is `[kind, namespace, name, traits, …]` with kind 3 structure (member names,
 * member schemas, the count of leading required members), 1 list (member), 2 map (key, value),
 * 0 a simple type with traits; a function or `[function, traits]` refers to another schema.
 */
import { RegisterTaskDefinitionRequest$ } from '@aws-sdk/client-ecs';

type Schema = unknown;

function deref(s: Schema): Schema {
  let cur = s;
  for (;;) {
    if (typeof cur === 'function') cur = (cur as () => Schema)();
    else if (Array.isArray(cur) && typeof cur[0] === 'function') cur = cur[0];
    else return cur;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return Array.isArray(v)
    ? 'a list'
    : v === null
      ? 'null'
      : typeof v === 'object'
        ? 'a mapping'
        : `a ${typeof v}`;
}

/** Checks `value` against schema `s`; `report(path, message)` for each problem. */
function check(
  path: string,
  value: unknown,
  s: Schema,
  report: (path: string, message: string) => void,
): void {
  const schema = deref(s);
  if (typeof schema === 'number') {
    if (schema & 64) {
      if (!Array.isArray(value)) report(path, `expected a list, got ${kindOf(value)}`);
      else
        value.forEach((v, i) => {
          check(`${path}[${i}]`, v, schema & ~64, report);
        });
      return;
    }
    if (schema & 128) {
      if (!isObject(value)) report(path, `expected a mapping, got ${kindOf(value)}`);
      else for (const [k, v] of Object.entries(value)) check(`${path}.${k}`, v, schema & ~128, report);
      return;
    }
    const want = schema === 0 ? 'string' : schema === 1 ? 'number' : schema === 2 ? 'boolean' : null;
    if (want !== null && typeof value !== want) report(path, `expected a ${want}, got ${kindOf(value)}`);
    return;
  }
  if (!Array.isArray(schema)) return;
  const [kind] = schema as [number];
  if (kind === 0) {
    check(path, value, schema[4], report);
  } else if (kind === 1) {
    if (!Array.isArray(value)) report(path, `expected a list, got ${kindOf(value)}`);
    else
      value.forEach((v, i) => {
        check(`${path}[${i}]`, v, schema[4], report);
      });
  } else if (kind === 2) {
    if (!isObject(value)) report(path, `expected a mapping, got ${kindOf(value)}`);
    else for (const [k, v] of Object.entries(value)) check(`${path}.${k}`, v, schema[5], report);
  } else if (kind === 3) {
    const names = schema[4] as string[];
    const members = schema[5] as Schema[];
    const required = typeof schema[6] === 'number' ? schema[6] : 0;
    const name = schema[2] as string;
    if (!isObject(value)) {
      report(path, `expected a mapping (${name}), got ${kindOf(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const i = names.indexOf(k);
      if (i < 0) report(path === '' ? k : `${path}.${k}`, `${name} has no member ${k}`);
      else check(path === '' ? k : `${path}.${k}`, v, members[i], report);
    }
    for (const k of names.slice(0, required)) if (!(k in value)) report(path, `${name} needs ${k}`);
  }
}

/** The members of RegisterTaskDefinitionRequest (family, containerDefinitions, volumes, …). */
export function registerTaskDefinitionMembers(): string[] {
  return [...((RegisterTaskDefinitionRequest$ as unknown[])[4] as string[])];
}

/**
 * Checks a task definition against ECS's RegisterTaskDefinitionRequest.
 * @param only check only these top-level members (a Dockerrun v2 file: containerDefinitions and
 *   volumes; EB supplies the rest)
 * @returns `path: message` for each problem (empty when ECS would accept the shapes)
 */
export function checkRegisterTaskDefinition(value: unknown, only?: readonly string[]): string[] {
  const problems: string[] = [];
  const report = (path: string, message: string): void => {
    problems.push(`${path}: ${message}`);
  };
  if (only === undefined) {
    check('', value, RegisterTaskDefinitionRequest$, report);
    return problems;
  }
  const schema = RegisterTaskDefinitionRequest$ as unknown as [
    number,
    string,
    string,
    number,
    string[],
    Schema[],
  ];
  const v = isObject(value) ? value : {};
  for (const k of only) if (k in v) check(k, v[k], schema[5][schema[4].indexOf(k)], report);
  return problems;
}
