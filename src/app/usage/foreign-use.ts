import { imageKey, scopeKey, type AccountFacts, type ImageFact, type Scope } from '../../domain/facts.js';
import type { ForeignImages } from '../../domain/image-resolver.js';
import type { WindowOptions } from '../../domain/protection-window.js';
import { computeUsage } from '../../domain/usage.js';
import type { UsageIndex } from '../usage-index.js';

/** An image of another registry that a scope's referrers keep in use. */
export interface ForeignUse {
  readonly registry: Scope;
  readonly repositoryName: string;
  readonly imageDigest: string;
}

/**
 * The images of other registries that a scope's facts keep in use now, judged by the scope's own windows, tasks and
 * functions. What a tag names is read from the ledger (one Query per tag named); a registry the ledger does not hold
 * resolves to nothing.
 */
export async function foreignInUse(index: Pick<UsageIndex, 'tagged'>, facts: AccountFacts, options: WindowOptions): Promise<ForeignUse[]> {
  const named = computeUsage(facts, options).resolver.missedReferences;
  if (named.length === 0) return [];
  const images = new Map<string, { scope: Scope; images: Map<string, { repositoryName: string; imageDigest: string; tags: Set<string> }> }>();
  const add = (registry: Scope, repositoryName: string, imageDigest: string, tag?: string) => {
    const entry = images.get(scopeKey(registry)) ?? { scope: registry, images: new Map() };
    images.set(scopeKey(registry), entry);
    const key = imageKey(repositoryName, imageDigest);
    const image = entry.images.get(key) ?? { repositoryName, imageDigest, tags: new Set<string>() };
    entry.images.set(key, image);
    if (tag !== undefined) image.tags.add(tag);
  };
  const tagsRead = new Set<string>();
  for (const ref of named) {
    if (ref.digest !== undefined) add(ref.registry, ref.repositoryName, ref.digest);
    else {
      const slot = `${scopeKey(ref.registry)}|${ref.repositoryName}:${ref.tag}`;
      if (tagsRead.has(slot)) continue;
      tagsRead.add(slot);
      for (const digest of await index.tagged(ref.registry, ref.repositoryName, ref.tag!)) add(ref.registry, ref.repositoryName, digest, ref.tag);
    }
  }
  // Only what the references need of an image: its repository, digest and the tags they name.
  const foreign: ForeignImages[] = [...images.values()].map(({ scope, images: held }) => ({
    scope, images: [...held.values()].map((i) => ({ repositoryName: i.repositoryName, imageDigest: i.imageDigest, imageTags: [...i.tags], childDigests: [] }) as unknown as ImageFact),
  }));
  const usage = computeUsage(facts, options, { foreign });
  const found: ForeignUse[] = [];
  for (const { scope } of foreign) {
    for (const [key, referrers] of usage.foreign.get(`${scope.accountId}#${scope.region}`) ?? []) {
      if (!referrers.some((r) => r.protecting)) continue;
      const at = key.indexOf('@');
      found.push({ registry: scope, repositoryName: key.slice(0, at), imageDigest: key.slice(at + 1) });
    }
  }
  return found;
}

/** The foreign images `before` kept in use that `after` no longer does. */
export function releasedBetween(before: readonly ForeignUse[], after: readonly ForeignUse[]): ForeignUse[] {
  const key = (u: ForeignUse) => `${scopeKey(u.registry)}|${imageKey(u.repositoryName, u.imageDigest)}`;
  const still = new Set(after.map(key));
  return before.filter((u) => !still.has(key(u)));
}
