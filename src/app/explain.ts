import type { Config } from '../config.js';
import { imageKey } from '../domain/facts.js';
import { freedAlone } from '../domain/freed-bytes.js';
import type { PlannedImage } from '../domain/retention-policy.js';
import type { RepositoryReach } from '../domain/reach.js';
import { findImages } from './find-images.js';
import { evaluate, type FactView } from './plan.js';

/**
 * What deleting the image alone frees: its layers no other image names, among the images of its registry (a lower
 * bound) or only of its repository (`explain` over a ledger reads one repository: other repositories may share them).
 */
export interface FreedAlone {
  readonly bytes: number;
  readonly among: 'registry' | 'repository';
}

/** An image as `explain` shows it: the plan's decision, the reach of its deletion (absent: out of scope), what it frees. */
export type ExplainedImage = PlannedImage & { readonly reach?: RepositoryReach; readonly freed?: FreedAlone };

/** The decisions of a plan for the images `keys` names, each with its repository's reach and what it alone frees. */
export function explained(plan: { images: readonly PlannedImage[]; reach: ReadonlyMap<string, RepositoryReach> }, keys: ReadonlySet<string>, among: FreedAlone['among']): ExplainedImage[] {
  const images = plan.images.map((p) => p.image);
  return plan.images.filter((p) => keys.has(imageKey(p.image.repositoryName, p.image.imageDigest))).map((p) => {
    const reach = plan.reach.get(p.image.repositoryName);
    const bytes = freedAlone(p.image, images);
    return { ...p, ...(reach && { reach }), ...(bytes !== undefined && { freed: { bytes, among } }) };
  });
}

/** The plan's decision for the image(s) a reference names, with every reason. */
export function explainImages(view: FactView, query: string, config: Config, now: string): ExplainedImage[] {
  const wanted = new Set(findImages(view.facts, query).map((image) => imageKey(image.repositoryName, image.imageDigest)));
  return explained(evaluate(view, config, now), wanted, 'registry');
}
