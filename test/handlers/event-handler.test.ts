import { sample } from '../fixtures/events/samples.js';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveLookups } from '../../src/adapters/aws/lookups.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { defaultConfig } from '../../src/config.js';
import { EventError } from '../../src/events/envelope.js';
import { createEventHandler } from '../../src/handlers/event-handler.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';

const samples = readdirSync('test/fixtures/events').filter((f) => f.endsWith('.json'));
const context = {} as Parameters<ReturnType<typeof createEventHandler>>[1];

describe('the EventBridge handler (middy)', () => {
  let engine: EmbeddedDynamoDb;
  let ledger: DynamoDbLedger;
  const logs: string[] = [];
  let handler: ReturnType<typeof createEventHandler>;
  const account = new FakeAccount();

  beforeAll(async () => {
    engine = await startEmbeddedDynamoDb();
    ledger = new DynamoDbLedger(engine.client, engine.tableName);
    handler = createEventHandler({
      ledger: ledger.events, config: defaultConfig(), log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
      lookupsFor: (scope) => new LiveLookups(account.clients(), new AwsCaller({ sleep: async () => undefined }), scope, (m) => logs.push(`warn ${m}`)),
    });
  });
  afterAll(async () => engine.close());

  it.each(samples)('handles the documented sample %s', async (name) => {
    const event = sample(name);
    const result = await handler(event, context);
    expect(result.eventId).toBe(event.id);
    const followed = !['ecr-image-scan-basic.json', 'ecs-container-instance-state-change.json'].includes(name);
    expect(result.outcome).toBe(followed ? 'applied' : 'ignored');
  });

  it('records a task from its state change, and a duplicate changes nothing', async () => {
    const event = sample('ecs-task-state-change-running.json');
    await handler(event, context);
    const scope = { accountId: event.account, region: event.region };
    const first = await ledger.events.getFact(scope, 'task', String(event.detail.taskArn));
    await handler(event, context);
    expect(await ledger.events.getFact(scope, 'task', String(event.detail.taskArn))).toEqual(first);
    expect(first?.fact).toMatchObject({ lastStatus: 'RUNNING', containers: [{ name: 'FargateApp', imageDigest: expect.stringMatching(/^sha256:74b2/) }] });
  });

  it('changes nothing for a push whose result is FAILURE', async () => {
    const event = { ...sample('ecr-image-action-push.json'), id: 'failed-push' };
    event.detail = { ...event.detail, result: 'FAILURE', 'image-digest': `sha256:${'f'.repeat(64)}` };
    expect(await handler(event, context)).toEqual({ eventId: 'failed-push', outcome: 'ignored' });
    expect(await ledger.events.getFact({ accountId: event.account, region: event.region }, 'image', `my-repository-name@sha256:${'f'.repeat(64)}`)).toBeUndefined();
  });

  it.each([
    ['a missing field', (d: Record<string, unknown>) => { delete d['repository-name']; }],
    ['a wrong type', (d: Record<string, unknown>) => { d['image-digest'] = ['sha256:x']; }],
    ['an unknown action type', (d: Record<string, unknown>) => { d['action-type'] = 'EXPLODE'; }],
  ])('throws for %s, naming the event id, so that Lambda retries and the on-failure destination keeps it', async (_what, mutate) => {
    const event = { ...sample('ecr-image-action-push.json'), id: 'bad-event-1' };
    event.detail = { ...event.detail };
    mutate(event.detail);
    const failure = handler(event, context);
    await expect(failure).rejects.toBeInstanceOf(EventError);
    await expect(failure).rejects.toThrow(/^event bad-event-1: malformed ECR Image Action/);
  });

  it('handles CloudTrail calls of every followed kind', async () => {
    account.ecs.addTaskDefinition('app', 1, { app: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1' });
    account.lambda.addVersion('fn', '$LATEST', { imageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1', resolvedImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${'a'.repeat(64)}` });
    const serviceArn = account.ecs.addService('prod', { serviceName: 'web', deployments: [] });
    const td = { ...account.ecs.taskDefinitions.get('app:1')! };
    const calls = [
      cloudTrailEvent('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'app' }, responseElements: { taskDefinition: td } }),
      cloudTrailEvent('ecs', 'UpdateService', { requestParameters: { cluster: 'prod', service: 'web' }, responseElements: { service: { serviceArn, clusterArn: account.ecs.clusterArn('prod') } } }),
      cloudTrailEvent('ecs', 'CreateService', { requestParameters: { cluster: 'prod', serviceName: 'web' }, responseElements: { service: { serviceArn, clusterArn: account.ecs.clusterArn('prod') } } }),
      cloudTrailEvent('ecs', 'CreateTaskSet', { requestParameters: { cluster: 'prod', service: 'web' } }),
      cloudTrailEvent('ecs', 'UpdateServicePrimaryTaskSet', { requestParameters: { cluster: 'prod', service: 'web' } }),
      cloudTrailEvent('ecs', 'DeleteTaskSet', { requestParameters: { cluster: 'prod', service: 'web' } }),
      cloudTrailEvent('ecs', 'DeregisterTaskDefinition', { requestParameters: { taskDefinition: 'app:1' } }),
      cloudTrailEvent('ecs', 'DeleteTaskDefinitions', { requestParameters: { taskDefinitions: ['app:1'] } }),
      cloudTrailEvent('lambda', 'CreateFunction20150331', { requestParameters: { functionName: 'fn', packageType: 'Image' }, responseElements: { version: '$LATEST', packageType: 'Image' } }),
      cloudTrailEvent('lambda', 'PublishVersion20150331', { requestParameters: { functionName: 'fn' }, responseElements: { version: '7' } }),
      cloudTrailEvent('lambda', 'UpdateFunctionCode20150331v2', { requestParameters: { functionName: 'fn' }, responseElements: { version: '$LATEST', packageType: 'Image' } }),
      cloudTrailEvent('lambda', 'CreateAlias20150331', { requestParameters: { functionName: 'fn' }, responseElements: { aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn:live', name: 'live', functionVersion: '$LATEST' } }),
      cloudTrailEvent('lambda', 'UpdateAlias20150331', { requestParameters: { functionName: 'fn' }, responseElements: { aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn:live', name: 'live', functionVersion: '7' } }),
      cloudTrailEvent('lambda', 'DeleteAlias20150331', { requestParameters: { functionName: 'fn', name: 'live' } }),
      cloudTrailEvent('ecs', 'DeleteService', { requestParameters: { cluster: 'prod', service: 'gone-service' } }),
      cloudTrailEvent('lambda', 'DeleteFunction20150331', { requestParameters: { functionName: 'fn' } }),
      cloudTrailEvent('ecr', 'DeleteRepository', { requestParameters: { repositoryName: 'app' } }),
      cloudTrailEvent('lambda', 'DeleteFunctionConcurrency20171031', { requestParameters: { functionName: 'fn' } }),
    ];
    const outcomes = [];
    for (const call of calls) outcomes.push((await handler(call, context)).outcome);
    expect(outcomes).toEqual([...Array(17).fill('applied'), 'ignored']);
    const scope = { accountId: '123456789012', region: 'us-east-1' };
    expect((await ledger.events.getFact(scope, 'task-definition', 'app:1'))?.fact.status).toBe('DELETE_IN_PROGRESS');
    expect(await ledger.events.getFact(scope, 'lambda-alias', 'arn:aws:lambda:us-east-1:123456789012:function:fn:live')).toMatchObject({ deleted: true });
    expect((await ledger.events.getFact(scope, 'service', serviceArn))?.fact.serviceName).toBe('web');
    expect(await ledger.events.getFact(scope, 'service', 'arn:aws:ecs:us-east-1:123456789012:service/prod/gone-service')).toMatchObject({ deleted: true });
    expect(await ledger.events.getFact(scope, 'lambda-function', 'arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST')).toMatchObject({ deleted: true });
  });

  it('refuses an event from an account the organisation does not name: logged with its id, nothing written, not retried', async () => {
    const refusing = createEventHandler({
      ledger: ledger.events, config: defaultConfig(), log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
      lookupsFor: (scope) => new LiveLookups(new FakeAccount(scope.accountId, scope.region).clients(), new AwsCaller({ sleep: async () => undefined }), scope, () => undefined),
      admits: (scope) => scope.accountId === '111111111111',
    });
    const event = { ...sample('ecs-task-state-change-running.json'), id: 'refused-1', account: '999988887777' };
    const before = (await ledger.scopes()).length;
    expect(await refusing(event, context)).toEqual({ eventId: 'refused-1', outcome: 'refused' });
    expect(logs.at(-1)).toMatch(/^error event refused \{"eventId":"refused-1","account":"999988887777","region":"us-west-2","reason":"refused: account 999988887777, region us-west-2 is not an account/);
    expect((await ledger.scopes()).length).toBe(before);
  });
});
