import type { Config } from '../config.js';
import { imageKey } from '../domain/facts.js';
import type { PlannedImage } from '../domain/retention-policy.js';
import type { RepositoryReach } from '../domain/reach.js';
import { findImages } from './find-images.js';
import { evaluate, type FactView } from './plan.js';

/** An image as `explain` shows it: the plan's decision, and the reach of its deletion (absent: out of scope). */
export type ExplainedImage = PlannedImage & { readonly reach?: RepositoryReach };

/** The decisions of a plan for the images `keys` names, each with its repository's reach. */
export function explained(plan: { images: readonly PlannedImage[]; reach: ReadonlyMap<string, RepositoryReach> }, keys: ReadonlySet<string>): ExplainedImage[] {
  return plan.images.filter((p) => keys.has(imageKey(p.image.repositoryName, p.image.imageDigest))).map((p) => {
    const reach = plan.reach.get(p.image.repositoryName);
    return reach ? { ...p, reach } : p;
  });
}

/** The plan's decision for the image(s) a reference names, with every reason. */
export function explainImages(view: FactView, query: string, config: Config, now: string): ExplainedImage[] {
  const wanted = new Set(findImages(view.facts, query).map((image) => imageKey(image.repositoryName, image.imageDigest)));
  return explained(evaluate(view, config, now), wanted);
}
