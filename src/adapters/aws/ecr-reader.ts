import { BatchGetImageCommand, DescribeImagesCommand, DescribeRepositoriesCommand, GetLifecyclePolicyCommand, GetRepositoryPolicyCommand, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import type { ManifestLinks } from '../../domain/manifest.js';
import { INDEX_MEDIA_TYPES, readManifestLinks } from '../../domain/manifest.js';
import { AwsReadError } from '../../errors.js';
import { AwsCallError, chunks, mapConcurrent, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

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
  lifecyclePolicyText?: string;
  images: Array<Record<string, unknown>>;
}

export interface EcrReadOptions {
  readonly repositoryConcurrency?: number;
  /** Links of manifests already known (manifests are immutable), keyed `repo@digest`: not fetched again. */
  readonly knownManifests?: (repositoryName: string, imageDigest: string) => ManifestLinks | undefined;
  readonly progress?: (message: string) => void;
}

/** Indexes and artifacts with a subject: their manifest names children or the subject. */
export const needsManifest = (image: ImageDetail) =>
  INDEX_MEDIA_TYPES.has(image.imageManifestMediaType ?? '') || image.artifactMediaType !== undefined || image.subjectManifestDigest !== undefined;

/** A manifest body equivalent, for what ecr-ledger reads, to the one ECR holds. */
function manifestFromLinks(links: ManifestLinks): string {
  return JSON.stringify({
    schemaVersion: 2,
    ...(links.mediaType !== undefined && { mediaType: links.mediaType }),
    ...(links.childDigests.length > 0 && { manifests: links.childDigests.map((digest) => ({ digest })) }),
    ...(links.subjectDigest !== undefined && { subject: { digest: links.subjectDigest } }),
    ...(links.layers !== undefined && links.childDigests.length === 0 && { layers: links.layers.map((l) => ({ digest: l.digest, size: l.size })) }),
  });
}

export async function policyOf(caller: AwsCaller, ecr: ECRClient, repositoryName: string): Promise<string | undefined> {
  try {
    return (await caller.call('ecr:GetRepositoryPolicy', () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName })))).policyText;
  } catch (error) {
    if (error instanceof AwsCallError && error.code === 'RepositoryPolicyNotFoundException') return undefined;
    throw error;
  }
}

/** The repository's lifecycle policy text; a repository without one is not an error. */
export async function lifecyclePolicyOf(caller: AwsCaller, ecr: ECRClient, repositoryName: string): Promise<string | undefined> {
  try {
    return (await caller.call('ecr:GetLifecyclePolicy', () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName }))))?.lifecyclePolicyText;
  } catch (error) {
    if (error instanceof AwsCallError && error.code === 'LifecyclePolicyNotFoundException') return undefined;
    throw error;
  }
}

/**
 * The manifest bodies of `digests`. An image deleted since DescribeImages is simply gone; any other failure throws
 * (children or subjects would be unknown) — unless the manifests are read `forLayersOnly`: then what cannot be read is
 * left out (its layers stay unknown, which only the bytes freed depend on).
 */
export async function fetchManifests(caller: AwsCaller, ecr: ECRClient, repositoryName: string, digests: readonly string[], options: { forLayersOnly?: boolean } = {}): Promise<Map<string, string>> {
  const manifests = new Map<string, string>();
  for (const batch of chunks(digests, MANIFEST_BATCH)) {
    const imageIds = batch.map((imageDigest) => ({ imageDigest }));
    let result;
    try {
      result = await caller.call('ecr:BatchGetImage', () =>
        ecr.send(new BatchGetImageCommand({ repositoryName, imageIds, acceptedMediaTypes: ACCEPTED_MEDIA_TYPES })));
    } catch (error) {
      if (options.forLayersOnly && error instanceof AwsCallError) continue;
      throw error;
    }
    for (const image of result.images ?? []) if (image.imageId?.imageDigest && image.imageManifest) manifests.set(image.imageId.imageDigest, image.imageManifest);
    const failures = (result.failures ?? []).filter((f) => f.failureCode !== 'ImageNotFound');
    if (failures.length > 0 && !options.forLayersOnly) {
      const first = failures[0]!;
      throw new AwsReadError(`ecr:BatchGetImage in ${repositoryName}: ${failures.length} manifest(s) unreadable, e.g. ${first.imageId?.imageDigest}: ${first.failureCode} ${first.failureReason ?? ''}`.trim());
    }
  }
  return manifests;
}

/** The layers a manifest body names; a body that cannot be read leaves them unknown (only the bytes freed depend on them). */
function layersIn(body: string): ManifestLinks['layers'] {
  try {
    return readManifestLinks(body).layers;
  } catch {
    return undefined;
  }
}

/** Reads one repository: every image (archived included, all pages), its policy, and the manifests of indexes and artifacts. */
export async function readRepository(caller: AwsCaller, ecr: ECRClient, repositoryName: string, options: EcrReadOptions = {}): Promise<RepositoryRead> {
  const details = await caller.all('ecr:DescribeImages', async (nextToken) => {
    const page = await ecr.send(new DescribeImagesCommand({ repositoryName, filter: { imageStatus: 'ANY' }, maxResults: PAGE, nextToken }));
    return { items: page.imageDetails, next: page.nextToken };
  });
  // Manifests never change: what the ledger knows of a digest is not fetched again. Indexes and artifacts must be
  // read (their children and subjects protect); the others only for their layers, which may stay unknown.
  const manifests = new Map<string, string>();
  const layersOf = new Map<string, ManifestLinks['layers']>();
  const mustFetch: string[] = [];
  const mayFetch: string[] = [];
  for (const detail of details) {
    const digest = detail.imageDigest!;
    const known = options.knownManifests?.(repositoryName, digest);
    if (known && needsManifest(detail)) manifests.set(digest, manifestFromLinks(known));
    if (known?.layers !== undefined && !needsManifest(detail)) layersOf.set(digest, known.layers);
    if (!known && needsManifest(detail)) mustFetch.push(digest);
    else if (known?.layers === undefined) mayFetch.push(digest);
  }
  const [policyText, lifecyclePolicyText, fetched, fetchedForLayers] = await Promise.all([
    policyOf(caller, ecr, repositoryName), lifecyclePolicyOf(caller, ecr, repositoryName), fetchManifests(caller, ecr, repositoryName, mustFetch),
    fetchManifests(caller, ecr, repositoryName, mayFetch, { forLayersOnly: true }),
  ]);
  const linked = new Set(details.filter(needsManifest).map((d) => d.imageDigest!));
  for (const [digest, body] of [...fetched, ...fetchedForLayers]) {
    if (linked.has(digest)) manifests.set(digest, body);
    else layersOf.set(digest, layersIn(body));
  }
  const images = details
    .filter((d) => !needsManifest(d) || manifests.has(d.imageDigest!))
    .map((d) => {
      const layers = layersOf.get(d.imageDigest!);
      return { ...jsonSafe(d), ...(manifests.has(d.imageDigest!) && { imageManifest: manifests.get(d.imageDigest!) }), ...(layers !== undefined && { layers }) };
    });
  return { repositoryName, ...(policyText !== undefined && { policyText }), ...(lifecyclePolicyText !== undefined && { lifecyclePolicyText }), images };
}

/** Reads every repository of the registry, `repositoryConcurrency` repositories at a time. */
export async function readEcr(caller: AwsCaller, ecr: ECRClient, options: EcrReadOptions = {}): Promise<RepositoryRead[]> {
  const repositories = await caller.all('ecr:DescribeRepositories', async (nextToken) => {
    const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: PAGE, nextToken }));
    return { items: page.repositories, next: page.nextToken };
  });
  let done = 0;
  let images = 0;
  return mapConcurrent(repositories.map((r) => r.repositoryName!), options.repositoryConcurrency ?? 4, async (name) => {
    const read = await readRepository(caller, ecr, name, options);
    done += 1;
    images += read.images.length;
    options.progress?.(`ECR: ${done}/${repositories.length} repositories, ${images} images`);
    return read;
  });
}
