import { readFileSync } from 'node:fs';
import { digest } from '../../fixtures/account-builder.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { FakeKubernetes } from '../../fakes/fake-kubernetes.js';

const image = (pushedAt: string, size = 50_000_000) => ({ imagePushedAt: new Date(pushedAt), imageSizeInBytes: size, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });

/**
 * The single-account stack's world: the bundled example account, an EKS cluster whose pod runs one preview image,
 * Inspector's coverage, an unused managed repository a stack will purge, and enough repositories (61) that the
 * sweep needs two invocations when time runs short.
 */
export async function singleAccountWorld(): Promise<{ home: FakeAccount; kube: FakeKubernetes; podImage: string }> {
  const example = JSON.parse(readFileSync('examples/account.json', 'utf8')) as { ecr: { repositories: Array<{ repositoryName: string; images: Array<{ imageDigest: string; imagePushedAt: string }> }> } };
  const home = FakeAccount.fromSnapshot(example as never);
  const kube = await new FakeKubernetes().start();
  kube.accepts = () => true;
  home.eks.clusters.set('prod-1', { endpoint: kube.url });
  const preview = example.ecr.repositories.find((r) => r.repositoryName === 'preview/frontend')!.images;
  const podImage = [...preview].sort((a, b) => a.imagePushedAt.localeCompare(b.imagePushedAt))[0]!.imageDigest;
  kube.add('/api/v1/pods', { metadata: { name: 'web-1', namespace: 'default', ownerReferences: [] }, spec: { containers: [{ name: 'web', image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/preview/frontend@${podImage}` }] }, status: { phase: 'Running' } });
  home.inspector.seen('app', home.ecr.digestOf('app', '1.5')!, new Date('2026-11-19T00:00:00Z'));
  home.ecr.addRepository('preview/old');
  for (const n of [1, 2]) home.ecr.addImage('preview/old', { imageDigest: digest(`old-${n}`), imageTags: [`v${n}`], ...image('2026-08-01T00:00:00Z') });
  for (let n = 0; n < 52; n += 1) {
    const name = `bulk/r-${String(n).padStart(2, '0')}`;
    home.ecr.addRepository(name);
    home.ecr.addImage(name, { imageDigest: digest(name), imageTags: ['v1'], ...image('2026-09-01T00:00:00Z', 1_000_000) });
  }
  return { home, kube, podImage };
}

/**
 * The organisation stack's world (ap-southeast-2): the central account's team-a/api, one of whose images only a
 * member's task definition uses, and the member 222222222222 with its own repository.
 */
export function organizationWorld(): { home: FakeAccount; member: FakeAccount; usedByMember: string } {
  const region = 'ap-southeast-2';
  const home = new FakeAccount('123456789012', region);
  const member = new FakeAccount('222222222222', region);
  home.ecr.addRepository('team-a/api');
  for (const n of [1, 2, 3, 4]) home.ecr.addImage('team-a/api', { imageDigest: digest(`api-${n}`), imageTags: [`v${n}`], ...image(`2026-0${n + 4}-01T00:00:00Z`) });
  const usedByMember = digest('api-1');
  member.ecs.addTaskDefinition('billing', 1, { app: `123456789012.dkr.ecr.${region}.amazonaws.com/team-a/api:v1` });
  member.ecr.addRepository('svc');
  member.ecr.addImage('svc', { imageDigest: digest('svc-1'), imageTags: ['v1'], ...image('2026-06-01T00:00:00Z') });
  return { home, member, usedByMember };
}
