import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveLookups } from '../../../src/adapters/aws/lookups.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { digest } from '../../fixtures/account-builder.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };

describe('AWS lookups for events', () => {
  const account = new FakeAccount();
  const warnings: string[] = [];
  const lookups = new LiveLookups(account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, (m) => warnings.push(m));

  it('reads a pushed index with its children (BatchGetImage), and says when an image is gone', async () => {
    account.ecr.addRepository('web').addImage('web', { imageDigest: digest('index'), imageTags: ['v1'], imagePushedAt: new Date('2026-11-01T00:00:00Z'), imageSizeInBytes: 99, imageManifestMediaType: OCI_INDEX },
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: digest('amd64') }, { digest: digest('arm64') }] });
    expect(await lookups.describeImage('web', digest('index'))).toMatchObject({ imageSizeInBytes: 99, childDigests: [digest('amd64'), digest('arm64')], imagePushedAt: '2026-11-01T00:00:00.000Z' });
    expect(await lookups.describeImage('web', digest('gone'))).toBeUndefined();
    expect(await lookups.describeImage('no-such-repo', digest('gone'))).toBeUndefined();
  });

  it('fails, rather than calling the image gone, when its manifest cannot be read', async () => {
    account.ecr.failingManifests.set(digest('index'), 'KmsError');
    try {
      await expect(lookups.describeImage('web', digest('index'))).rejects.toThrow(/KmsError/);
    } finally {
      account.ecr.failingManifests.delete(digest('index'));
    }
  });

  it('reads a service with its last successful deployment and pinned digests; a deleted one is gone', async () => {
    const td = account.ecs.addTaskDefinition('app', 3, { app: 'app:v3' });
    const revisionArn = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/api/1';
    const serviceArn = account.ecs.addService('prod', { serviceName: 'api', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }], currentServiceRevisions: [{ arn: revisionArn }] });
    account.ecs.serviceRevisions.set(revisionArn, { serviceRevisionArn: revisionArn, serviceArn, taskDefinition: td, containerImages: [{ containerName: 'app', image: 'app:v3', imageDigest: digest('v3') }] });
    account.ecs.serviceDeployments.push({ serviceDeploymentArn: `${serviceArn}/dep1`, serviceArn, status: 'SUCCESSFUL', targetServiceRevisionArn: revisionArn, finishedAt: new Date('2026-11-02T00:00:00Z') });
    const read = await lookups.describeService(account.ecs.clusterArn('prod'), serviceArn);
    expect(read?.service.serviceName).toBe('api');
    expect(read?.deployment?.targetServiceRevisionArn).toBe(revisionArn);
    expect(read?.revisions[0]?.containerImages[0]?.imageDigest).toBe(digest('v3'));
    expect(await lookups.describeService(account.ecs.clusterArn('prod'), `${serviceArn}-deleted`)).toBeUndefined();
    expect(await lookups.describeService(account.ecs.clusterArn('gone'), serviceArn)).toBeUndefined();
  });

  it('of two deployments that finished at the same instant, the one started later is the last successful (the rollback target)', async () => {
    const [older, newer] = [1, 2].map((n) => `arn:aws:ecs:us-east-1:123456789012:service-revision/prod/tie/${n}`) as [string, string];
    const serviceArn = account.ecs.addService('prod', { serviceName: 'tie', deployments: [] });
    const finishedAt = new Date('2026-11-03T00:00:00Z');
    account.ecs.serviceDeployments.push(
      { serviceDeploymentArn: `${serviceArn}/d-older`, serviceArn, status: 'SUCCESSFUL', targetServiceRevisionArn: older, startedAt: new Date('2026-11-01T00:00:00Z'), finishedAt },
      { serviceDeploymentArn: `${serviceArn}/d-newer`, serviceArn, status: 'SUCCESSFUL', targetServiceRevisionArn: newer, startedAt: new Date('2026-11-02T00:00:00Z'), finishedAt },
    );
    expect((await lookups.describeService(account.ecs.clusterArn('prod'), serviceArn))?.deployment?.targetServiceRevisionArn).toBe(newer);
  });

  it("reads function versions (the resolved digest) and a family's ACTIVE revisions, exact family only", async () => {
    account.lambda.addVersion('fn', '2', { imageUri: 'x:1', resolvedImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${digest('fn2')}` });
    expect((await lookups.functionVersions('fn', ['2', '9'])).map((f) => f.resolvedImageUri)).toEqual([`123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${digest('fn2')}`]);
    account.ecs.addTaskDefinition('app-worker', 1, { w: 'w:1' });
    expect((await lookups.familyRevisions('app')).map((t) => `${t.family}:${t.revision}`)).toEqual(['app:3']);
    expect(warnings).toEqual([]);
  });
});
