import { isDigest } from '../domain/image-reference.js';
import type { PlannedImage } from '../domain/retention-policy.js';
import type { Referrer } from '../domain/usage.js';

/** The IMAGE object of the JSON contract (plan, who-uses). */
export interface ImageView {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: string;
  readonly imageSizeInBytes: number;
  readonly action: 'keep' | 'delete';
  /** How an image that goes goes: deleted, or archived (archive first, delete later). */
  readonly disposal?: 'delete' | 'archive';
  /** ARCHIVED or ACTIVATING: in ECR's archive storage class (a pull fails until it is restored). */
  readonly imageStatus?: string;
  readonly reasons: readonly string[];
  readonly referrers: readonly Referrer[];
}

export function imageView(planned: PlannedImage): ImageView {
  const { image } = planned;
  return {
    repositoryName: image.repositoryName, imageDigest: image.imageDigest, imageTags: image.imageTags, imagePushedAt: image.imagePushedAt,
    imageSizeInBytes: image.imageSizeInBytes, action: planned.action, ...(planned.disposal && { disposal: planned.disposal }),
    ...(image.imageStatus && image.imageStatus !== 'ACTIVE' && { imageStatus: image.imageStatus }), reasons: planned.reasons, referrers: planned.referrers,
  };
}

/** `sha256:0123456789ab` — enough of a digest for a table. */
export function shortDigest(digest: string): string {
  return isDigest(digest) ? digest.slice(0, 19) : digest;
}
