import type { Config } from '../config.js';
import { imageKey, scopeKey, type ImageFact, type RepositoryFact, type Scope } from '../domain/facts.js';
import type { Referrer } from '../domain/usage.js';
import { usageAcrossScopes } from '../domain/usage-across-scopes.js';
import { findImages } from './find-images.js';
import type { FactView } from './plan.js';
import { imageNotHeld, parseImageQuery } from './image-query.js';
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
  const asked = parseImageQuery(query, scope);
  const { ref, registry } = asked;
  const digests = ref.digest !== undefined ? [ref.digest] : await index.tagged(registry, ref.repositoryName, asked.tag);
  const images: ImageFact[] = [];
  for (const digest of digests) {
    const { image } = await index.image(registry, ref.repositoryName, digest);
    if (image) images.push(image);
  }
  if (images.length === 0) throw imageNotHeld(asked);
  const referrers = await indexedReferrers(index, images.map((image) => ({ registry, image })), config, now);
  // A deletion here deletes the replicas too (deleteReplication): their users are this image's users.
  const [repository] = await index.facts([`${scopeKey(registry)}#repository#${ref.repositoryName}`]);
  const destinations = (repository?.fact as RepositoryFact | undefined)?.deleteReplicatesTo ?? [];
  const replicas = destinations.length > 0 ? await indexedReferrers(index, destinations.flatMap((d) => images.map((image) => ({ registry: d, image }))), config, now) : new Map<string, readonly Referrer[]>();
  const of = (scope: Scope, image: ImageFact) => `${scope.accountId}#${scope.region}#${imageKey(image.repositoryName, image.imageDigest)}`;
  return {
    query,
    images: images.map((image) => ({
      repositoryName: image.repositoryName, imageDigest: image.imageDigest, imageTags: image.imageTags,
      referrers: [
        ...(referrers.get(of(registry, image)) ?? []),
        ...destinations.flatMap((d) => (replicas.get(of(d, image)) ?? []).map((r) => ({ ...r, viaReplication: true as const }))),
      ],
    })),
  };
}
