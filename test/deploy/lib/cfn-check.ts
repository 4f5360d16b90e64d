/**
 * A checker for the CloudFormation in an .ebextensions set (and in a plain CloudFormation
 * template): resource types and their property names, intrinsic functions and their shapes,
 * `Ref`/`Fn::GetAtt` targets (the set's resources, Elastic Beanstalk's own resources, pseudo
 * parameters, template parameters), and `Fn::GetOptionSetting` names against the set's
 * `option_settings`. EB merges every .config file of the bundle into one template, so references
 * are resolved across the whole set.
 *
 * Resource types, their properties (nested property types included, unknown keys rejected) and
 * attributes come from the CloudFormation resource specification shipped in
 * `@aws-cdk/aws-service-spec` (lib/cfn-spec.ts).
 *
 * Sources: EB developer guide "Adding and customizing Elastic Beanstalk environment resources",
 * "Functions" (Ref, Fn::GetAtt, Fn::Join, Fn::GetOptionSetting; the seed also used Fn::Select and
 * Fn::Split), "Resource names" (AWSEB*).
 */
import { checkObject, resourceSpec } from './cfn-spec.js';

/** One problem: the file, the JSON path inside it, and what is wrong. */
export interface CfnProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** Elastic Beanstalk's own resources, which configuration files may reference, with their attributes. */
export const EB_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  AWSEBAutoScalingGroup: [],
  AWSEBAutoScalingLaunchConfiguration: [],
  AWSEBEC2LaunchTemplate: [],
  AWSEBEnvironmentName: [],
  AWSEBEnvironmentId: [],
  AWSEBLoadBalancer: ['DNSName', 'CanonicalHostedZoneName', 'CanonicalHostedZoneNameID'],
  AWSEBLoadBalancerSecurityGroup: ['GroupId'],
  AWSEBSecurityGroup: ['GroupId'],
  AWSEBV2LoadBalancer: ['DNSName', 'LoadBalancerFullName', 'CanonicalHostedZoneID'],
  AWSEBV2LoadBalancerListener: [],
  AWSEBV2LoadBalancerTargetGroup: [],
};

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** Platform options `Fn::GetOptionSetting` may read without the set declaring them. */
export const PLATFORM_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  'aws:ec2:vpc': ['VpcId', 'Subnets', 'ELBSubnets', 'AssociatePublicIpAddress', 'ELBScheme'],
  'aws:autoscaling:launchconfiguration': [
    'IamInstanceProfile',
    'InstanceType',
    'SecurityGroups',
    'EC2KeyName',
  ],
  'aws:elasticbeanstalk:environment': ['EnvironmentType', 'LoadBalancerType', 'ServiceRole'],
};

const CUSTOM = 'aws:elasticbeanstalk:customoption';
const EBEXT_KEYS = new Set([
  'option_settings',
  'Resources',
  'Outputs',
  'packages',
  'groups',
  'users',
  'sources',
  'files',
  'commands',
  'services',
  'container_commands',
]);
const CFN_KEYS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Parameters',
  'Conditions',
  'Resources',
  'Outputs',
  'Metadata',
  'Mappings',
]);
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
]);

/** A value as text for messages: strings as they are, anything else as JSON. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The option_settings of one file, in either EB form, as `namespace → option → value`. */
export function optionSettings(doc: Record<string, unknown>): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  const put = (ns: string, name: string, value: unknown): void => {
    const m = out.get(ns) ?? new Map<string, unknown>();
    m.set(name, value);
    out.set(ns, m);
  };
  const os = doc.option_settings;
  if (Array.isArray(os)) {
    for (const e of os) if (isObject(e)) put(str(e.namespace ?? CUSTOM), str(e.option_name), e.value);
  } else if (isObject(os)) {
    for (const [ns, opts] of Object.entries(os))
      if (isObject(opts)) for (const [k, v] of Object.entries(opts)) put(ns, k, v);
  }
  return out;
}

/** The backtick-quoted CloudFormation snippets in an option value or file content (`{"Ref": "X"}`). */
export function interpolations(text: string): string[] {
  return [...text.matchAll(/`(\{[^`]*\})`/g)].map((m) => m[1] ?? '');
}

/**
 * Checks a set of files: `.ebextensions` configs (kind `ebextensions`, references resolved across
 * the set) or one plain CloudFormation template (kind `cloudformation`).
 * @param files file name → parsed document
 * @returns every problem found (empty when the set is consistent)
 */
export function checkCfn(
  files: ReadonlyMap<string, unknown>,
  kind: 'ebextensions' | 'cloudformation',
): CfnProblem[] {
  const problems: CfnProblem[] = [];
  const resources = new Map<string, { type: string; file: string }>();
  const declared = new Map<string, Map<string, unknown>>();
  const parameters = new Set<string>();
  const conditions = new Set<string>();

  // Pass 1: shape, resources, option settings.
  for (const [file, doc] of files) {
    if (!isObject(doc)) {
      problems.push({ file, path: '', message: 'not a mapping' });
      continue;
    }
    const allowed = kind === 'ebextensions' ? EBEXT_KEYS : CFN_KEYS;
    for (const k of Object.keys(doc))
      if (!allowed.has(k)) problems.push({ file, path: k, message: `unknown top-level key ${k}` });
    for (const [ns, opts] of optionSettings(doc))
      for (const [k, v] of opts) {
        const m = declared.get(ns) ?? new Map<string, unknown>();
        m.set(k, v);
        declared.set(ns, m);
      }
    if (isObject(doc.Parameters)) for (const p of Object.keys(doc.Parameters)) parameters.add(p);
    if (isObject(doc.Conditions)) for (const c of Object.keys(doc.Conditions)) conditions.add(c);
    if (isObject(doc.Resources))
      for (const [id, r] of Object.entries(doc.Resources)) {
        const type = isObject(r) && typeof r.Type === 'string' ? r.Type : '';
        const prev = resources.get(id);
        if (prev !== undefined)
          problems.push({ file, path: `Resources.${id}`, message: `also defined in ${prev.file}` });
        if (id in EB_RESOURCES)
          problems.push({
            file,
            path: `Resources.${id}`,
            message: `${id} is Elastic Beanstalk's own resource`,
          });
        resources.set(id, { type, file });
      }
  }

  const walk = (file: string, path: string, v: unknown): void => {
    const add = (message: string): void => {
      problems.push({ file, path, message });
    };
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(file, `${path}[${i}]`, x);
      });
      return;
    }
    if (!isObject(v)) return;
    const keys = Object.keys(v);
    const fn =
      keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true) ? keys[0] : null;
    if (fn === null) {
      for (const [k, x] of Object.entries(v)) walk(file, path === '' ? k : `${path}.${k}`, x);
      return;
    }
    const arg = v[fn];
    const at = `${path}.${fn}`;
    switch (fn) {
      case 'Ref': {
        const ok =
          typeof arg === 'string' &&
          (resources.has(arg) || arg in EB_RESOURCES || PSEUDO.has(arg) || parameters.has(arg));
        if (!ok)
          problems.push({
            file,
            path: at,
            message: `Ref to ${String(arg)}, which is not a resource or parameter`,
          });
        break;
      }
      case 'Fn::GetAtt': {
        const pair = Array.isArray(arg)
          ? arg
          : typeof arg === 'string'
            ? arg.split(/\.(.*)/s).slice(0, 2)
            : [];
        const [res, attr] = pair as [unknown, unknown];
        if (typeof res !== 'string' || typeof attr !== 'string') {
          problems.push({ file, path: at, message: 'Fn::GetAtt takes [resource, attribute]' });
          break;
        }
        const own = resources.get(res);
        const attrs = own !== undefined ? resourceSpec(own.type)?.attrs : EB_RESOURCES[res];
        if (attrs === undefined)
          problems.push({ file, path: at, message: `Fn::GetAtt of ${res}, which is not a resource` });
        else if (!attrs.includes(attr))
          problems.push({ file, path: at, message: `${res} has no attribute ${attr}` });
        break;
      }
      case 'Fn::Join':
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1]))
          problems.push({ file, path: at, message: 'Fn::Join takes [delimiter, [values]]' });
        else walk(file, at, arg[1]);
        break;
      case 'Fn::Select':
        if (!Array.isArray(arg) || arg.length !== 2 || !/^\d+$/.test(String(arg[0])))
          problems.push({ file, path: at, message: 'Fn::Select takes [index, list]' });
        else walk(file, at, arg[1]);
        break;
      case 'Fn::Split':
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string')
          problems.push({ file, path: at, message: 'Fn::Split takes [delimiter, string]' });
        else walk(file, at, arg[1]);
        break;
      case 'Fn::GetOptionSetting': {
        if (kind !== 'ebextensions') {
          add('Fn::GetOptionSetting exists only in .ebextensions');
          break;
        }
        if (!isObject(arg) || typeof arg.OptionName !== 'string') {
          problems.push({
            file,
            path: at,
            message: 'Fn::GetOptionSetting takes {Namespace?, OptionName, DefaultValue?}',
          });
          break;
        }
        const ns = typeof arg.Namespace === 'string' ? arg.Namespace : CUSTOM;
        const name = arg.OptionName;
        const platform = PLATFORM_OPTIONS[ns];
        if (platform !== undefined) {
          if (!platform.includes(name))
            problems.push({ file, path: at, message: `${ns} has no option ${name}` });
          break;
        }
        const value = declared.get(ns)?.get(name);
        if (value === undefined)
          problems.push({
            file,
            path: at,
            message: `option ${ns}:${name} is not declared in option_settings`,
          });
        else if (arg.DefaultValue !== undefined && str(arg.DefaultValue) !== str(value))
          problems.push({
            file,
            path: at,
            message: `DefaultValue ${JSON.stringify(arg.DefaultValue)} differs from the declared ${JSON.stringify(value)}`,
          });
        break;
      }
      case 'Fn::If':
      case 'Fn::Equals':
      case 'Fn::Not':
        if (kind !== 'cloudformation') add(`${fn} is not supported in .ebextensions`);
        else if (fn === 'Fn::If' && (!Array.isArray(arg) || !conditions.has(String(arg[0]))))
          add(`Fn::If names no condition`);
        else walk(file, at, arg);
        break;
      default:
        add(`unsupported function ${fn}`);
    }
  };

  // Pass 2: resources, outputs, conditions, and the snippets interpolated into option values.
  for (const [file, doc] of files) {
    if (!isObject(doc)) continue;
    if (isObject(doc.Resources))
      for (const [id, r] of Object.entries(doc.Resources)) {
        const base = `Resources.${id}`;
        if (!isObject(r)) {
          problems.push({ file, path: base, message: 'not a mapping' });
          continue;
        }
        for (const k of Object.keys(r))
          if (!RESOURCE_KEYS.has(k))
            problems.push({ file, path: `${base}.${k}`, message: `unknown resource key ${k}` });
        const spec = resourceSpec(String(r.Type));
        if (spec === undefined) {
          problems.push({ file, path: `${base}.Type`, message: `unknown resource type ${String(r.Type)}` });
          continue;
        }
        const props = isObject(r.Properties) ? r.Properties : {};
        checkObject(`${base}.Properties`, props, spec.props, (path, message) => {
          problems.push({
            file,
            path,
            message: message
              .replace(/^unknown property (\S+)$/, `${String(r.Type)} has no property $1`)
              .replace(/^needs (\S+)$/, (m: string, p: string) =>
                path === `${base}.Properties` ? `${String(r.Type)} needs ${p}` : m,
              ),
          });
        });
        if (r.Condition !== undefined && !conditions.has(str(r.Condition)))
          problems.push({ file, path: `${base}.Condition`, message: `no condition ${str(r.Condition)}` });
        for (const d of [r.DependsOn].flat())
          if (d !== undefined && !resources.has(str(d)))
            problems.push({
              file,
              path: `${base}.DependsOn`,
              message: `DependsOn ${str(d)}, which is not a resource`,
            });
        walk(file, `${base}.Properties`, props);
      }
    if (isObject(doc.Outputs)) walk(file, 'Outputs', doc.Outputs);
    if (isObject(doc.Conditions)) walk(file, 'Conditions', doc.Conditions);
    for (const [ns, opts] of optionSettings(doc))
      for (const [k, v] of opts)
        for (const snippet of interpolations(String(v))) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(snippet);
          } catch {
            problems.push({ file, path: `option_settings.${ns}.${k}`, message: `not JSON: ${snippet}` });
            continue;
          }
          walk(file, `option_settings.${ns}.${k}`, parsed);
        }
  }
  return problems;
}
