/**
 * A tag as the ledger stores it (`{repo}:{tag}` → digest), so that a tag move rewrites one item. A read taken in the
 * middle of a tag move can give one tag to two images: `imageDigests` then keeps every claim, and each protects.
 */
export interface TagFact {
  readonly repositoryName: string;
  readonly tag: string;
  readonly imageDigest: string;
  readonly imageDigests?: readonly string[];
}

/** Every digest a stored tag points to. */
export function tagDigests(fact: { imageDigest?: unknown; imageDigests?: unknown }): string[] {
  if (Array.isArray(fact.imageDigests) && fact.imageDigests.length > 0) return fact.imageDigests.map(String);
  return fact.imageDigest === undefined ? [] : [String(fact.imageDigest)];
}

/** One tag fact per tag of each image; a tag several images claim becomes one fact naming all of them. */
export function tagFacts(images: readonly { readonly repositoryName: string; readonly imageDigest: string; readonly imageTags: readonly string[] }[]): TagFact[] {
  const byTag = new Map<string, { repositoryName: string; tag: string; digests: string[] }>();
  for (const image of images) {
    for (const tag of image.imageTags) {
      const key = `${image.repositoryName}:${tag}`;
      const entry = byTag.get(key) ?? { repositoryName: image.repositoryName, tag, digests: [] };
      if (!entry.digests.includes(image.imageDigest)) entry.digests.push(image.imageDigest);
      byTag.set(key, entry);
    }
  }
  return [...byTag.values()].map(({ repositoryName, tag, digests }) => {
    const sorted = [...digests].sort();
    return { repositoryName, tag, imageDigest: sorted[0]!, ...(sorted.length > 1 && { imageDigests: sorted }) };
  });
}
