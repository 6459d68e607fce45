import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, ListRuleNamesByTargetCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { CentralInspector, DeployedStackView, MemberInspector, TrailView } from '../../app/stack/doctor.js';
import type { AwsCaller } from './caller.js';

type ClientOptions = { region: string; profile?: string; credentials?: () => Promise<AwsCredentialIdentity> };
const options = (o: ClientOptions) => ({ region: o.region, ...(o.profile !== undefined && { profile: o.profile }), ...(o.credentials && { credentials: o.credentials }), retryMode: 'adaptive', maxAttempts: 5 });

/** Whether one region's trails log management write events (a trail logging, with basic or advanced selectors that include them). */
async function readTrails(caller: AwsCaller, make: (region: string) => CloudTrailClient, region: string): Promise<TrailView> {
  const cloudtrail = make(region);
  const { trailList = [] } = await caller.call('cloudtrail:DescribeTrails', () => cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true })));
  let logs = false;
  for (const trail of trailList) {
    const name = trail.TrailARN ?? trail.Name!;
    const status = await caller.call('cloudtrail:GetTrailStatus', () => cloudtrail.send(new GetTrailStatusCommand({ Name: name })));
    if (!status.IsLogging) continue;
    const selectors = await caller.call('cloudtrail:GetEventSelectors', () => cloudtrail.send(new GetEventSelectorsCommand({ TrailName: name })));
    const basic = (selectors.EventSelectors ?? []).some((s) => s.IncludeManagementEvents !== false && s.ReadWriteType !== 'ReadOnly');
    const advanced = (selectors.AdvancedEventSelectors ?? []).some((s) => {
      const field = (f: string) => s.FieldSelectors?.find((x) => x.Field === f);
      return (field('eventCategory')?.Equals ?? []).includes('Management') && !(field('readOnly')?.Equals ?? []).includes('true');
    });
    logs ||= basic || advanced;
  }
  return { trails: trailList.map((t) => t.Name ?? t.TrailARN ?? '?'), logsManagementEvents: logs };
}

/** The central account as the operator's credentials see it. */
export class AwsCentralInspector implements CentralInspector {
  private readonly cloudformation: CloudFormationClient;
  private readonly lambda: LambdaClient;
  private readonly iam: IAMClient;
  private readonly sts: STSClient;
  private readonly trailClients = new Map<string, CloudTrailClient>();

  constructor(private readonly caller: AwsCaller, private readonly o: ClientOptions) {
    this.cloudformation = new CloudFormationClient(options(o));
    this.lambda = new LambdaClient(options(o));
    this.iam = new IAMClient(options(o));
    this.sts = new STSClient(options(o));
  }

  async callerAccount(): Promise<string> {
    return (await this.caller.call('sts:GetCallerIdentity', () => this.sts.send(new GetCallerIdentityCommand({})))).Account!;
  }

  async stack(name: string): Promise<DeployedStackView | undefined> {
    let described;
    try {
      described = await this.caller.call('cloudformation:DescribeStacks', () => this.cloudformation.send(new DescribeStacksCommand({ StackName: name })));
    } catch (error) {
      if (/does not exist/.test(String((error as Error).message))) return undefined;
      throw error;
    }
    const stack = described.Stacks?.[0];
    if (!stack) return undefined;
    const { StackResources = [] } = await this.caller.call('cloudformation:DescribeStackResources', () => this.cloudformation.send(new DescribeStackResourcesCommand({ StackName: name })));
    return {
      status: stack.StackStatus ?? 'UNKNOWN',
      outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue ?? ''])),
      resources: Object.fromEntries(StackResources.filter((r) => r.PhysicalResourceId).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!])),
    };
  }

  async functionEnvironment(functionName: string): Promise<Readonly<Record<string, string>>> {
    const config = await this.caller.call('lambda:GetFunctionConfiguration', () => this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })));
    return config.Environment?.Variables ?? {};
  }

  async simulate(roleArn: string, actions: readonly string[], resource: string, context?: Readonly<Record<string, string>>) {
    const ContextEntries = context && Object.entries(context).map(([ContextKeyName, value]) => ({ ContextKeyName, ContextKeyValues: [value], ContextKeyType: 'string' as const }));
    const decisions: Array<{ action: string; allowed: boolean }> = [];
    let marker: string | undefined;
    do {
      const page = await this.caller.call('iam:SimulatePrincipalPolicy', () => this.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...actions], ResourceArns: [resource], Marker: marker, ...(ContextEntries && { ContextEntries }) })));
      for (const r of page.EvaluationResults ?? []) decisions.push({ action: r.EvalActionName!, allowed: r.EvalDecision === 'allowed' });
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return decisions;
  }

  trails(region: string): Promise<TrailView> {
    return readTrails(this.caller, (r) => this.trailClients.get(r) ?? this.trailClients.set(r, new CloudTrailClient(options({ ...this.o, region: r }))).get(r)!, region);
  }
}

/** A member account through its reader role (the credentials AssumeRole gave). */
export class AwsMemberInspector implements MemberInspector {
  private readonly iam: IAMClient;

  constructor(private readonly caller: AwsCaller, private readonly o: ClientOptions & { roleName: string }) {
    this.iam = new IAMClient(options(o));
  }

  async trustPolicy(): Promise<string> {
    const { Role } = await this.caller.call('iam:GetRole', () => this.iam.send(new GetRoleCommand({ RoleName: this.o.roleName })));
    return Role?.AssumeRolePolicyDocument ?? '{}';
  }

  async rulesTargeting(region: string, busArn: string): Promise<readonly string[]> {
    const events = new EventBridgeClient(options({ ...this.o, region }));
    return this.caller.all('events:ListRuleNamesByTarget', async (nextToken) => {
      const page = await events.send(new ListRuleNamesByTargetCommand({ TargetArn: busArn, NextToken: nextToken }));
      return { items: page.RuleNames, next: page.NextToken };
    });
  }

  trails(region: string): Promise<TrailView> {
    return readTrails(this.caller, (r) => new CloudTrailClient(options({ ...this.o, region: r })), region);
  }
}
