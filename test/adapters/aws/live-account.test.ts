import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ListServicesCommand, ListTaskDefinitionsCommand, ListTasksCommand, DescribeTasksCommand, DescribeServiceRevisionsCommand } from '@aws-sdk/client-ecs';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, ListAliasesCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../src/adapters/aws/caller.js';
import { readLiveFacts } from '../../../src/app/live.js';
import { parseConfig } from '../../../src/config.js';
import { AwsReadError } from '../../../src/errors.js';
import { busyAccount } from '../../fakes/busy-account.js';
import { FakeAccount } from '../../fakes/fake-account.js';

describe('reading a live account (fake AWS)', () => {
  it('follows every page and respects every batch limit', async () => {
    const account = busyAccount();
    const { facts, read } = await readLiveFacts(account.reader());
    expect(facts.scope).toEqual({ accountId: '123456789012', region: 'us-east-1' });
    expect(facts.images).toHaveLength(2_500);
    expect(facts.services).toHaveLength(250);
    expect(facts.tasks).toHaveLength(250);
    expect(facts.taskDefinitions).toHaveLength(150);
    expect(facts.serviceRevisions).toHaveLength(30);
    expect(facts.serviceDeployments).toHaveLength(30);
    expect(facts.lambdaFunctions).toHaveLength(120);
    expect(facts.lambdaAliases).toHaveLength(60);
    expect(read.warnings).toEqual([]);
    const calls = (command: Parameters<typeof account.ecs.mock.commandCalls>[0]) => account.ecs.mock.commandCalls(command).length;
    expect(account.ecr.calls(DescribeImagesCommand)).toBe(3);
    expect(calls(ListServicesCommand)).toBe(3);
    expect(calls(DescribeServicesCommand)).toBe(25);
    expect(calls(ListTasksCommand)).toBe(3 + 1); // RUNNING: 3 pages, STOPPED: 1
    expect(calls(DescribeTasksCommand)).toBe(3);
    expect(calls(ListTaskDefinitionsCommand)).toBe(2);
    expect(calls(DescribeTaskDefinitionCommand)).toBe(150);
    expect(calls(DescribeServiceRevisionsCommand)).toBe(2);
    expect(account.lambda.mock.commandCalls(ListFunctionsCommand)).toHaveLength(3);
    expect(account.lambda.mock.commandCalls(ListAliasesCommand)).toHaveLength(2);
    expect(read.calls['ecs:DescribeServices']).toBe(25);
  });

  it('reuses what the ledger already knows (task definitions, published Lambda versions, service revisions) and refreshes only their status', async () => {
    const account = busyAccount();
    const first = await readLiveFacts(account.reader());
    account.ecs.mock.resetHistory();
    account.lambda.mock.resetHistory();
    account.ecs.taskDefinitions.get('web:3')!.status = 'INACTIVE'; // nothing runs it: it leaves the picture
    account.ecs.taskDefinitions.get('web:101')!.status = 'INACTIVE'; // svc-0 still runs it: it stays, deregistered
    const second = await readLiveFacts(account.reader(), first.facts);
    expect(account.ecs.mock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
    expect(account.ecs.mock.commandCalls(DescribeServiceRevisionsCommand)).toHaveLength(0);
    expect(account.lambda.mock.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual(['$LATEST']);
    expect(second.facts.taskDefinitions.find((td) => td.revision === 3)).toBeUndefined();
    expect(second.facts.taskDefinitions.find((td) => td.revision === 101)!.status).toBe('INACTIVE');
    const stable = (f: typeof first.facts) => ({ ...f, taskDefinitions: f.taskDefinitions.filter((td) => td.revision !== 3).map((td) => ({ ...td, status: 'any' })) });
    expect(stable(second.facts)).toEqual(stable(first.facts));
  });

  it('retries throttled calls with back-off and still reads everything', async () => {
    const account = busyAccount();
    account.faults.throttle('ecs:DescribeServices', 3).throttle('ecr:DescribeImages', 2).throttle('lambda:GetFunction', 4);
    const { facts, read } = await readLiveFacts(account.reader());
    expect(facts.services).toHaveLength(250);
    expect(facts.images).toHaveLength(2_500);
    expect(read.calls['ecs:DescribeServices']).toBe(25 + 3);
    expect(read.calls['lambda:GetFunction']).toBe(120 + 4);
  });

  it('gives up on an API that stays throttled, naming it', async () => {
    const account = busyAccount();
    account.faults.throttle('ecs:ListTaskDefinitions', 100);
    await expect(readLiveFacts(account.reader())).rejects.toThrow(/ecs:ListTaskDefinitions still throttled or failing after 7 attempts: ThrottlingException/);
  });

  it('degrades with a warning when the service-deployment APIs are denied, naming the API and the weaker protection', async () => {
    const account = busyAccount();
    account.faults.deny('ecs:ListServiceDeployments').deny('ecs:DescribeServiceRevisions');
    const { facts, read } = await readLiveFacts(account.reader());
    expect(read.warnings).toEqual([
      expect.stringMatching(/^ecs:ListServiceDeployments is not allowed or not supported \(AccessDeniedException\): the last completed deployment .* rollback target/),
      expect.stringMatching(/^ecs:DescribeServiceRevisions is not allowed or not supported \(AccessDeniedException\): the digests ECS pinned .* not known/),
    ]);
    expect(facts.serviceDeployments).toEqual([]);
    expect(facts.serviceRevisions).toEqual([]);
    expect(facts.services).toHaveLength(250);
  });

  it('fails, naming the API, when an API that "in use" depends on is denied', async () => {
    const account = busyAccount();
    account.faults.deny('ecs:ListTasks');
    const failure = readLiveFacts(account.reader());
    await expect(failure).rejects.toBeInstanceOf(AwsCallError);
    await expect(failure).rejects.toThrow(/^ecs:ListTasks failed: AccessDeniedException/);
  });

  it('fails when ECS cannot describe some services (a failure other than MISSING)', async () => {
    const account = busyAccount();
    account.ecs.failures.set('arn:aws:ecs:us-east-1:123456789012:service/prod/svc-7', 'INTERNAL_ERROR');
    await expect(readLiveFacts(account.reader())).rejects.toThrow(AwsReadError);
  });

  it('copies only the fields it reads: no environment variables of task definitions or functions', async () => {
    const account = busyAccount();
    const { read } = await readLiveFacts(account.reader());
    expect(JSON.stringify(read.snapshot)).not.toContain('not for snapshots');
  });

  it('reads only the clusters and functions the config scope names', async () => {
    const account = busyAccount();
    account.ecs.addService('staging', { serviceName: 'other', deployments: [] });
    account.lambda.addVersion('team-b-fn', '$LATEST', { imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/big:b1' });
    const config = parseConfig({ scope: { clusters: ['stag*'], functions: ['team-b-*'] } });
    const { facts } = await readLiveFacts(account.reader({ config }));
    expect(facts.services.map((s) => s.serviceName)).toEqual(['other']);
    expect(facts.lambdaFunctions.map((f) => f.functionName)).toEqual(['team-b-fn']);
  });

  it('keeps a deleted task definition that a task still names out, with a warning, and protects by the digests the task reports', async () => {
    const account = new FakeAccount();
    account.ecr.addRepository('app');
    account.ecs.addTask('prod', {
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/old', taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/gone:1',
      lastStatus: 'RUNNING', containers: [{ name: 'app', image: 'app:v1', imageDigest: `sha256:${'a'.repeat(64)}` }],
    });
    const { facts, read } = await readLiveFacts(account.reader());
    expect(facts.tasks).toHaveLength(1);
    expect(read.warnings).toEqual([expect.stringContaining('task definition arn:aws:ecs:us-east-1:123456789012:task-definition/gone:1 could not be described')]);
  });
});
