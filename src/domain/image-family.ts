import { imageKey, type ImageFact } from './facts.js';

/**
 * Families among images: an index with its children, an image with its artifacts (signatures, SBOMs: OCI subjects),
 * transitively, within one repository. Each image maps to the key of its family's first member (by key order).
 */
export function familyOf(images: readonly ImageFact[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(key, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const [x, y] = [find(a), find(b)].sort();
    if (x !== y) parent.set(y!, x!);
  };
  const keys = new Set(images.map((i) => imageKey(i.repositoryName, i.imageDigest)));
  for (const key of keys) parent.set(key, key);
  for (const image of images) {
    const key = imageKey(image.repositoryName, image.imageDigest);
    for (const child of image.childDigests) if (keys.has(imageKey(image.repositoryName, child))) union(key, imageKey(image.repositoryName, child));
    if (image.subjectDigest !== undefined && keys.has(imageKey(image.repositoryName, image.subjectDigest))) union(key, imageKey(image.repositoryName, image.subjectDigest));
  }
  return new Map([...keys].map((key) => [key, find(key)]));
}

/**
 * An image with what goes with it downwards, within one repository: its children (nested indexes too, their
 * children), and the artifacts (signatures, SBOMs) whose subject is any of those. A pull of an index needs its
 * children: restoring the index alone leaves every platform's pull failing. The image itself comes first.
 */
export function descendantsOf(images: readonly ImageFact[], imageDigest: string): string[] {
  const byDigest = new Map(images.map((i) => [i.imageDigest, i]));
  const artifactsOf = new Map<string, string[]>();
  for (const i of images) if (i.subjectDigest !== undefined) artifactsOf.set(i.subjectDigest, [...(artifactsOf.get(i.subjectDigest) ?? []), i.imageDigest]);
  const found = [imageDigest];
  const seen = new Set(found);
  for (let k = 0; k < found.length; k += 1) {
    const digest = found[k]!;
    for (const next of [...(byDigest.get(digest)?.childDigests ?? []), ...(artifactsOf.get(digest) ?? [])]) {
      if (seen.has(next) || !byDigest.has(next)) continue;
      seen.add(next);
      found.push(next);
    }
  }
  return found;
}
