import { digest } from '../../fixtures/account-builder.js';
import type { FakeAccount } from '../../fakes/fake-account.js';
import { apiCallFrom, sampleFrom, type Origin } from './events.js';

type Event = Record<string, any> | (() => Record<string, any>);

const SAMPLE_DIGEST = 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234';

/**
 * One event of every kind the event functions apply, as `account` would send it (its own or forwarded to the central
 * bus), each with the function its rule targets. `account` gets what the events describe (a pushed image, a task
 * definition, a function, a service), so that the look-ups they need find it; `repository` is one of its repositories.
 * An event given as a function changes the account first (ECS and ECR change before their event comes): call it when its turn comes.
 */
export function everyEvent(account: FakeAccount, repository: string, time: string): Array<[string, Event]> {
  const origin: Origin = { accountId: account.accountId, region: account.region, time };
  const registry = `${account.accountId}.dkr.ecr.${account.region}.amazonaws.com`;
  const pushed = digest(`${account.accountId}-pushed`);
  account.ecr.addImage(repository, { imageDigest: pushed, imageTags: ['new'], imagePushedAt: new Date(time), imageSizeInBytes: 1_000_000, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
  const image = `${registry}/${repository}:new`;
  const index = digest(`${account.accountId}-index`);
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  account.ecr.addImage(repository, { imageDigest: index, imageTags: ['multi'], imagePushedAt: new Date(time), imageSizeInBytes: 1_000, imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: pushed, mediaType: 'application/vnd.oci.image.manifest.v1+json', platform: { os: 'linux', architecture: 'arm64' } }] });
  account.ecr.addRepository('events-doomed');
  account.ecr.addImage('events-doomed', { imageDigest: digest(`${account.accountId}-doomed`), imageTags: ['v1'], imagePushedAt: new Date(time), imageSizeInBytes: 1_000, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
  const td = account.ecs.addTaskDefinition('events', 1, { app: image });
  account.ecs.addTaskDefinition('events', 2, { app: image });
  const revision = `arn:aws:ecs:${account.region}:${account.accountId}:service-revision/prod/events/1`;
  const serviceArn = account.ecs.addService('prod', { serviceName: 'events', deployments: [{ id: 'ecs-svc/123', status: 'PRIMARY', taskDefinition: td, rolloutState: 'COMPLETED' }], currentServiceRevisions: [{ arn: revision }] } as never);
  account.ecs.serviceRevisions.set(revision, { serviceRevisionArn: revision, serviceArn, clusterArn: account.ecs.clusterArn('prod'), taskDefinition: td, containerImages: [{ containerName: 'app', image, imageDigest: pushed }] });
  account.lambda.addVersion('events-fn', '$LATEST', { imageUri: image, resolvedImageUri: `${registry}/${repository}@${pushed}` });
  account.lambda.addVersion('events-fn', '1', { imageUri: image, resolvedImageUri: `${registry}/${repository}@${pushed}` });
  const fnArn = `arn:aws:lambda:${account.region}:${account.accountId}:function:events-fn`;
  const jobArn = `arn:aws:batch:${account.region}:${account.accountId}:job-definition/events-job:1`;
  const appRunnerArn = `arn:aws:apprunner:${account.region}:${account.accountId}:service/events-web/0123456789abcdef`;
  const ecr = (name: string, replace: Record<string, string> = {}) => sampleFrom(name, origin, { 'my-repository-name': repository, [SAMPLE_DIGEST]: pushed, ...replace });
  const api = (source: Parameters<typeof apiCallFrom>[0], name: string, fields: Parameters<typeof apiCallFrom>[3]) => ['apiCallEvents', apiCallFrom(source, name, origin, fields)] as [string, Event];
  const stopped = sampleFrom('ecs-task-state-change-running', origin, { 'hello-repository:latest': `${repository}:new` });
  Object.assign(stopped.detail, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: time, stoppedReason: 'Essential container in task exited', version: 5 });
  const retagged = digest(`${account.accountId}-retagged`);
  return [
    ['ecrEvents', ecr('ecr-image-action-push', { latest: 'new' })],
    ['ecrEvents', ecr('ecr-image-action-push', { latest: 'multi', [pushed]: index })],
    ['ecrEvents', retag(account, repository, retagged, time, ecr('ecr-image-action-push', { latest: 'new', [pushed]: retagged }))],
    ['ecrEvents', ecr('ecr-image-action-push', { 'my-repository-name': 'events-doomed', [pushed]: digest(`${account.accountId}-doomed`), latest: 'v1' })],
    ['ecrEvents', ecr('ecr-image-action-archive')],
    ['ecrEvents', ecr('ecr-image-action-restore')],
    ['ecrEvents', ecr('ecr-replication-action-success', { 'docker-hub/alpine': repository })],
    ['ecrEvents', ecr('ecr-image-action-delete', { latest: 'gone' })],
    ['ecsEvents', sampleFrom('ecs-task-state-change-running', origin, { 'hello-repository:latest': `${repository}:new` })],
    ['ecsEvents', stopped],
    ['ecsEvents', sampleFrom('ecs-deployment-state-change-completed', origin, { 'service/default/servicetest': 'service/prod/events' })],
    // The service rolls out revision 2 (ECS knows it before the event comes).
    ['ecsEvents', rollOut(account, td.replace(/:1$/, ':2'), sampleFrom('ecs-deployment-state-change-completed', origin, { 'service/default/servicetest': 'service/prod/events', 'ecs-svc/123': 'ecs-svc/124' }))],
    ['ecsEvents', sampleFrom('ecs-service-action-steady-state', origin, { 'service/default/servicetest': 'service/prod/events', 'cluster/default': 'cluster/prod' })],
    api('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'events' }, responseElements: { taskDefinition: { ...account.ecs.taskDefinitions.get('events:1')!, taskDefinitionArn: td } } }),
    api('ecs', 'RegisterTaskDefinition', { requestParameters: { family: 'events' } }),
    api('ecs', 'CreateService', { requestParameters: { cluster: 'prod', serviceName: 'events' }, responseElements: { service: { serviceArn, clusterArn: account.ecs.clusterArn('prod') } } }),
    api('ecs', 'UpdateService', { requestParameters: { cluster: 'prod', service: 'events' } }),
    api('lambda', 'CreateFunction20150331', { requestParameters: { functionName: 'events-fn', packageType: 'Image', publish: true }, responseElements: { functionName: 'events-fn', version: '1', packageType: 'Image' } }),
    api('lambda', 'PublishVersion20150331', { requestParameters: { functionName: fnArn }, responseElements: { version: '1' } }),
    api('lambda', 'UpdateAlias20150331', { requestParameters: { functionName: 'events-fn', name: 'live' }, responseElements: { aliasArn: `${fnArn}:live`, name: 'live', functionVersion: '1' } }),
    api('lambda', 'DeleteAlias20150331', { requestParameters: { functionName: 'events-fn', name: 'live' } }),
    api('lambda', 'DeleteFunction20150331', { requestParameters: { functionName: 'events-fn', qualifier: '1' } }),
    api('batch', 'RegisterJobDefinition', { requestParameters: { jobDefinitionName: 'events-job', type: 'container', containerProperties: { image, vcpus: 1, memory: 2048 } }, responseElements: { jobDefinitionName: 'events-job', jobDefinitionArn: jobArn, revision: 1 } }),
    api('batch', 'DeregisterJobDefinition', { requestParameters: { jobDefinition: 'events-job:1' } }),
    api('apprunner', 'CreateService', { requestParameters: { serviceName: 'events-web' }, responseElements: { service: { serviceArn: appRunnerArn, serviceName: 'events-web', status: 'OPERATION_IN_PROGRESS', sourceConfiguration: { imageRepository: { imageIdentifier: image, imageRepositoryType: 'ECR' } } } } }),
    api('apprunner', 'DeleteService', { requestParameters: { serviceArn: appRunnerArn }, responseElements: { service: { serviceArn: appRunnerArn, serviceName: 'events-web', status: 'OPERATION_IN_PROGRESS' } } }),
    api('ecs', 'DeregisterTaskDefinition', { requestParameters: { taskDefinition: 'events:2' } }),
    api('ecs', 'DeleteTaskDefinitions', { requestParameters: { taskDefinitions: ['events:2'] } }),
    api('ecs', 'DeleteService', { requestParameters: { cluster: 'prod', service: 'events' } }),
    ['ecrEvents', ecr('ecr-image-action-delete', { latest: 'multi', [pushed]: index })],
    api('ecr', 'DeleteRepository', { requestParameters: { repositoryName: 'events-doomed', force: true } }),
  ];
}

/** `event`, once the service `events` runs `taskDefinition` in ECS. */
const rollOut = (account: FakeAccount, taskDefinition: string, event: Record<string, any>) => () => {
  const service = account.ecs.clusters.get(account.ecs.clusterArn('prod'))!.services.get(`arn:aws:ecs:${account.region}:${account.accountId}:service/prod/events`)!;
  const revision = `arn:aws:ecs:${account.region}:${account.accountId}:service-revision/prod/events/2`;
  const { containerDefinitions } = account.ecs.taskDefinitions.get(taskDefinition.split('/').pop()!)!;
  account.ecs.serviceRevisions.set(revision, { serviceRevisionArn: revision, serviceArn: service.serviceArn, clusterArn: service.clusterArn, taskDefinition, containerImages: containerDefinitions!.map((c) => ({ containerName: c.name, image: c.image })) });
  Object.assign(service, { deployments: [{ id: 'ecs-svc/124', status: 'PRIMARY', taskDefinition, rolloutState: 'COMPLETED' }], currentServiceRevisions: [{ arn: revision }] });
  return event;
};

/** `event`, once the tag `new` has moved to `imageDigest` in ECR. */
const retag = (account: FakeAccount, repository: string, imageDigest: string, time: string, event: Record<string, any>) => () => {
  account.ecr.retag(repository, 'new', imageDigest, { imagePushedAt: new Date(time), imageSizeInBytes: 1_000, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return event;
};
