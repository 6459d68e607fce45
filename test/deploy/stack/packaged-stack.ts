import { existsSync, readFileSync } from 'node:fs';

/** A policy statement as a role carries it, with every intrinsic function resolved. */
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** One function of the packaged stack: where its code is, what it runs with, and what its role allows. */
export interface PackagedFunction {
  /** The function's key in serverless.yml (`sweep`, `reconcileScope`, …). */
  readonly name: string;
  /** `src/handlers/sweep.ts` and the export (`handler`, `continuation`). */
  readonly module: string;
  readonly exportName: string;
  readonly environment: Record<string, string>;
  readonly roleName: string;
  readonly statements: readonly Statement[];
}

export interface PackagedStack {
  readonly accountId: string;
  readonly region: string;
  readonly functions: ReadonlyMap<string, PackagedFunction>;
  /** Roles no function runs with (a grant nobody holds is a grant nobody reviews). */
  readonly unattachedRoles: readonly string[];
  /** Every resource's type, by logical id. */
  readonly resourceTypes: Readonly<Record<string, string>>;
  /** The physical value a resource would have once created (`Ref`), and its attributes (`Fn::GetAtt`). */
  ref(logicalId: string): string;
  attribute(logicalId: string, name: string): string;
}

type Resource = { Type: string; Properties: Record<string, any> };

/**
 * Reads the CloudFormation template `osls package` wrote and resolves it as CloudFormation would in `accountId` and
 * `region`: Ref, Fn::GetAtt, Fn::Sub, Fn::Join and Fn::Split over the physical names the resources would get.
 */
export function readPackagedStack(file: string, accountId: string, region: string): PackagedStack {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run package\` and \`npm run package:long\` (npm test does) before these tests`);
  const resources = (JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
  const partition = 'aws';
  const pseudo: Record<string, string> = { 'AWS::AccountId': accountId, 'AWS::Region': region, 'AWS::Partition': partition, 'AWS::StackName': 'ecr-ledger' };

  const ref = (id: string): string => {
    if (pseudo[id] !== undefined) return pseudo[id]!;
    const resource = resources[id];
    if (!resource) throw new Error(`Ref to ${id}: no such resource`);
    switch (resource.Type) {
      case 'AWS::SQS::Queue': return `https://sqs.${region}.amazonaws.com/${accountId}/${id}`;
      case 'AWS::SNS::Topic': return `arn:${partition}:sns:${region}:${accountId}:${id}`;
      case 'AWS::S3::Bucket': return `${id.toLowerCase()}-${accountId}`;
      case 'AWS::DynamoDB::Table': return resolve(resource.Properties.TableName) as string;
      case 'AWS::Lambda::Function': return resolve(resource.Properties.FunctionName) as string;
      case 'AWS::Events::EventBus': return resolve(resource.Properties.Name) as string;
      case 'AWS::IAM::Role': return resolve(resource.Properties.RoleName) as string;
      default: return id;
    }
  };
  const attribute = (id: string, name: string): string => {
    const resource = resources[id];
    if (!resource) throw new Error(`Fn::GetAtt of ${id}: no such resource`);
    const arns: Record<string, () => string> = {
      'AWS::SQS::Queue': () => `arn:${partition}:sqs:${region}:${accountId}:${id}`,
      'AWS::S3::Bucket': () => `arn:${partition}:s3:::${ref(id)}`,
      'AWS::DynamoDB::Table': () => `arn:${partition}:dynamodb:${region}:${accountId}:table/${ref(id)}`,
      'AWS::Lambda::Function': () => `arn:${partition}:lambda:${region}:${accountId}:function:${ref(id)}`,
      'AWS::Events::EventBus': () => `arn:${partition}:events:${region}:${accountId}:event-bus/${ref(id)}`,
      'AWS::IAM::Role': () => `arn:${partition}:iam::${accountId}:role/${ref(id)}`,
    };
    if (name === 'Arn' && arns[resource.Type]) return arns[resource.Type]!();
    if (name === 'QueueName' || name === 'Name') return ref(id);
    throw new Error(`Fn::GetAtt ${id}.${name}: not modelled`);
  };
  const sub = (text: string, vars: Record<string, unknown> = {}) => text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (vars[name] !== undefined) return String(resolve(vars[name]));
    const [id, attr] = name.split('.');
    return attr ? attribute(id!, attr) : ref(id!);
  });
  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]! as [string, any];
      if (key === 'Ref') return ref(arg);
      if (key === 'Fn::GetAtt') return attribute(arg[0], arg[1]);
      if (key === 'Fn::Sub') return typeof arg === 'string' ? sub(arg) : sub(arg[0], arg[1]);
      if (key === 'Fn::Join') return (resolve(arg[1]) as unknown[]).join(arg[0]);
      if (key === 'Fn::Split') return String(resolve(arg[1])).split(arg[0]);
      if (key.startsWith('Fn::')) throw new Error(`${key}: not modelled`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }

  const functions = new Map<string, PackagedFunction>();
  const attached = new Set<string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const roleId = (resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    attached.add(roleId);
    const role = resources[roleId]!;
    const [path, exportName] = [(resource.Properties.Handler as string).replace(/\.[^.]+$/, ''), (resource.Properties.Handler as string).split('.').pop()!];
    const name = id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase());
    functions.set(name, {
      name, module: `${path}.ts`, exportName,
      environment: resolve(resource.Properties.Environment?.Variables ?? {}) as Record<string, string>,
      roleName: ref(roleId),
      statements: (resolve(role.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap((p) => p.PolicyDocument.Statement),
    });
  }
  const unattachedRoles = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::IAM::Role' && !attached.has(id) && !(r.Properties.AssumeRolePolicyDocument?.Statement ?? []).every((s: any) => !JSON.stringify(s.Principal ?? {}).includes('lambda.amazonaws.com'))).map(([id]) => id);
  const resourceTypes = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
  return { accountId, region, functions, unattachedRoles, resourceTypes, ref, attribute };
}
