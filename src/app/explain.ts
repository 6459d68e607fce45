import type { Config } from '../config.js';
import { imageKey } from '../domain/facts.js';
import type { PlannedImage } from '../domain/retention-policy.js';
import { findImages } from './find-images.js';
import { evaluate, type FactView } from './plan.js';

/** The plan's decision for the image(s) a reference names, with every reason. */
export function explainImages(view: FactView, query: string, config: Config, now: string): PlannedImage[] {
  const wanted = new Set(findImages(view.facts, query).map((image) => imageKey(image.repositoryName, image.imageDigest)));
  return evaluate(view, config, now).images.filter((p) => wanted.has(imageKey(p.image.repositoryName, p.image.imageDigest)));
}
