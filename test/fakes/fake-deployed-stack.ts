import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, ListRuleNamesByTargetCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { readCfnYaml } from '../support/cfn-yaml.js';
import { allows } from '../deploy/stack/iam.js';
import { readPackagedStack, type PackagedStack, type Statement } from '../deploy/stack/packaged-stack.js';
import { awsError } from './faults.js';

/** What a member account answers `doctor` through its reader role. */
export interface FakeMember {
  assumable: boolean;
  /** The stage and region its member stack trusts (its CentralStage and CentralRegion parameters). */
  trusts: { stage: string; region: string };
  forwardingRules: number;
  trail: boolean;
}

/**
 * A deployed ecr-ledger stack behind aws-sdk-client-mock (every client of these services, as `doctor` makes them):
 * CloudFormation describes the packaged template's resources, Lambda their environment, IAM simulates each role's
 * packaged statements (with the offline IAM simulator), and members answer through their reader role.
 */
export class FakeDeployedStack {
  readonly template: PackagedStack;
  status = 'UPDATE_COMPLETE';
  exists = true;
  /** Regions whose trail logs management events (the central account's). */
  readonly trails = new Set<string>();
  readonly members = new Map<string, FakeMember>();
  /** Actions removed from a function's role (as an operator might have edited it). */
  readonly revoked = new Map<string, string[]>();
  readonly stubs: Array<AwsStub<any, any, any>> = [];
  private assumedAs?: string;

  constructor(file: string, readonly accountId: string, readonly region: string, readonly stage: string) {
    this.template = readPackagedStack(file, accountId, region);
    this.trails.add(region);
    this.install();
  }

  restore(): void {
    for (const stub of this.stubs) stub.restore();
  }

  private roleStatements(roleName: string): Statement[] {
    const fn = [...this.template.functions.values()].find((f) => f.roleName === roleName);
    if (!fn) throw awsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
    const revoked = this.revoked.get(fn.name) ?? [];
    return fn.statements.map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => !revoked.includes(a)) })).filter((s) => s.Action.length > 0);
  }

  private install(): void {
    const stack = `ecr-ledger-${this.stage}`;
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).callsFake((input) => {
      if (!this.exists || input.StackName !== stack) throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`, 400);
      return { Stacks: [{ StackName: stack, StackStatus: this.status, CreationTime: new Date(), Outputs: [{ OutputKey: 'ReportBucketName', OutputValue: this.template.ref('ReportBucket') }] }] };
    });
    cfn.on(DescribeStackResourcesCommand).callsFake(() => ({
      StackResources: [...Object.keys(this.template.resourceTypes)].map((id) => ({ LogicalResourceId: id, PhysicalResourceId: this.template.ref(id), ResourceType: this.template.resourceTypes[id], ResourceStatus: 'CREATE_COMPLETE', Timestamp: new Date() })),
    }));
    const lambda = mockClient(LambdaClient);
    lambda.on(GetFunctionConfigurationCommand).callsFake((input) => {
      const fn = [...this.template.functions.values()].find((f) => `ecr-ledger-${this.stage}-${f.name}` === input.FunctionName);
      if (!fn) throw awsError('ResourceNotFoundException', `Function not found: ${input.FunctionName}`, 404);
      return { FunctionName: input.FunctionName, Environment: { Variables: fn.environment } };
    });
    const iam = mockClient(IAMClient);
    iam.on(SimulatePrincipalPolicyCommand).callsFake(async (input) => {
      const roleName = input.PolicySourceArn!.split('/').pop()!;
      const statements = this.roleStatements(roleName);
      const results = [];
      for (const action of input.ActionNames!) {
        const context = Object.fromEntries((input.ContextEntries ?? []).map((e: { ContextKeyName?: string; ContextKeyValues?: string[] }) => [e.ContextKeyName!, e.ContextKeyValues![0]!]));
        const allowed = await allows(statements, input.PolicySourceArn!, this.accountId, action, input.ResourceArns![0]!, context);
        results.push({ EvalActionName: action, EvalResourceName: input.ResourceArns![0], EvalDecision: allowed ? 'allowed' : 'implicitDeny' });
      }
      return { EvaluationResults: results, IsTruncated: false };
    });
    iam.on(GetRoleCommand).callsFake((input) => {
      const member = this.members.get(this.assumedAs ?? '')!;
      return { Role: { RoleName: input.RoleName, Arn: `arn:aws:iam::${this.assumedAs}:role/${input.RoleName}`, Path: '/', RoleId: 'AROA', CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(this.memberTrust(member.trusts))) } };
    });
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: this.accountId, Arn: `arn:aws:sts::${this.accountId}:assumed-role/operator/me`, UserId: 'AROA:me' });
    sts.on(AssumeRoleCommand).callsFake((input) => {
      const account = /iam::(\d{12}):role\/ecr-ledger-reader$/.exec(input.RoleArn ?? '')?.[1] ?? '';
      if (!this.members.get(account)?.assumable) throw awsError('AccessDenied', `User: arn:aws:sts::${this.accountId}:assumed-role/operator/me is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
      this.assumedAs = account;
      return { Credentials: { AccessKeyId: `ASIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) } };
    });
    const events = mockClient(EventBridgeClient);
    events.on(ListRuleNamesByTargetCommand).callsFake(() => ({ RuleNames: Array.from({ length: this.members.get(this.assumedAs ?? '')?.forwardingRules ?? 0 }, (_, i) => `member-forward-${i}`) }));
    const trail = mockClient(CloudTrailClient);
    const logging = () => (this.assumedAs ? this.members.get(this.assumedAs)!.trail : this.trails.size > 0);
    trail.on(DescribeTrailsCommand).callsFake(() => ({ trailList: logging() ? [{ Name: 'management', TrailARN: `arn:aws:cloudtrail:${this.region}:${this.accountId}:trail/management`, IsMultiRegionTrail: true }] : [] }));
    trail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    trail.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] });
    this.stubs.push(cfn, lambda, iam, sts, events, trail);
  }

  /** The reader role's trust policy as deploy/member-account.yml writes it for a central stage and region. */
  private memberTrust(central: { stage: string; region: string }): object {
    const member = readCfnYaml<any>('deploy/member-account.yml');
    const trust = member.Resources.ReaderRole.Properties.AssumeRolePolicyDocument.Statement[0];
    const sub = (text: string) => text.replaceAll('${AWS::Partition}', 'aws').replaceAll('${CentralAccountId}', this.accountId).replaceAll('${CentralStage}', central.stage).replaceAll('${CentralRegion}', central.region);
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: sub(trust.Principal.AWS['Fn::Sub']) }, Condition: { ArnEquals: { 'aws:PrincipalArn': trust.Condition.ArnEquals['aws:PrincipalArn'].map((p: { 'Fn::Sub': string }) => sub(p['Fn::Sub'])) } } }] };
  }
}
