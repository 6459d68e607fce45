import type { PlannedImage } from '../../domain/retention-policy.js';

/** 0: indexes (before their children, which ECR refuses to delete while an index names them); 1: images; 2: artifacts with a subject (after it). */
const phaseOf = (p: PlannedImage) => (p.image.childDigests.length > 0 ? 0 : p.image.subjectDigest !== undefined ? 2 : 1);

/**
 * The deletions of one run, in the order they are made, capped at `max`: oldest first within each phase,
 * an image's referrer artifacts right after the phase of images. The rest wait for the next run.
 */
export function orderDeletions(planned: readonly PlannedImage[], max: number): { now: PlannedImage[]; later: PlannedImage[] } {
  const ordered = planned
    .filter((p) => p.action === 'delete')
    .sort((a, b) => phaseOf(a) - phaseOf(b) || a.image.imagePushedAt.localeCompare(b.image.imagePushedAt) || a.image.repositoryName.localeCompare(b.image.repositoryName) || a.image.imageDigest.localeCompare(b.image.imageDigest));
  return { now: ordered.slice(0, max), later: ordered.slice(max) };
}

export { phaseOf };
