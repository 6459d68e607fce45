import { readFileSync } from 'node:fs';
import { digest } from '../../fixtures/account-builder.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { FakeKubernetes } from '../../fakes/fake-kubernetes.js';

const image = (pushedAt: string, size = 50_000_000) => ({ imagePushedAt: new Date(pushedAt), imageSizeInBytes: size, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
const registryOf = (a: FakeAccount) => `${a.accountId}.dkr.ecr.${a.region}.amazonaws.com`;

/** An EKS cluster `prod-1` whose API server (a local one) runs a pod with `images`. */
async function eksCluster(account: FakeAccount, images: readonly string[]): Promise<FakeKubernetes> {
  const kube = await new FakeKubernetes().start();
  kube.accepts = () => true;
  account.eks.clusters.set('prod-1', { endpoint: kube.url });
  kube.add('/api/v1/pods', ...images.map((ref, i) => ({ metadata: { name: `pod-${i}`, namespace: 'default', ownerReferences: [] }, spec: { containers: [{ name: 'app', image: ref }] }, status: { phase: 'Running' } })));
  return kube;
}

/** Consumers of every kind the reconcile reads, each using `ref`: an ECS service with a deployment revision and a task, a Lambda alias, Batch, App Runner. */
function consumers(account: FakeAccount, ref: string): void {
  const td = account.ecs.addTaskDefinition('consumer', 1, { app: ref });
  const revision = `arn:aws:ecs:${account.region}:${account.accountId}:service-revision/prod/consumer/1`;
  const serviceArn = account.ecs.addService('prod', { serviceName: 'consumer', deployments: [{ id: 'ecs-svc/c1', status: 'PRIMARY', taskDefinition: td, rolloutState: 'COMPLETED' }], currentServiceRevisions: [{ arn: revision }] } as never);
  account.ecs.serviceRevisions.set(revision, { serviceRevisionArn: revision, serviceArn, clusterArn: account.ecs.clusterArn('prod'), taskDefinition: td, containerImages: [{ containerName: 'app', image: ref }] });
  account.ecs.addTask('prod', { taskArn: `arn:aws:ecs:${account.region}:${account.accountId}:task/prod/c1`, taskDefinitionArn: td, lastStatus: 'RUNNING', group: 'service:consumer', containers: [{ name: 'app', image: ref }] } as never);
  account.lambda.addVersion('consumer-fn', '1', { imageUri: ref }).addAlias('consumer-fn', 'live', '1');
  account.batch.jobDefinitions.push({ jobDefinitionName: 'consumer-job', jobDefinitionArn: `arn:aws:batch:${account.region}:${account.accountId}:job-definition/consumer-job:1`, revision: 1, status: 'ACTIVE', type: 'container', containerProperties: { image: ref } });
  account.apprunner.services.push({ ServiceArn: `arn:aws:apprunner:${account.region}:${account.accountId}:service/consumer/1`, ServiceName: 'consumer', Status: 'RUNNING', SourceConfiguration: { ImageRepository: { ImageIdentifier: ref, ImageRepositoryType: 'ECR' } } } as never);
}

/** A repository nothing uses, of one image and an index over it: a stack that owns it purges it when deleted. */
function unusedRepository(account: FakeAccount, name: string): void {
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  account.ecr.addRepository(name);
  account.ecr.addImage(name, { imageDigest: digest(`${name}-1`), imageTags: ['v1'], ...image('2026-08-01T00:00:00Z') });
  account.ecr.addImage(name, { imageDigest: digest(`${name}-index`), imageTags: ['multi'], ...image('2026-08-01T00:00:00Z'), imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: digest(`${name}-1`), mediaType: 'application/vnd.oci.image.manifest.v1+json' }] });
}

/** `count` repositories `bulk/r-NN` of one old image each: a registry the sweep needs two invocations for when time runs short. */
function bulk(account: FakeAccount, count: number): void {
  for (let n = 0; n < count; n += 1) {
    const name = `bulk/r-${String(n).padStart(2, '0')}`;
    account.ecr.addRepository(name);
    account.ecr.addImage(name, { imageDigest: digest(`${account.accountId}-${name}`), imageTags: ['v1'], ...image('2026-09-01T00:00:00Z', 1_000_000) });
  }
}

/** What changed since the last reconcile and no event told: a task definition and a service revision the live check must read. */
export function lateChanges(account: FakeAccount, ref: string, n: number): void {
  const td = account.ecs.addTaskDefinition('late', n, { app: ref });
  const revision = `arn:aws:ecs:${account.region}:${account.accountId}:service-revision/prod/consumer/late-${n}`;
  const serviceArn = `arn:aws:ecs:${account.region}:${account.accountId}:service/prod/consumer`;
  account.ecs.serviceRevisions.set(revision, { serviceRevisionArn: revision, serviceArn, clusterArn: account.ecs.clusterArn('prod'), taskDefinition: td, containerImages: [{ containerName: 'app', image: ref }] });
  const service = account.ecs.clusters.get(account.ecs.clusterArn('prod'))?.services.get(serviceArn);
  if (service) service.currentServiceRevisions = [...(service.currentServiceRevisions ?? []), { arn: revision }];
}

/**
 * The single-account stack's world (us-east-1): the bundled example account with consumers of every kind, an EKS
 * cluster whose pods run one preview image (and one that stops), Inspector's coverage, a second enabled region for the
 * region probe, an unused managed repository a stack will purge, and 114 repositories in all (three sweep invocations when time runs short).
 */
export async function singleAccountWorld(): Promise<{ home: FakeAccount; kube: FakeKubernetes; podImage: string }> {
  const example = JSON.parse(readFileSync('examples/account.json', 'utf8')) as { ecr: { repositories: Array<{ repositoryName: string; images: Array<{ imageDigest: string; imagePushedAt: string }> }> } };
  const home = FakeAccount.fromSnapshot(example as never);
  const preview = example.ecr.repositories.find((r) => r.repositoryName === 'preview/frontend')!.images;
  const [podImage, stoppingImage] = [...preview].sort((a, b) => a.imagePushedAt.localeCompare(b.imagePushedAt)).map((i) => i.imageDigest);
  const kube = await eksCluster(home, [`${registryOf(home)}/preview/frontend@${podImage}`, `${registryOf(home)}/preview/frontend@${stoppingImage}`]);
  consumers(home, `${registryOf(home)}/payments:2.2`);
  home.inspector.seen('app', home.ecr.digestOf('app', '1.5')!, new Date('2026-11-19T00:00:00Z'));
  home.enabledRegions = ['us-east-1', 'us-west-2'];
  unusedRepository(home, 'preview/old');
  bulk(home, 105);
  return { home, kube, podImage: podImage! };
}

/**
 * The organisation stack's world (ap-southeast-2): the central account's team-a/api, shared with the member by its
 * repository policy, one of whose images only the member's task definition uses; consumers of every kind and an EKS
 * cluster in the central account (one pod stops), a second enabled region, an unused repository to purge; the member
 * 222222222222 with its own repository; 57 repositories in all.
 */
export async function organizationWorld(): Promise<{ home: FakeAccount; member: FakeAccount; kube: FakeKubernetes; usedByMember: string }> {
  const region = 'ap-southeast-2';
  const home = new FakeAccount('123456789012', region);
  const member = new FakeAccount('222222222222', region);
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'member', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] });
  home.ecr.addRepository('team-a/api', policy);
  for (const n of [1, 2, 3, 4]) home.ecr.addImage('team-a/api', { imageDigest: digest(`api-${n}`), imageTags: [`v${n}`], ...image(`2026-0${n + 4}-01T00:00:00Z`) });
  home.ecr.addRepository('team-a/web');
  home.ecr.addImage('team-a/web', { imageDigest: digest('web-1'), imageTags: ['v1'], ...image('2026-06-01T00:00:00Z') });
  consumers(home, `${registryOf(home)}/team-a/web:v1`);
  home.inspector.seen('team-a/web', digest('web-1'), new Date('2026-11-19T00:00:00Z'));
  const kube = await eksCluster(home, [`${registryOf(home)}/team-a/web:v1`, `${registryOf(home)}/team-a/web@${digest('web-0')}`]);
  home.ecr.addImage('team-a/web', { imageDigest: digest('web-0'), imageTags: ['v0'], ...image('2026-05-01T00:00:00Z') });
  home.enabledRegions = [region, 'eu-west-1'];
  unusedRepository(home, 'team-a/old');
  bulk(home, 52);
  member.ecs.addTaskDefinition('billing', 1, { app: `${registryOf(home)}/team-a/api:v1` });
  member.ecr.addRepository('svc');
  member.ecr.addImage('svc', { imageDigest: digest('svc-1'), imageTags: ['v1'], ...image('2026-06-01T00:00:00Z') });
  return { home, member, kube, usedByMember: digest('api-1') };
}
