import {
  BatchGetImageCommand, GetRepositoryPolicyCommand, RepositoryPolicyNotFoundException, paginateDescribeImages, paginateDescribeRepositories,
  type ECRClient, type ImageDetail,
} from '@aws-sdk/client-ecr';
import { INDEX_MEDIA_TYPES } from '../domain/manifest.js';
import { EcrLedgerError } from '../errors.js';

/** Reading live AWS left the picture of "in use" incomplete. */
export class AwsReadError extends EcrLedgerError {}

const PAGE = 1000;
const MANIFEST_BATCH = 100;
const ACCEPTED_MEDIA_TYPES = [
  ...INDEX_MEDIA_TYPES,
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.oci.artifact.manifest.v1+json',
];

/** One repository as the snapshot format holds it (DescribeImages details, the manifests that matter, the policy). */
export interface RepositoryRead {
  repositoryName: string;
  policyText?: string;
  images: Array<Record<string, unknown>>;
}

const needsManifest = (image: ImageDetail) =>
  INDEX_MEDIA_TYPES.has(image.imageManifestMediaType ?? '') || image.artifactMediaType !== undefined || image.subjectManifestDigest !== undefined;

function plain(image: ImageDetail): Record<string, unknown> {
  return JSON.parse(JSON.stringify(image)) as Record<string, unknown>;
}

async function policyOf(ecr: ECRClient, repositoryName: string): Promise<string | undefined> {
  try {
    return (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }))).policyText;
  } catch (error) {
    if (error instanceof RepositoryPolicyNotFoundException) return undefined;
    throw error;
  }
}

async function manifestsOf(ecr: ECRClient, repositoryName: string, digests: readonly string[]): Promise<Map<string, string>> {
  const manifests = new Map<string, string>();
  for (let i = 0; i < digests.length; i += MANIFEST_BATCH) {
    const imageIds = digests.slice(i, i + MANIFEST_BATCH).map((imageDigest) => ({ imageDigest }));
    const result = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds, acceptedMediaTypes: ACCEPTED_MEDIA_TYPES }));
    for (const image of result.images ?? []) if (image.imageId?.imageDigest && image.imageManifest) manifests.set(image.imageId.imageDigest, image.imageManifest);
    // An image deleted since DescribeImages is simply gone; any other failure leaves children or subjects unknown.
    const failures = (result.failures ?? []).filter((f) => f.failureCode !== 'ImageNotFound');
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new AwsReadError(`BatchGetImage in ${repositoryName}: ${failures.length} manifest(s) unreadable, e.g. ${first.imageId?.imageDigest}: ${first.failureCode} ${first.failureReason ?? ''}`.trim());
    }
  }
  return manifests;
}

/** Reads one repository: every image (archived included, all pages), its policy, and the manifests of indexes and artifacts. */
export async function readRepository(ecr: ECRClient, repositoryName: string): Promise<RepositoryRead> {
  const details: ImageDetail[] = [];
  for await (const page of paginateDescribeImages({ client: ecr, pageSize: PAGE }, { repositoryName, filter: { imageStatus: 'ANY' } })) {
    details.push(...(page.imageDetails ?? []));
  }
  const [policyText, manifests] = await Promise.all([
    policyOf(ecr, repositoryName),
    manifestsOf(ecr, repositoryName, details.filter(needsManifest).map((d) => d.imageDigest!)),
  ]);
  const images = details
    .filter((d) => !needsManifest(d) || manifests.has(d.imageDigest!))
    .map((d) => ({ ...plain(d), ...(manifests.has(d.imageDigest!) && { imageManifest: manifests.get(d.imageDigest!) }) }));
  return { repositoryName, ...(policyText !== undefined && { policyText }), images };
}

/** Reads every repository of the registry, `concurrency` repositories at a time. */
export async function readEcr(ecr: ECRClient, options: { concurrency?: number; progress?: (message: string) => void } = {}): Promise<RepositoryRead[]> {
  const names: string[] = [];
  for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: PAGE }, {})) {
    names.push(...(page.repositories ?? []).map((r) => r.repositoryName!));
  }
  const results: RepositoryRead[] = new Array(names.length);
  let next = 0;
  let images = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      results[index] = await readRepository(ecr, names[index]!);
      images += results[index].images.length;
      options.progress?.(`ECR: ${index + 1}/${names.length} repositories, ${images} images`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, names.length) }, worker));
  return results;
}
