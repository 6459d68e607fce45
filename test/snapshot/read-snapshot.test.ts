import { describe, expect, it } from 'vitest';
import { parseSnapshot, readSnapshotFile } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { SnapshotError } from '../../src/errors.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const minimal = { schemaVersion: 1, accountId: '123456789012', region: 'us-east-1', capturedAt: '2026-11-20T12:00:00Z' };

describe('account snapshot', () => {
  it('treats missing sections as empty', () => {
    const facts = snapshotToFacts(parseSnapshot(minimal));
    expect(facts).toMatchObject({ scope: { accountId: '123456789012', region: 'us-east-1' }, capturedAt: '2026-11-20T12:00:00.000Z', images: [], tasks: [] });
  });

  it('names the path of a bad field', () => {
    const bad = { ...minimal, ecs: { taskDefinitions: [0, 1, 2].map(() => ({ taskDefinitionArn: 'arn', family: 'f', revision: 1, containerDefinitions: [{ name: 'a', image: 'x' }] })) } };
    (bad.ecs.taskDefinitions as unknown as Array<{ containerDefinitions: Array<{ image: unknown }> }>)[2]!.containerDefinitions[0]!.image = 42;
    expect(() => parseSnapshot(bad)).toThrow('ecs.taskDefinitions[2].containerDefinitions[0].image: expected string, got number');
  });

  it('rejects a bad digest, time and version with their paths', () => {
    const bad = { ...minimal, schemaVersion: 2, ecr: { repositories: [{ repositoryName: 'app', images: [{ imageDigest: 'sha256:zz', imagePushedAt: 'yesterday' }] }] } };
    const error = (() => { try { parseSnapshot(bad); } catch (e) { return e as Error; } return undefined; })();
    expect(error).toBeInstanceOf(SnapshotError);
    expect(error!.message).toContain('schemaVersion');
    expect(error!.message).toContain('ecr.repositories[0].images[0].imageDigest: expected a digest');
    expect(error!.message).toContain('ecr.repositories[0].images[0].imagePushedAt: expected an ISO-8601 time or epoch seconds');
  });

  it('reads index children and subjects from manifests, and epoch-second times', () => {
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ digest: D('1') }, { digest: D('2') }] });
    const signature = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', subject: { digest: D('3') } });
    const facts = snapshotToFacts(parseSnapshot({
      ...minimal,
      ecr: { repositories: [{ repositoryName: 'web', images: [
        { imageDigest: D('3'), imageTags: ['v1'], imagePushedAt: 1_700_000_000, imageManifest: index },
        { imageDigest: D('4'), imagePushedAt: '2026-01-01T00:00:00Z', imageManifest: signature },
      ] }] },
    }));
    expect(facts.images[0]).toMatchObject({ childDigests: [D('1'), D('2')], imageManifestMediaType: 'application/vnd.oci.image.index.v1+json', imagePushedAt: '2023-11-14T22:13:20.000Z' });
    expect(facts.images[1]).toMatchObject({ subjectDigest: D('3') });
  });

  it('rejects an unreadable manifest with its path', () => {
    expect(() => snapshotToFacts(parseSnapshot({ ...minimal, ecr: { repositories: [{ repositoryName: 'web', images: [{ imageDigest: D('1'), imagePushedAt: 0, imageManifest: '{oops' }] }] } })))
      .toThrow('ecr.repositories[0].images[0].imageManifest: not a readable manifest');
  });

  it('qualifies Lambda function ARNs with their version and keeps only image functions', () => {
    const facts = snapshotToFacts(parseSnapshot({
      ...minimal,
      lambda: { functions: [
        { Configuration: { FunctionName: 'f', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', Version: '$LATEST', PackageType: 'Image' }, Code: { ImageUri: 'x', ResolvedImageUri: 'y' } },
        { Configuration: { FunctionName: 'z', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:z:3', Version: '3', PackageType: 'Zip' }, Code: { Location: 'https://…' } },
      ] },
    }));
    expect(facts.lambdaFunctions.map((f) => f.functionArn)).toEqual(['arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST']);
  });

  it('merges an image listed twice (a read paging through a tag move): both tags protect it', () => {
    const facts = snapshotToFacts(parseSnapshot({ ...minimal, ecr: { repositories: [{ repositoryName: 'app', images: [
      { imageDigest: D('1'), imageTags: ['v1'], imagePushedAt: 0, lastRecordedPullTime: '2026-11-01T00:00:00Z' },
      { imageDigest: D('2'), imageTags: ['v2'], imagePushedAt: 0 },
      { imageDigest: D('1'), imageTags: ['live'], imagePushedAt: 0, lastRecordedPullTime: '2026-11-02T00:00:00Z' },
    ] }] } }));
    expect(facts.images.map((i) => [i.imageDigest, i.imageTags, i.lastRecordedPullTime])).toEqual([[D('1'), ['live', 'v1'], '2026-11-02T00:00:00.000Z'], [D('2'), ['v2'], undefined]]);
  });

  it('keeps one copy of a fact listed twice alike, and refuses two different copies naming both paths', () => {
    const td = (image: string) => ({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1', family: 'app', revision: 1, containerDefinitions: [{ name: 'app', image }] });
    expect(snapshotToFacts(parseSnapshot({ ...minimal, ecs: { taskDefinitions: [td('app:1'), td('app:1')] } })).taskDefinitions).toHaveLength(1);
    expect(() => snapshotToFacts(parseSnapshot({ ...minimal, ecs: { taskDefinitions: [td('app:1'), td('app:2'), td('app:3')] } })))
      .toThrow('ecs.taskDefinitions[1]: task definition app:1 is listed again with other contents (first at ecs.taskDefinitions[0]); refusing to guess which is current');
  });

  it('reports unreadable and non-JSON files', async () => {
    await expect(readSnapshotFile('/nonexistent.json')).rejects.toThrow('/nonexistent.json: cannot read the snapshot');
    await expect(readSnapshotFile('package.json')).rejects.toThrow('package.json: schemaVersion');
  });
});
