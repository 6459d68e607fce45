import type { FakeEcr } from '../fakes/fake-ecr.js';

/** The fake ECR's stored images of one repository (the world changes them as ECR would: a manifest, a pull). */
type Stored = Map<string, { manifest: string; detail: { imageStatus?: string; lastRecordedPullTime?: Date; lastActivatedAt?: Date } }>;
const stored = (ecr: FakeEcr, repositoryName: string): Stored | undefined => (ecr as unknown as { repositories: Map<string, { images: Stored }> }).repositories.get(repositoryName)?.images;

/** Each digest the repository holds with its storage class (ACTIVE when ECR says none). */
export const ecrState = (ecr: FakeEcr, repositoryName: string): Map<string, string> => new Map([...(stored(ecr, repositoryName) ?? [])].map(([d, i]) => [d, i.detail.imageStatus ?? 'ACTIVE']));

/** An image's manifest as pushed (an index names its children). */
export function setManifest(ecr: FakeEcr, repositoryName: string, digest: string, manifest: object): void {
  stored(ecr, repositoryName)!.get(digest)!.manifest = JSON.stringify(manifest);
}

/** A pull now: ECR's lastRecordedPullTime. False when the image is not there. */
export function recordPull(ecr: FakeEcr, repositoryName: string, digest: string, at: Date): boolean {
  const image = stored(ecr, repositoryName)?.get(digest);
  if (image) image.detail.lastRecordedPullTime = at;
  return image !== undefined;
}

/** Restores ECR has finished by `at` (asked at least `hours` earlier): each image is ACTIVE again; their digests. */
export function finishRestores(ecr: FakeEcr, repositoryName: string, at: number, hours: number): string[] {
  const done = [...(stored(ecr, repositoryName) ?? [])]
    .filter(([, i]) => i.detail.imageStatus === 'ACTIVATING' && i.detail.lastActivatedAt !== undefined && i.detail.lastActivatedAt.getTime() + hours * 3_600_000 <= at)
    .map(([d]) => d);
  for (const d of done) ecr.activate(repositoryName, d);
  return done;
}
