import { BatchGetImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { readEcr as readWith } from '../../../src/adapters/aws/ecr-reader.js';
import { AwsReadError } from '../../../src/errors.js';
import { parseSnapshot } from '../../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../../src/snapshot/to-facts.js';
import { FakeEcr } from '../../fakes/fake-ecr.js';
import { digest } from '../../fixtures/account-builder.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const pushed = new Date('2026-10-01T00:00:00Z');
const readEcr = (client: FakeEcr['client'], options: Parameters<typeof readWith>[2] = {}) => readWith(new AwsCaller({ sleep: async () => undefined }), client, options);

function registryWithIndexes(count: number): FakeEcr {
  const ecr = new FakeEcr().addRepository('web');
  for (let i = 0; i < count; i += 1) {
    ecr.addImage('web', { imageDigest: digest(`child-${i}`), imagePushedAt: pushed, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
    ecr.addImage('web', { imageDigest: digest(`index-${i}`), imageTags: [`v${i}`], imagePushedAt: pushed, imageManifestMediaType: OCI_INDEX },
      { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: digest(`child-${i}`) }] });
  }
  return ecr;
}

describe('readEcr', () => {
  it('reads every page of a repository with 2,500 images, archived included', async () => {
    const ecr = new FakeEcr().addRepository('big');
    for (let i = 0; i < 2_500; i += 1) ecr.addImage('big', { imageDigest: digest(`big-${i}`), imagePushedAt: pushed, imageStatus: i % 100 === 0 ? 'ARCHIVED' : 'ACTIVE' });
    const [repo] = await readEcr(ecr.client);
    expect(repo!.images).toHaveLength(2_500);
    expect(ecr.calls(DescribeImagesCommand)).toBe(3);
    expect(ecr.mock.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toMatchObject({ filter: { imageStatus: 'ANY' }, maxResults: 1000 });
  });

  it('reads the manifests of indexes in batches of at most 100, and the result is a valid snapshot section', async () => {
    const ecr = registryWithIndexes(250);
    const repos = await readEcr(ecr.client);
    expect(ecr.calls(BatchGetImageCommand)).toBe(3);
    const facts = snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: '123456789012', region: 'us-east-1', capturedAt: pushed.toISOString(), ecr: { repositories: repos } }));
    expect(facts.images.find((i) => i.imageDigest === digest('index-7'))!.childDigests).toEqual([digest('child-7')]);
  });

  it('reads repository policies; a repository without one is not an error', async () => {
    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });
    const ecr = new FakeEcr().addRepository('shared', policy).addRepository('private');
    const repos = await readEcr(ecr.client);
    expect(repos.map((r) => [r.repositoryName, r.policyText])).toEqual([['private', undefined], ['shared', policy]]);
  });

  it('fails when a manifest cannot be read, because index children would be unknown', async () => {
    const ecr = registryWithIndexes(3);
    ecr.failingManifests.set(digest('index-1'), 'KmsError');
    await expect(readEcr(ecr.client)).rejects.toThrow(AwsReadError);
    await expect(readEcr(ecr.client)).rejects.toThrow(`${digest('index-1')}: KmsError`);
  });

  it('drops an image deleted between DescribeImages and BatchGetImage', async () => {
    const ecr = registryWithIndexes(2);
    ecr.mock.on(DescribeImagesCommand).callsFakeOnce((input) => {
      const result = { imageDetails: [
        { repositoryName: 'web', imageDigest: digest('index-0'), imagePushedAt: pushed, imageManifestMediaType: OCI_INDEX },
        { repositoryName: 'web', imageDigest: digest('gone'), imagePushedAt: pushed, imageManifestMediaType: OCI_INDEX },
      ] };
      return input.nextToken ? { imageDetails: [] } : result;
    });
    const [repo] = await readEcr(ecr.client);
    expect(repo!.images.map((i) => i.imageDigest)).toEqual([digest('index-0')]);
  });

  it('does not fetch a manifest the ledger already knows (manifests are immutable)', async () => {
    const ecr = registryWithIndexes(150);
    const knownManifests = (_repo: string, imageDigest: string) =>
      imageDigest === digest('index-3') ? { mediaType: OCI_INDEX, childDigests: [digest('child-3')] } : undefined;
    const repos = await readEcr(ecr.client, { knownManifests });
    const fetched = ecr.mock.commandCalls(BatchGetImageCommand).flatMap((c) => c.args[0].input.imageIds!.map((id) => id.imageDigest));
    expect(fetched).toHaveLength(149);
    expect(fetched).not.toContain(digest('index-3'));
    const facts = snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: '123456789012', region: 'us-east-1', capturedAt: pushed.toISOString(), ecr: { repositories: repos } }));
    expect(facts.images.find((i) => i.imageDigest === digest('index-3'))).toMatchObject({ childDigests: [digest('child-3')], imageManifestMediaType: OCI_INDEX });
  });
});
