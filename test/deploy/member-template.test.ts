import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCfnYaml } from '../support/cfn-yaml.js';

const member = readCfnYaml<{ Parameters: Record<string, { AllowedPattern?: string; Default?: string }>; Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, any> }> }>('deploy/member-account.yml');
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';
const LONG_TEMPLATE = '.serverless-long/cloudformation-template-update-stack.json';
if (!existsSync(TEMPLATE)) throw new Error(`${TEMPLATE} is missing: run \`npm run package\` (npm test does) before these tests`);
const central = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

const statementsOf = (resource: { Properties: Record<string, any> }) => (resource.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement as any[]);
const actionsOf = (resource: { Properties: Record<string, any> }) => statementsOf(resource).flatMap((s: any) => [s.Action].flat() as string[]);

describe('the member-account template (deploy/member-account.yml)', () => {
  it('takes the central account and bus, and the reader role name (default ecr-ledger-reader)', () => {
    expect(Object.keys(member.Parameters)).toEqual(expect.arrayContaining(['CentralAccountId', 'CentralEventBusArn', 'ReaderRoleName']));
    expect(member.Parameters.ReaderRoleName).toMatchObject({ Default: 'ecr-ledger-reader' });
    expect(member.Resources.ReaderRole!.Properties.RoleName).toEqual({ Ref: 'ReaderRoleName' });
  });

  it('has no wildcard action and no action that changes anything but putting events on the central bus', () => {
    const roles = Object.values(member.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    const actions = roles.flatMap(actionsOf);
    for (const action of actions) expect(action).not.toMatch(/\*/);
    const changing = actions.filter((a) => !/^[a-z0-9]+:(Describe|List|Get|BatchGetImage$)/.test(a));
    expect(changing).toEqual(['events:PutEvents']);
    expect(statementsOf(member.Resources.ForwardingRole!)).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'CentralEventBusArn' } }]);
  });

  it('lets only the central deployment\'s reconcile, sweep and event-handler roles assume the reader role, named exactly (issue 30, point 8)', () => {
    const trust = member.Resources.ReaderRole!.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(2);
    // Optional operator roles (for CLI runs from a workstation), given as full role ARNs (issue 33, point 3: a Join's
    // delimiter cannot be a !Sub, which CloudFormation refuses).
    const [condition, operators, otherwise] = trust[1]['Fn::If'];
    expect([condition, otherwise]).toEqual(['HasOperators', { Ref: 'AWS::NoValue' }]);
    expect(operators.Principal.AWS).toEqual({ Ref: 'OperatorRoleArns' });
    const pattern = new RegExp(member.Parameters.OperatorRoleArns!.AllowedPattern as string);
    expect(['', 'arn:aws:iam::111111111111:role/platform-admin', 'arn:aws:iam::111111111111:role/team/ops'].every((v) => pattern.test(v))).toBe(true);
    expect(['platform-admin', 'arn:aws:iam::111111111111:user/me', 'arn:aws:iam::*:role/x'].some((v) => pattern.test(v))).toBe(false);
    // The central account as principal (valid before the central stack exists), narrowed to its roles by ARN pattern.
    expect(trust[0].Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CentralAccountId}:root' } });
    expect(Object.keys(trust[0].Condition)).toEqual(['ArnEquals']); // no pattern: nothing named like them is trusted
    const patterns: string[] = trust[0].Condition.ArnEquals['aws:PrincipalArn'].map((p: { 'Fn::Sub': string }) => p['Fn::Sub']);
    expect(patterns.filter((p) => /[*?]/.test(p))).toEqual([]);
    // Packaged twice (npm test): the ci stage, and a long stage in a long region whose role names the plugin shortens.
    for (const [file, stage, region] of [[TEMPLATE, 'ci', 'us-east-1'], [LONG_TEMPLATE, 'production-eu', 'ap-southeast-2']] as const) {
      expect(existsSync(file), `${file}: run npm run package:long (npm test does)`).toBe(true);
      const template = JSON.parse(readFileSync(file, 'utf8')) as typeof central;
      const resolve = (p: string) => p.replaceAll('${AWS::Partition}', 'aws').replaceAll('${CentralAccountId}', '111111111111').replaceAll('${CentralStage}', stage).replaceAll('${CentralRegion}', region);
      const exact = patterns.map(resolve);
      const matchers = exact.map((arn) => ({ test: (candidate: string) => candidate === arn, toString: () => arn }));
      const assuming = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && actionsOf(r).includes('sts:AssumeRole'));
      const arns = assuming.map((r) => `arn:aws:iam::111111111111:role/${(r.Properties.RoleName['Fn::Join'][1] as Array<string | { Ref: string }>).map((part) => (typeof part === 'string' ? part : region)).join('-')}`);
      for (const arn of arns) expect(matchers.some((m) => m.test(arn)), `${arn} is not trusted`).toBe(true);
      // Every pattern names a role that exists (no stale entry) in the organisation stack (a single-account stack
      // assumes nothing: its roles hold no sts:AssumeRole), and no role outside them is trusted.
      if (stage !== 'production-eu') {
        expect(arns).toEqual([]);
        continue;
      }
      // Each function is named in both forms (with and without "-lambdaRole"): one of the two is the role packaged.
      for (let i = 0; i < exact.length; i += 2) expect(arns.filter((arn) => arn === exact[i] || arn === exact[i + 1]), `${exact[i]} names no role`).toHaveLength(1);
      expect(arns.length * 2).toBe(exact.length);
      const others = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName && !assuming.includes(r))
        .map((r) => `arn:aws:iam::111111111111:role/${(r.Properties.RoleName['Fn::Join'][1] as Array<string | { Ref: string }>).map((part) => (typeof part === 'string' ? part : region)).join('-')}`);
      for (const arn of others) expect(matchers.some((m) => m.test(arn)), `${arn} must not be trusted`).toBe(false);
      // What the ArnLike patterns of cb9d8b8 let in: a role with a suffix, a path, another stage whose name starts alike.
      const lookalikes = [`arn:aws:iam::111111111111:role/ecr-ledger-${stage}-sweep-${region}-my-debug-role`, `arn:aws:iam::111111111111:role/team/ecr-ledger-${stage}-sweep-${region}-lambdaRole`, `arn:aws:iam::111111111111:role/ecr-ledger-${stage}-sweep-${region}-dev-sweep-${region}-lambdaRole`];
      for (const arn of lookalikes) expect(matchers.some((m) => m.test(arn)), `${arn} must not be trusted`).toBe(false);
    }
  });

  it('carries exactly the read actions of the central reconcile, and the reads of `doctor`', () => {
    const reconcile = central.Resources.ReconcileIamRoleLambdaExecution!;
    const reads = statementsOf(reconcile).find((s: any) => [s.Action].flat().includes('ecr:DescribeRegistry'));
    const [own, ...doctor] = statementsOf(member.Resources.ReaderRole!);
    expect([own.Action].flat().sort()).toEqual([reads.Action].flat().sort());
    expect(doctor.flatMap((s: any) => [s.Action].flat()).sort()).toEqual(['cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus', 'events:ListRuleNamesByTarget', 'iam:GetRole']);
    expect(doctor[0].Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ReaderRoleName}' });
  });

  it('forwards exactly the events the central rules follow, to the central bus with the forwarding role', () => {
    const rules = Object.values(member.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const centralPatterns = Object.values(central.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern && !r.Properties.EventBusName).map((r) => JSON.stringify(r.Properties.EventPattern)).sort();
    expect(rules.map((r) => JSON.stringify(r.Properties.EventPattern)).sort()).toEqual(centralPatterns);
    for (const rule of rules) expect(rule.Properties.Targets).toEqual([{ Id: 'central-bus', Arn: { Ref: 'CentralEventBusArn' }, RoleArn: { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] } }]);
  });
});
