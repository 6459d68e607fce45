import { imageKey } from '../../domain/facts.js';
import type { RunImage, RunSummary } from './run-log.js';

/** One image in both runs whose action differs (archived one night, deleted the next, say). */
export interface ChangedImage {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly from: RunImage['action'];
  readonly to: RunImage['action'];
}

/** Two runs compared image by image: what the second has that the first had not, the reverse, and changed actions. */
export interface RunDiff {
  readonly from: RunSummary;
  readonly to: RunSummary;
  readonly added: readonly RunImage[];
  readonly removed: readonly RunImage[];
  readonly changed: readonly ChangedImage[];
}

export function diffRuns(a: { summary: RunSummary; images: readonly RunImage[] }, b: { summary: RunSummary; images: readonly RunImage[] }): RunDiff {
  const key = (i: RunImage) => imageKey(i.repositoryName, i.imageDigest);
  const before = new Map(a.images.map((i) => [key(i), i]));
  const after = new Map(b.images.map((i) => [key(i), i]));
  const order = (x: RunImage, y: RunImage) => key(x).localeCompare(key(y));
  return {
    from: a.summary, to: b.summary,
    added: b.images.filter((i) => !before.has(key(i))).sort(order),
    removed: a.images.filter((i) => !after.has(key(i))).sort(order),
    changed: b.images.filter((i) => before.has(key(i)) && before.get(key(i))!.action !== i.action).sort(order)
      .map((i) => ({ repositoryName: i.repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, from: before.get(key(i))!.action, to: i.action })),
  };
}
