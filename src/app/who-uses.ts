import type { Config } from '../config.js';
import { imageKey } from '../domain/facts.js';
import type { Referrer } from '../domain/usage.js';
import { usageAcrossScopes } from '../domain/usage-across-scopes.js';
import { findImages } from './find-images.js';
import type { FactView } from './plan.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { formatImageReference, parseImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';
import { indexedReferrers } from './indexed-usage.js';
import type { UsageIndex } from './usage-index.js';

export interface WhoUsesReport {
  readonly query: string;
  readonly images: ReadonlyArray<{ repositoryName: string; imageDigest: string; imageTags: readonly string[]; referrers: readonly Referrer[] }>;
}

/** Who uses the image(s) a reference names: every referrer, protecting or not, with why. */
export function whoUses(view: FactView, query: string, config: Config, now: string): WhoUsesReport {
  const images = findImages(view.facts, query);
  const usage = usageAcrossScopes(view.facts, view.others?.scopes.map((s) => s.facts) ?? [], { ...config.ecs, now });
  return {
    query,
    images: images.map((image) => ({
      repositoryName: image.repositoryName, imageDigest: image.imageDigest, imageTags: image.imageTags,
      referrers: usage.referrers.get(imageKey(image.repositoryName, image.imageDigest)) ?? [],
    })),
  };
}

/**
 * `who-uses` over a ledger: the image's referrers from the index in a few bounded Queries, never the whole scope.
 * `scope` is the registry a reference without one means; a full URI names its own.
 */
export async function whoUsesFromIndex(index: UsageIndex, query: string, scope: Scope, config: Config, now: string): Promise<WhoUsesReport> {
  const ref = parseImageReference(query, 'query');
  if (ref.kind === 'external') throw new UsageError(`${query} is in ${ref.registry}, not in an ECR private registry: ecr-ledger only tracks ECR images`);
  const registry = { accountId: ref.registryId ?? scope.accountId, region: ref.region ?? scope.region };
  const digests = ref.digest !== undefined ? [ref.digest] : await index.tagged(registry, ref.repositoryName, ref.tag ?? 'latest');
  const images: ImageFact[] = [];
  for (const digest of digests) {
    const { image } = await index.image(registry, ref.repositoryName, digest);
    if (image) images.push(image);
  }
  if (images.length === 0) {
    const why = ref.digest !== undefined ? `${imageKey(ref.repositoryName, ref.digest)} is not in ${ref.repositoryName}` : `no image of ${ref.repositoryName} holds the tag ${ref.tag ?? 'latest'}`;
    throw new NotFoundError(`${formatImageReference(ref)} is not in the ledger (${why})`);
  }
  const referrers = await indexedReferrers(index, images.map((image) => ({ registry, image })), config, now);
  return {
    query,
    images: images.map((image) => ({
      repositoryName: image.repositoryName, imageDigest: image.imageDigest, imageTags: image.imageTags,
      referrers: referrers.get(`${registry.accountId}#${registry.region}#${imageKey(image.repositoryName, image.imageDigest)}`) ?? [],
    })),
  };
}
