import type { ImageFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { stableJson } from '../domain/stable-json.js';
import { SnapshotError } from '../errors.js';

/** A fact with where it was read from (`ecs.taskDefinitions[3]`), for errors. */
export interface Placed<T> {
  readonly fact: T;
  readonly path: string;
}

/**
 * One fact per key. A fact listed twice (a read that paged through a change) is merged when `merge` can (or when
 * both copies are equal); otherwise the read is refused naming both places, before anything is written.
 */
export function oneOfEach<T>(what: string, placed: readonly Placed<T>[], key: (fact: T) => string, merge: (a: T, b: T) => T | undefined = () => undefined): T[] {
  const seen = new Map<string, Placed<T>>();
  for (const entry of placed) {
    const k = key(entry.fact);
    const first = seen.get(k);
    if (!first) {
      seen.set(k, entry);
      continue;
    }
    const merged = stableJson(first.fact) === stableJson(entry.fact) ? first.fact : merge(first.fact, entry.fact);
    if (merged === undefined) throw new SnapshotError(`${entry.path}: ${what} ${k} is listed again with other contents (first at ${first.path}); refusing to guess which is current`);
    seen.set(k, { fact: merged, path: first.path });
  }
  return [...seen.values()].map((e) => e.fact);
}

/**
 * The same image listed twice (DescribeImages paging through a tag move): its tags are joined, so both claims
 * protect; the later pull time is kept. Images that differ in anything else are not the same read of one image.
 */
export function mergeImage(a: ImageFact, b: ImageFact): ImageFact | undefined {
  const rest = ({ imageTags: _t, lastRecordedPullTime: _p, ...other }: ImageFact) => stableJson(other);
  if (rest(a) !== rest(b)) return undefined;
  const pulls = [a.lastRecordedPullTime, b.lastRecordedPullTime].filter((t): t is string => t !== undefined).sort();
  return { ...a, imageTags: [...new Set([...a.imageTags, ...b.imageTags])].sort(), ...(pulls.length > 0 && { lastRecordedPullTime: pulls[pulls.length - 1]! }) };
}

export const imageId = (image: ImageFact) => imageKey(image.repositoryName, image.imageDigest);
