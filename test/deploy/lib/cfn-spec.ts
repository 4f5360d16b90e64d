/**
 * The CloudFormation resource specification as AWS CDK ships it (`@aws-cdk/aws-service-spec`, the
 * database CDK generates its L1 classes from, itself built from the CloudFormation registry
 * schemas): for a resource type, its properties (required or not, and their types down to every
 * nested property type) and its `Fn::GetAtt` attributes. `checkPropertyValue` walks a literal
 * property value against its type and reports unknown keys, missing required keys and values of
 * the wrong kind; intrinsic functions (`Ref`, `Fn::*`) stand for any value.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';

type SpecDb = ReturnType<typeof loadAwsServiceSpecSync>;

/** A property type of the specification (a subset of `@aws-cdk/service-spec-types` PropertyType). */
export type PropType =
  | { readonly type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { readonly type: 'array' | 'map'; readonly element: PropType }
  | { readonly type: 'ref'; readonly reference: { readonly $ref: string } }
  | { readonly type: 'union'; readonly types: readonly PropType[] };

interface PropSpec {
  readonly type: PropType;
  readonly required?: boolean;
}

/** A resource type: property specs, required property names, attribute names. */
export interface ResourceSpec {
  readonly props: Readonly<Record<string, PropSpec>>;
  readonly required: readonly string[];
  readonly attrs: readonly string[];
}

let db: SpecDb | null = null;
function spec(): SpecDb {
  db ??= loadAwsServiceSpecSync();
  return db;
}

const cache = new Map<string, ResourceSpec | undefined>();

/** The specification of `cfnType` (`AWS::EC2::SecurityGroup`), or undefined when there is none. */
export function resourceSpec(cfnType: string): ResourceSpec | undefined {
  if (cache.has(cfnType)) return cache.get(cfnType);
  const found = spec().lookup('resource', 'cloudFormationType', 'equals', cfnType);
  const r = found.length === 1 ? found[0] : undefined;
  const out =
    r === undefined
      ? undefined
      : {
          props: r.properties as unknown as Record<string, PropSpec>,
          required: Object.entries(r.properties)
            .filter(([, p]) => p.required === true)
            .map(([k]) => k),
          attrs: Object.keys(r.attributes),
        };
  cache.set(cfnType, out);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for `{Ref: …}` / `{"Fn::…": …}`: a value only known at deploy time. */
export function isIntrinsic(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true);
}

/**
 * Checks `value` against `type`.
 * @param report called with (path, message) for each problem
 */
export function checkPropertyValue(
  path: string,
  value: unknown,
  type: PropType,
  report: (path: string, message: string) => void,
): void {
  if (isIntrinsic(value)) return;
  switch (type.type) {
    case 'json':
    case 'null':
      return;
    case 'string':
    case 'date-time':
      if (!['string', 'number', 'boolean'].includes(typeof value)) report(path, 'expected a string');
      return;
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' ? Number(value) : value;
      if (typeof n !== 'number' || Number.isNaN(n) || (type.type === 'integer' && !Number.isInteger(n)))
        report(
          path,
          `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`,
        );
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false')
        report(path, `expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'tag':
      checkObject(
        path,
        value,
        {
          Key: { type: { type: 'string' }, required: true },
          Value: { type: { type: 'string' }, required: true },
        },
        report,
      );
      return;
    case 'array':
      if (!Array.isArray(value)) report(path, 'expected a list');
      else
        value.forEach((v, i) => {
          checkPropertyValue(`${path}[${i}]`, v, type.element, report);
        });
      return;
    case 'map':
      if (!isObject(value)) report(path, 'expected a mapping');
      else
        for (const [k, v] of Object.entries(value))
          checkPropertyValue(`${path}.${k}`, v, type.element, report);
      return;
    case 'ref': {
      const def = spec().get('typeDefinition', type.reference.$ref) as unknown as {
        properties: Record<string, PropSpec>;
      };
      checkObject(path, value, def.properties, report);
      return;
    }
    case 'union': {
      const fits = type.types.some((t) => {
        let ok = true;
        checkPropertyValue(path, value, t, () => (ok = false));
        return ok;
      });
      if (!fits) report(path, `matches none of ${type.types.map((t) => t.type).join(', ')}`);
      return;
    }
  }
}

/** Checks a mapping against property specs: unknown keys, missing required ones, each value. */
export function checkObject(
  path: string,
  value: unknown,
  props: Readonly<Record<string, PropSpec>>,
  report: (path: string, message: string) => void,
): void {
  if (!isObject(value)) {
    report(path, 'expected a mapping');
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = props[k];
    if (p === undefined) report(`${path}.${k}`, `unknown property ${k}`);
    else checkPropertyValue(`${path}.${k}`, v, p.type, report);
  }
  for (const [k, p] of Object.entries(props))
    if (p.required === true && !(k in value)) report(path, `needs ${k}`);
}
