import { AsyncLocalStorage } from 'node:async_hooks';
import { AccountClient } from '@aws-sdk/client-account';
import { AppRunnerClient } from '@aws-sdk/client-apprunner';
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EKSClient } from '@aws-sdk/client-eks';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FakeAccount } from '../../fakes/fake-account.js';
import { awsError } from '../../fakes/faults.js';
import type { AwsClients } from '../../../src/adapters/aws/clients.js';

/** One AWS call a function made: the IAM action it needs and the resource it acts on, in which account. */
export interface RecordedCall {
  readonly fn: string;
  readonly action: string;
  readonly resource: string;
  readonly accountId: string;
  readonly region: string;
}

type Command = { constructor: { name: string }; input: Record<string, any>; clientCommand?: { constructor: { name: string } } };
type Sendable = { prototype: { send: (command: Command, ...rest: unknown[]) => Promise<unknown> } };

/** The SDK clients a function may construct, and the IAM service prefix of each. */
const SERVICES: ReadonlyArray<[Sendable, string]> = [
  [ECRClient, 'ecr'], [ECSClient, 'ecs'], [LambdaClient, 'lambda'], [BatchClient, 'batch'], [AppRunnerClient, 'apprunner'],
  [Inspector2Client, 'inspector2'], [EKSClient, 'eks'], [STSClient, 'sts'], [AccountClient, 'account'], [OrganizationsClient, 'organizations'],
  [SQSClient, 'sqs'], [SNSClient, 'sns'], [SSMClient, 'ssm'], [S3Client, 's3'], [DynamoDBClient, 'dynamodb'], [DynamoDBDocumentClient, 'dynamodb'],
] as unknown as ReadonlyArray<[Sendable, string]>;

/** API operations authorised by another action's name (IAM service authorization reference). */
const AUTHORISED_AS: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage', 'sqs:DeleteMessageBatch': 'sqs:DeleteMessage', 's3:HeadObject': 's3:GetObject',
};

/** The fake account's own clients, by service prefix. */
const FAKE_CLIENT: Record<string, keyof AwsClients> = {
  ecr: 'ecr', ecs: 'ecs', lambda: 'lambda', batch: 'batch', apprunner: 'apprunner', inspector2: 'inspector', eks: 'eks', account: 'account',
};

/**
 * The AWS a deployed function meets, for the stack test: every SDK client the handler module constructs sends here.
 * Each call is recorded with its IAM action and resource ARN, then answered: DynamoDB by the real engine
 * (`AWS_ENDPOINT_URL_DYNAMODB`), ECR, ECS, Lambda, Batch, App Runner, Inspector, EKS and Account by the project's fake
 * accounts (the home account's own credentials, or a member's through STS AssumeRole of its reader role), and SQS,
 * SNS, S3, SSM and Organizations by the small stores below.
 */
export class FakeCloud {
  readonly calls: RecordedCall[] = [];
  readonly accounts = new Map<string, FakeAccount>();
  readonly queues = new Map<string, string[]>();
  readonly published: Array<{ topicArn: string; subject?: string; message: string }> = [];
  readonly objects = new Map<string, string>();
  readonly parameters = new Map<string, string>();
  organizationId?: string;
  /** The invocation a call belongs to, through the async context that made it (never a global "current function"). */
  readonly invocation = new AsyncLocalStorage<{ readonly fn: string; ended: boolean }>();
  /** Whether the role the call is made with (the function's own, or a member's reader role) allows it; cached by the caller. */
  authorize?: (fn: string, accountId: string, action: string, resource: string) => Promise<boolean>;
  /** Whether the member reader role's trust policy lets the role of function `fn` assume `roleArn` (evaluated on every AssumeRole). */
  trust?: (fn: string, roleArn: string) => Promise<boolean>;
  /** Calls made after the invocation that made them had ended, or (but the test's own ledger reads) outside any: each a failure. */
  readonly strayCalls: string[] = [];
  private restore: Array<() => void> = [];

  constructor(readonly home: FakeAccount, readonly readerRoleName: string) {
    this.accounts.set(home.accountId, home);
  }

  member(account: FakeAccount): FakeAccount {
    this.accounts.set(account.accountId, account);
    return account;
  }

  /** Sends every client's calls here until `uninstall`. */
  install(): void {
    for (const [client, prefix] of SERVICES) {
      const original = client.prototype.send;
      const cloud = this;
      client.prototype.send = async function send(this: { config: { region(): Promise<string>; credentials(): Promise<{ accessKeyId: string }> } }, command: Command, ...rest: unknown[]) {
        const region = await this.config.region();
        const { accessKeyId } = await this.config.credentials();
        // Credentials from the fake STS name the member they act for; the function's own act for the home account.
        const accountId = /^ASIA(\d{12})$/.exec(accessKeyId)?.[1] ?? cloud.home.accountId;
        const name = (command.clientCommand ?? command).constructor.name.replace(/Command$/, '');
        const action = AUTHORISED_AS[`${prefix}:${name}`] ?? `${prefix}:${name}`;
        const invocation = cloud.invocation.getStore();
        // The test reads the ledger itself between invocations (audit, facts): DynamoDB outside any invocation is its own.
        if (!invocation && prefix === 'dynamodb') return original.call(this, command, ...rest);
        if (!invocation || invocation.ended) {
          cloud.strayCalls.push(`${action} ${invocation ? `by ${invocation.fn} after its invocation ended` : 'outside any invocation'}`);
          throw awsError('ServiceUnavailable', `${action} made ${invocation ? 'after its invocation ended' : 'outside any invocation'}`, 503);
        }
        const resources = resourcesOf(prefix, name, command.input, accountId, region);
        for (const resource of resources) cloud.calls.push({ fn: invocation.fn, action, resource, accountId, region });
        // Refused as AWS refuses it, at the moment it is made: the scenario sees what production would.
        for (const resource of resources) {
          if (cloud.authorize && !(await cloud.authorize(invocation.fn, accountId, action, resource))) {
            throw awsError('AccessDeniedException', `User: ${invocation.fn} is not authorized to perform: ${action} on resource: ${resource}`, 400);
          }
        }
        if (prefix === 'dynamodb') return original.call(this, command, ...rest);
        return cloud.answer(prefix, name, command, accountId, region, invocation.fn);
      };
      this.restore.push(() => { client.prototype.send = original; });
    }
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  private async answer(prefix: string, name: string, command: Command, accountId: string, region: string, fn: string): Promise<unknown> {
    const input = command.input;
    if (FAKE_CLIENT[prefix]) {
      const account = this.accounts.get(accountId);
      if (!account) throw awsError('UnrecognizedClientException', `no such account ${accountId}`, 403);
      return (account.clientsIn(region)[FAKE_CLIENT[prefix]!] as unknown as { send(c: Command): Promise<unknown> }).send(command);
    }
    switch (`${prefix}:${name}`) {
      case 'sts:GetCallerIdentity': return { Account: accountId, Arn: `arn:aws:sts::${accountId}:assumed-role/ecr-ledger/session`, UserId: 'AROAEXAMPLE:session' };
      case 'sts:AssumeRole': {
        const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(input.RoleArn ?? '');
        if (!match || match[2] !== this.readerRoleName || !this.accounts.has(match[1]!)) throw awsError('AccessDenied', `not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
        // The member's trust policy, as deploy/member-account.yml writes it, decides (not the role's name alone).
        if (this.trust && !(await this.trust(fn, input.RoleArn))) throw awsError('AccessDenied', `${fn}'s role is not trusted to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
        return { Credentials: { AccessKeyId: `ASIA${match[1]}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3_600_000) } };
      }
      case 'organizations:ListAccounts': return { Accounts: [...this.accounts.keys()].sort().map((Id) => ({ Id, State: 'ACTIVE' })) };
      case 'organizations:DescribeOrganization': return { Organization: { Id: this.organizationId } };
      case 'sqs:SendMessage': this.enqueue(input.QueueUrl, input.MessageBody); return { MessageId: 'm' };
      case 'sqs:SendMessageBatch': for (const e of input.Entries) this.enqueue(input.QueueUrl, e.MessageBody); return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
      case 'sns:Publish': this.published.push({ topicArn: input.TopicArn, subject: input.Subject, message: input.Message }); return { MessageId: 'm' };
      case 's3:PutObject': this.objects.set(`${input.Bucket}/${input.Key}`, String(input.Body)); return {};
      case 'ssm:GetParameter': {
        const value = this.parameters.get(input.Name);
        if (value === undefined) throw awsError('ParameterNotFound', `parameter ${input.Name} not found`, 400);
        return { Parameter: { Name: input.Name, Value: value } };
      }
      default: throw new Error(`the stack test's AWS does not answer ${prefix}:${name}`);
    }
  }

  private enqueue(url: string, body: string): void {
    this.queues.set(url, [...(this.queues.get(url) ?? []), body]);
  }

  /** Takes the messages sent to a queue so far (as the event source mapping would deliver them). */
  take(url: string): string[] {
    const bodies = this.queues.get(url) ?? [];
    this.queues.delete(url);
    return bodies;
  }
}

/** The resource ARN(s) IAM authorises an API call against (`*` where the action has no resource-level permission). */
export function resourcesOf(prefix: string, name: string, input: Record<string, any>, accountId: string, region: string): string[] {
  const arn = (service: string, rest: string, account = accountId, where = region) => `arn:aws:${service}:${where}:${account}:${rest}`;
  switch (prefix) {
    case 'dynamodb': {
      const table = (t: string) => arn('dynamodb', `table/${t}`);
      if (input.RequestItems) return Object.keys(input.RequestItems).map(table);
      return [input.IndexName ? `${table(input.TableName)}/index/${input.IndexName}` : table(input.TableName)];
    }
    case 'sqs': {
      const [, owner, queue] = /^https:\/\/sqs\.[^/]+\/(\d{12})\/(.+)$/.exec(input.QueueUrl) ?? [];
      return [arn('sqs', queue!, owner)];
    }
    case 'sns': return [input.TopicArn];
    case 's3': return [`arn:aws:s3:::${input.Bucket}/${input.Key}`];
    case 'ssm': return [arn('ssm', `parameter${String(input.Name).startsWith('/') ? '' : '/'}${input.Name}`)];
    case 'sts': return [name === 'AssumeRole' ? input.RoleArn : '*'];
    case 'ecr': return [input.repositoryName ? arn('ecr', `repository/${input.repositoryName}`, input.registryId ?? accountId) : '*'];
    case 'lambda': {
      if (!input.FunctionName) return ['*'];
      const fn = String(input.FunctionName);
      return [fn.startsWith('arn:') ? fn.split(':').slice(0, 7).join(':') : arn('lambda', `function:${fn.split(':')[0]}`)];
    }
    case 'eks': return [name === 'DescribeCluster' ? arn('eks', `cluster/${input.name}`) : '*'];
    default: return ['*'];
  }
}
