import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { restoreImages } from '../../../src/app/undo/restore.js';
import { restoreOnUse, type RestoredOnUse } from '../../../src/app/undo/restore-on-use.js';
import { parseConfig } from '../../../src/config.js';
import type { ImageFact } from '../../../src/domain/facts.js';
import { digest } from '../../fixtures/account-builder.js';
import { FakeAccount } from '../../fakes/fake-account.js';

/** Restoring an index restores its family (issue 29, point 6): the oracle is the storage class the fake ECR holds. */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_IMAGE = 'application/vnd.oci.image.manifest.v1+json';
const config = parseConfig({});
const clock = () => new Date('2026-12-01T00:00:00Z');
const [index, amd64, arm64, signature] = [digest('index'), digest('amd64'), digest('arm64'), digest('signature')];

function archivedFamily(): FakeAccount {
  const account = new FakeAccount();
  const archived = { imagePushedAt: new Date('2026-09-01T00:00:00Z'), imageSizeInBytes: 10_000_000, imageStatus: 'ARCHIVED' as const, lastArchivedAt: new Date('2026-10-01T00:00:00Z') };
  account.ecr.addRepository('web');
  account.ecr.addImage('web', { ...archived, imageDigest: amd64, imageTags: [], imageManifestMediaType: OCI_IMAGE });
  account.ecr.addImage('web', { ...archived, imageDigest: arm64, imageTags: [], imageManifestMediaType: OCI_IMAGE });
  account.ecr.addImage('web', { ...archived, imageDigest: index, imageTags: ['v1'], imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: amd64 }, { digest: arm64 }] });
  account.ecr.addImage('web', { ...archived, imageDigest: signature, imageTags: [], imageManifestMediaType: OCI_IMAGE, artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json' },
    { schemaVersion: 2, mediaType: OCI_IMAGE, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digest('empty'), size: 2 }, layers: [], subject: { mediaType: OCI_INDEX, digest: index, size: 100 } });
  return account;
}

const statuses = (account: FakeAccount) => [index, amd64, arm64, signature].map((d) => account.ecr.statusOf('web', d));

describe('restore restores the family', () => {
  it('restore web:v1: the index, both platform images and the signature go back, and the result says what came with it', async () => {
    const account = archivedFamily();
    const aws = new LiveSweepAws(account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, clock);
    const results = await restoreImages({ aws, config, clock }, SCOPE, [{ repositoryName: 'web', tag: 'v1' }], { dryRun: false, runId: 'restore-1', by: 'me', reasons: ['asked'] });
    expect(statuses(account)).toEqual(['ACTIVATING', 'ACTIVATING', 'ACTIVATING', 'ACTIVATING']);
    expect(results.map((r) => [r.imageDigest, r.status, r.with])).toEqual([[index, 'restored', undefined], [amd64, 'restored', index], [arm64, 'restored', index], [signature, 'restored', index]]);
  });

  it('restoring one platform image restores it alone and says its index stays archived', async () => {
    const account = archivedFamily();
    const aws = new LiveSweepAws(account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, clock);
    const results = await restoreImages({ aws, config, clock }, SCOPE, [{ repositoryName: 'web', imageDigest: amd64 }], { dryRun: false, runId: 'restore-2', by: 'me', reasons: ['asked'] });
    expect(statuses(account)).toEqual(['ARCHIVED', 'ACTIVATING', 'ARCHIVED', 'ARCHIVED']);
    expect(results).toEqual([expect.objectContaining({ imageDigest: amd64, status: 'restored', reason: expect.stringContaining(`its image index ${index} [v1] stays archived`) })]);
  });
});

describe('restore on use restores the family', () => {
  const ledgerImages = (): ImageFact[] => [
    { repositoryName: 'web', imageDigest: index, imageTags: ['v1'], imagePushedAt: '2026-09-01T00:00:00.000Z', imageSizeInBytes: 0, childDigests: [amd64, arm64], imageStatus: 'ARCHIVED' },
    { repositoryName: 'web', imageDigest: amd64, imageTags: [], imagePushedAt: '2026-09-01T00:00:00.000Z', imageSizeInBytes: 0, childDigests: [], imageStatus: 'ARCHIVED' },
    { repositoryName: 'web', imageDigest: arm64, imageTags: [], imagePushedAt: '2026-09-01T00:00:00.000Z', imageSizeInBytes: 0, childDigests: [], imageStatus: 'ARCHIVED' },
    { repositoryName: 'web', imageDigest: signature, imageTags: [], imagePushedAt: '2026-09-01T00:00:00.000Z', imageSizeInBytes: 0, childDigests: [], subjectDigest: index, imageStatus: 'ARCHIVED' },
  ];
  const deps = (account: FakeAccount, told: RestoredOnUse[][]) => {
    const aws = new LiveSweepAws(account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, clock);
    return { config, clock, restorer: () => aws, family: async () => ledgerImages(), tell: async (found: readonly RestoredOnUse[]) => { told.push([...found]); } };
  };

  it('a task definition naming web:v1 (the index): the index, its children and its signature are restored', async () => {
    const account = archivedFamily();
    const told: RestoredOnUse[][] = [];
    const [result] = await restoreOnUse(deps(account, told), [{ registry: SCOPE, image: ledgerImages()[0]!, usedBy: ['ecs-task-definition web:3'] }]);
    expect(statuses(account)).toEqual(['ACTIVATING', 'ACTIVATING', 'ACTIVATING', 'ACTIVATING']);
    expect(result).toMatchObject({ outcome: 'restored', withFamily: [amd64, arm64, signature] });
  });

  it('a task running one platform image by digest: that image is restored, and the index staying archived is said', async () => {
    const account = archivedFamily();
    const told: RestoredOnUse[][] = [];
    const [result] = await restoreOnUse(deps(account, told), [{ registry: SCOPE, image: ledgerImages()[1]!, usedBy: ['ecs-task arn:aws:ecs:us-east-1:123456789012:task/prod/t1'] }]);
    expect(statuses(account)).toEqual(['ARCHIVED', 'ACTIVATING', 'ARCHIVED', 'ARCHIVED']);
    expect(result).toMatchObject({ outcome: 'restored', why: expect.stringContaining(`its image index ${index} [v1] stays archived`) });
  });
});
