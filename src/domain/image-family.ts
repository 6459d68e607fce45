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
