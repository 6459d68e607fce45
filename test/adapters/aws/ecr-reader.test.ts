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

const childLayers = (i: number) => [{ digest: digest(`config-${i}`), size: 1_000 }, { digest: digest('base'), size: 50_000 }, { digest: digest(`own-${i}`), size: 7_000 + i }];
const childManifest = (i: number) => {
  const [config, ...layers] = childLayers(i);
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers };
};

function registryWithIndexes(count: number): FakeEcr {
  const ecr = new FakeEcr().addRepository('web');
  for (let i = 0; i < count; i += 1) {
    ecr.addImage('web', { imageDigest: digest(`child-${i}`), imagePushedAt: pushed, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }, childManifest(i));
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
    // The indexes' manifests (they must be read) in 3 calls; the children's, for their layers, in 3 more.
    expect(ecr.calls(BatchGetImageCommand)).toBe(6);
    const facts = snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: '123456789012', region: 'us-east-1', capturedAt: pushed.toISOString(), ecr: { repositories: repos } }));
    expect(facts.images.find((i) => i.imageDigest === digest('index-7'))).toMatchObject({ childDigests: [digest('child-7')], layers: [] });
    expect(facts.images.find((i) => i.imageDigest === digest('child-7'))!.layers).toEqual(childLayers(7));
    // An image's layers travel in the snapshot as a list, not as its manifest body.
    expect(repos[0]!.images.find((i) => i.imageDigest === digest('child-7'))).toMatchObject({ layers: childLayers(7) });
    expect(repos[0]!.images.find((i) => i.imageDigest === digest('child-7'))).not.toHaveProperty('imageManifest');
  });

  it('an image whose manifest cannot be read keeps its place; only its layers are unknown', async () => {
    const ecr = registryWithIndexes(3);
    ecr.failingManifests.set(digest('child-1'), 'KmsError');
    const [repo] = await readEcr(ecr.client);
    expect(repo!.images.map((i) => i.imageDigest)).toContain(digest('child-1'));
    expect(repo!.images.find((i) => i.imageDigest === digest('child-1'))).not.toHaveProperty('layers');
    expect(repo!.images.find((i) => i.imageDigest === digest('child-2'))).toMatchObject({ layers: childLayers(2) });
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
    // The ledger knows index-3 and every child whose layers it read (child-3's were never read: fetched once more).
    const knownManifests = (_repo: string, imageDigest: string) => {
      if (imageDigest === digest('index-3')) return { mediaType: OCI_INDEX, childDigests: [digest('child-3')], layers: [] };
      const child = /^child-(\d+)$/.exec([...Array(150).keys()].map((i) => `child-${i}`).find((name) => digest(name) === imageDigest) ?? '');
      return child && child[1] !== '3' ? { childDigests: [], layers: childLayers(Number(child[1])) } : undefined;
    };
    const repos = await readEcr(ecr.client, { knownManifests });
    const fetched = ecr.mock.commandCalls(BatchGetImageCommand).flatMap((c) => c.args[0].input.imageIds!.map((id) => id.imageDigest));
    expect(fetched).toHaveLength(150);
    expect(fetched).not.toContain(digest('index-3'));
    expect(fetched).toContain(digest('child-3'));
    expect(fetched).not.toContain(digest('child-4'));
    const facts = snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: '123456789012', region: 'us-east-1', capturedAt: pushed.toISOString(), ecr: { repositories: repos } }));
    expect(facts.images.find((i) => i.imageDigest === digest('index-3'))).toMatchObject({ childDigests: [digest('child-3')], imageManifestMediaType: OCI_INDEX });
    expect(facts.images.find((i) => i.imageDigest === digest('child-4'))!.layers).toEqual(childLayers(4));
  });
});
