import { isImageIndex } from './manifest.js';
import type { PlannedImage } from './retention-policy.js';

/** ECR private storage price, USD per GB-month (us-east-1; AWS bills GB as 2^30 bytes). */
export const USD_PER_GB_MONTH = 0.1;
const GB = 1024 ** 3;

export interface RepositorySummary {
  readonly repositoryName: string;
  readonly images: number;
  readonly toDelete: number;
  readonly kept: number;
  readonly bytes: number;
  readonly bytesToDelete: number;
  /** An upper bound: ECR stores layers shared between images once. */
  readonly usdPerMonthSaved: number;
}

export type PlanTotals = Omit<RepositorySummary, 'repositoryName'> & { readonly repositories: number };

/** An image's own storage: an index's reported size repeats its largest child, so it adds nothing. */
export function storedBytes(planned: PlannedImage): number {
  return isImageIndex(planned.image.imageManifestMediaType) ? 0 : planned.image.imageSizeInBytes;
}

export function usdPerMonth(bytes: number): number {
  return Math.round((bytes / GB) * USD_PER_GB_MONTH * 100) / 100;
}

/** Per-repository counts, bytes and monthly cost saved, plus totals. */
export function summarisePlan(images: readonly PlannedImage[]): { repositories: RepositorySummary[]; totals: PlanTotals } {
  const rows = new Map<string, { images: number; toDelete: number; bytes: number; bytesToDelete: number }>();
  for (const planned of images) {
    const row = rows.get(planned.image.repositoryName) ?? { images: 0, toDelete: 0, bytes: 0, bytesToDelete: 0 };
    const bytes = storedBytes(planned);
    row.images += 1;
    row.bytes += bytes;
    if (planned.action === 'delete') { row.toDelete += 1; row.bytesToDelete += bytes; }
    rows.set(planned.image.repositoryName, row);
  }
  const repositories = [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([repositoryName, r]) => ({ repositoryName, ...r, kept: r.images - r.toDelete, usdPerMonthSaved: usdPerMonth(r.bytesToDelete) }));
  const sum = (pick: (r: RepositorySummary) => number) => repositories.reduce((total, r) => total + pick(r), 0);
  const bytesToDelete = sum((r) => r.bytesToDelete);
  return {
    repositories,
    totals: {
      repositories: repositories.length, images: sum((r) => r.images), toDelete: sum((r) => r.toDelete), kept: sum((r) => r.kept),
      bytes: sum((r) => r.bytes), bytesToDelete, usdPerMonthSaved: usdPerMonth(bytesToDelete),
    },
  };
}
