import { rawSample, sample } from '../fixtures/events/samples.js';
import { describe, expect, it } from 'vitest';
import { matchesApi } from '../../src/events/api-names.js';
import { EventError } from '../../src/events/envelope.js';
import { parseEvent } from '../../src/events/parse-event.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';

const change = (raw: unknown) => {
  const parsed = parseEvent(raw);
  if (!('apply' in parsed)) throw new Error(`ignored: ${parsed.ignored}`);
  return parsed.apply.change;
};
const ignored = (raw: unknown) => {
  const parsed = parseEvent(raw);
  return 'ignored' in parsed ? parsed.ignored : undefined;
};

describe('ECR events', () => {
  it('a push records the digest and the tag, stamped with the event time', () => {
    const event = sample('ecr-image-action-push');
    const parsed = parseEvent(event);
    expect(parsed).toEqual({ apply: {
      eventId: '13cde686-328b-6117-af20-0e5566167482', at: '2019-11-16T01:54:34.000Z', accountId: '123456789012', region: 'us-west-2',
      change: { kind: 'image-pushed', repositoryName: 'my-repository-name', imageDigest: event.detail['image-digest'], tag: 'latest' },
    } });
  });

  it.each([
    ['the documentation\'s shortened digest (60 hex digits)', 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234'],
    ['a placeholder', 'sha256:4aa08ef415aecc80814cb42fa41b658480779d80c77ab15EXAMPLE'],
    ['another algorithm', `sha512:${'a'.repeat(128)}`],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
  ])('a digest that is not sha256 + 64 hex is a malformed event naming the field: %s', (_, digest) => {
    const event = { ...rawSample('ecr-image-action-push'), id: 'bad-digest-1' };
    event.detail = { ...event.detail, 'image-digest': digest };
    expect(() => parseEvent(event)).toThrow('event bad-digest-1: malformed ECR Image Action: detail.image-digest: expected sha256: followed by 64 lowercase hex digits');
  });

  it('an untagged push (image-tag "") carries no tag', () => {
    const raw = sample('ecr-image-action-push');
    raw.detail['image-tag'] = '';
    expect(change(raw)).not.toHaveProperty('tag');
  });

  it('a delete with a tag removes that tag; without one, the image', () => {
    expect(change(sample('ecr-image-action-delete'))).toMatchObject({ kind: 'image-deleted', tag: 'latest' });
    const whole = sample('ecr-image-action-delete');
    delete whole.detail['image-tag'];
    expect(change(whole)).toEqual({ kind: 'image-deleted', repositoryName: 'my-repository-name', imageDigest: expect.any(String) });
  });

  it('archive and restore change the storage class, for images and referrers', () => {
    expect(change(sample('ecr-image-action-archive'))).toMatchObject({ kind: 'image-storage-class', storageClass: 'ARCHIVE', repositoryName: 'ubuntu' });
    expect(change(sample('ecr-image-action-restore'))).toMatchObject({ kind: 'image-storage-class', storageClass: 'STANDARD' });
    expect(change(sample('ecr-referrer-action-restore'))).toMatchObject({ kind: 'image-storage-class', repositoryName: 'sbom' });
  });

  it('replication and pull-through cache record the image as a push', () => {
    expect(change(sample('ecr-replication-action-success'))).toMatchObject({ kind: 'image-pushed', repositoryName: 'docker-hub/alpine', tag: '3.17.2' });
    expect(change(sample('ecr-pull-through-cache-action'))).toMatchObject({ kind: 'image-pushed', repositoryName: 'docker-hub/alpine', tag: '3.17.2' });
  });

  it('changes nothing when the result is not SUCCESS', () => {
    const failed = sample('ecr-image-action-push');
    failed.detail.result = 'FAILURE';
    expect(ignored(failed)).toBe('ECR Image Action PUSH with result FAILURE');
  });

  it('ignores ECR events it does not follow (scan results) without error', () => {
    expect(ignored(sample('ecr-image-scan-basic'))).toContain('not one ecr-ledger follows');
  });

  it.each([
    ['an unknown action type', (d: Record<string, unknown>) => { d['action-type'] = 'TELEPORT'; }, 'detail.action-type: unknown action type "TELEPORT"'],
    ['a missing digest', (d: Record<string, unknown>) => { delete d['image-digest']; }, 'detail.image-digest'],
    ['a digest of the wrong type', (d: Record<string, unknown>) => { d['image-digest'] = 42; }, 'detail.image-digest'],
    ['a missing repository', (d: Record<string, unknown>) => { delete d['repository-name']; }, 'detail.repository-name'],
  ])('fails loudly on %s, naming the event id', (_what, mutate, field) => {
    const raw = sample('ecr-image-action-push');
    mutate(raw.detail);
    expect(() => parseEvent(raw)).toThrow(EventError);
    expect(() => parseEvent(raw)).toThrow(new RegExp(`^event 13cde686-328b-6117-af20-0e5566167482: malformed ECR Image Action: ${field}`));
  });

  it('fails on something that is not an EventBridge event at all', () => {
    expect(() => parseEvent({ id: 'x-1', hello: 'world' })).toThrow(/^event x-1: not an EventBridge event: detail-type/);
    expect(() => parseEvent('nonsense')).toThrow(/^event \(no id\)/);
  });
});

describe('ECS events', () => {
  it('a task state change carries the digests the task runs and its version', () => {
    expect(change(sample('ecs-task-state-change-running'))).toMatchObject({
      kind: 'task-state', version: 4,
      task: { lastStatus: 'RUNNING', group: 'family:sample-fargate', containers: [{ name: 'FargateApp', imageDigest: 'sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6' }] },
    });
  });

  it('a task state change without a version is malformed', () => {
    const raw = sample('ecs-task-state-change-running');
    delete raw.detail.version;
    expect(() => parseEvent(raw)).toThrow('detail.version');
  });

  it.each(['ecs-deployment-state-change-completed', 'ecs-deployment-state-change-failed', 'ecs-deployment-state-change-in-progress', 'ecs-deployment-state-change-rollback-in-progress', 'ecs-service-action-steady-state'])(
    '%s asks for the service to be read again', (name) => {
      expect(change(sample(name))).toEqual({ kind: 'service-changed', cluster: 'arn:aws:ecs:us-west-2:111122223333:cluster/default', service: 'arn:aws:ecs:us-west-2:111122223333:service/default/servicetest' });
    });

  it('ignores container-instance events', () => {
    expect(ignored(sample('ecs-container-instance-state-change'))).toContain('not one ecr-ledger follows');
  });
});

describe('CloudTrail API calls', () => {
  const td = { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:7', family: 'app', revision: 7, status: 'ACTIVE', containerDefinitions: [{ name: 'app', image: 'app:v7', environment: [] }] };

  it('RegisterTaskDefinition uses the registered revision from responseElements', () => {
    expect(change(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'app' }, responseElements: { taskDefinition: td } }))).toEqual({
      kind: 'task-definition-registered', taskDefinition: { taskDefinitionArn: td.taskDefinitionArn, family: 'app', revision: 7, status: 'ACTIVE', containers: [{ containerName: 'app', image: 'app:v7' }] },
    });
    expect(change(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'app' } }))).toEqual({ kind: 'task-family-changed', family: 'app' });
  });

  it('Deregister and DeleteTaskDefinitions change the status', () => {
    expect(change(cloudTrailEvent('ecs', 'DeregisterTaskDefinition', { requestParameters: { taskDefinition: 'app:3' } }))).toEqual({ kind: 'task-definition-status', taskDefinitions: ['app:3'], status: 'INACTIVE' });
    expect(change(cloudTrailEvent('ecs', 'DeleteTaskDefinitions', { requestParameters: { taskDefinitions: ['app:1', 'app:2'] } }))).toMatchObject({ status: 'DELETE_IN_PROGRESS', taskDefinitions: ['app:1', 'app:2'] });
  });

  it.each(['CreateService', 'UpdateService', 'DeleteService', 'CreateTaskSet', 'UpdateServicePrimaryTaskSet', 'DeleteTaskSet'])('%s asks for the service to be read again', (name) => {
    const service = { serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' };
    const withResponse = name.includes('TaskSet') ? {} : { responseElements: { service } };
    expect(change(cloudTrailEvent('ecs', name, { requestParameters: { cluster: 'prod', service: 'web' }, ...withResponse }))).toMatchObject({ kind: 'service-changed' });
  });

  it('ECS Express Mode calls (CreateExpressGatewayService and the rest, documented shapes) ask for the Express service to be read again (issue 35)', () => {
    // ECSExpressGatewayService: cluster (a name or an ARN), serviceName, serviceArn, activeConfigurations[].primaryContainer.image.
    const service = {
      cluster: 'default', serviceName: 'shop', serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/default/shop', status: { statusCode: 'ACTIVE' },
      activeConfigurations: [{ serviceRevisionArn: 'arn:aws:ecs:us-east-1:123456789012:service-revision/default/shop/1', primaryContainer: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1.0', containerPort: 80 } }],
    };
    expect(change(cloudTrailEvent('ecs', 'CreateExpressGatewayService', { requestParameters: { serviceName: 'shop', primaryContainer: { image: service.activeConfigurations[0]!.primaryContainer.image } }, responseElements: { service } })))
      .toEqual({ kind: 'service-changed', cluster: 'default', service: service.serviceArn });
    expect(change(cloudTrailEvent('ecs', 'UpdateExpressGatewayService', { requestParameters: { serviceArn: service.serviceArn }, responseElements: { service } }))).toMatchObject({ kind: 'service-changed', service: service.serviceArn });
    expect(change(cloudTrailEvent('ecs', 'DeleteExpressGatewayService', { requestParameters: { serviceArn: service.serviceArn } }))).toMatchObject({ kind: 'service-changed', service: service.serviceArn });
  });

  it('Lambda calls match their versioned event names', () => {
    expect(change(cloudTrailEvent('lambda', 'UpdateFunctionCode20150331v2', { requestParameters: { functionName: 'thumbnailer', imageUri: 'x' }, responseElements: { functionName: 'thumbnailer', version: '$LATEST', packageType: 'Image' } })))
      .toEqual({ kind: 'lambda-versions-changed', functionName: 'thumbnailer', versions: ['$LATEST'] });
    expect(change(cloudTrailEvent('lambda', 'PublishVersion20150331', { requestParameters: { functionName: 'arn:aws:lambda:us-east-1:123456789012:function:thumbnailer' }, responseElements: { version: '4' } })))
      .toEqual({ kind: 'lambda-versions-changed', functionName: 'thumbnailer', versions: ['4'] });
    expect(change(cloudTrailEvent('lambda', 'CreateFunction20150331', { requestParameters: { functionName: 'f', packageType: 'Image', publish: true }, responseElements: { version: '1', packageType: 'Image' } })))
      .toEqual({ kind: 'lambda-versions-changed', functionName: 'f', versions: ['$LATEST', '1'] });
    expect(change(cloudTrailEvent('lambda', 'UpdateAlias20150331', { requestParameters: { functionName: 'f', name: 'live' }, responseElements: { aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:f:live', name: 'live', functionVersion: '3', routingConfig: { additionalVersionWeights: { '4': 0.1 } } } })))
      .toEqual({ kind: 'lambda-alias-changed', alias: { aliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:f:live', functionName: 'f', name: 'live', functionVersion: '3', additionalVersions: ['4'] } });
    expect(change(cloudTrailEvent('lambda', 'DeleteAlias20150331', { requestParameters: { functionName: 'f', name: 'live' } }))).toEqual({ kind: 'lambda-alias-deleted', functionName: 'f', name: 'live' });
    expect(change(cloudTrailEvent('lambda', 'DeleteFunction20150331', { requestParameters: { functionName: 'f', qualifier: '2' } }))).toEqual({ kind: 'lambda-function-deleted', functionName: 'f', qualifier: '2' });
  });

  it.each([
    ['DeleteFunctionConcurrency20171031', 'DeleteFunction'],
    ['DeleteFunctionUrlConfig20211031', 'DeleteFunction'],
    ['DeleteFunctionEventInvokeConfig20190925', 'DeleteFunction'],
    ['DeleteFunctionCodeSigningConfig20200630', 'DeleteFunction'],
    ['CreateFunctionUrlConfig20211031', 'CreateFunction'],
    ['UpdateFunctionCodeSigningConfig20200630', 'UpdateFunctionCode'],
    ['UpdateFunctionConfiguration20150331v2', 'UpdateFunctionCode'],
    ['PublishLayerVersion20181031', 'PublishVersion'],
  ])('%s is not %s', (eventName, api) => {
    expect(matchesApi(eventName, api)).toBe(false);
    expect(ignored(cloudTrailEvent('lambda', eventName, { requestParameters: { functionName: 'f' } }))).toContain('is not one ecr-ledger follows');
  });

  it.each([['DeleteFunction', 'DeleteFunction'], ['DeleteFunction20150331', 'DeleteFunction'], ['UpdateFunctionCode20150331v2', 'UpdateFunctionCode']])('%s is %s', (eventName, api) => {
    expect(matchesApi(eventName, api)).toBe(true);
  });

  it('ignores failed calls and calls it does not follow', () => {
    expect(ignored(cloudTrailEvent('ecs', 'UpdateService', { requestParameters: { service: 'web' }, errorCode: 'AccessDenied' }))).toBe('UpdateService failed (AccessDenied)');
    expect(ignored(cloudTrailEvent('ecs', 'TagResource', {}))).toContain('ECS call TagResource is not one ecr-ledger follows');
  });

  it('ECR DeleteRepository removes the repository', () => {
    expect(change(cloudTrailEvent('ecr', 'DeleteRepository', { requestParameters: { repositoryName: 'old', force: true } }))).toEqual({ kind: 'repository-deleted', repositoryName: 'old' });
  });

  it('fails loudly on a followed call that lacks what it needs', () => {
    const raw = cloudTrailEvent('lambda', 'DeleteAlias20150331', { requestParameters: { functionName: 'f' } });
    expect(() => parseEvent(raw)).toThrow(new RegExp(`^event ${raw.id}: malformed AWS API Call via CloudTrail: detail.requestParameters.name`));
  });
});
