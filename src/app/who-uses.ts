import type { Config } from '../config.js';
import { imageKey } from '../domain/facts.js';
import { usageAcrossScopes, type Referrer } from '../domain/usage.js';
import { findImages } from './find-images.js';
import type { FactView } from './plan.js';

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
