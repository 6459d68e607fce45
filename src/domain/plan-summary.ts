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
  /** Of those that go, the images archived (ECR's archive storage class) and their bytes: not a saving (see below). */
  readonly toArchive: number;
  readonly bytesToArchive: number;
  /**
   * What deleting saves a month, an upper bound (ECR stores layers shared between images once). Archiving saves
   * nothing: archive storage costs what standard storage costs below 150 TB a month (and bills 90 days at least).
   */
  readonly usdPerMonthSaved: number;
}

/** Below this much stored a month, ECR's archive storage class costs what standard storage costs (2026 prices). */
export const ARCHIVE_TIER_TB = 150;
/** What ECR charges to restore an archived image, USD per GB (2026 prices). */
export const RESTORE_USD_PER_GB = 0.03;

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
  const rows = new Map<string, { images: number; toDelete: number; bytes: number; bytesToDelete: number; toArchive: number; bytesToArchive: number }>();
  for (const planned of images) {
    const row = rows.get(planned.image.repositoryName) ?? { images: 0, toDelete: 0, bytes: 0, bytesToDelete: 0, toArchive: 0, bytesToArchive: 0 };
    const bytes = storedBytes(planned);
    row.images += 1;
    row.bytes += bytes;
    if (planned.action === 'delete') { row.toDelete += 1; row.bytesToDelete += bytes; }
    if (planned.action === 'delete' && planned.disposal === 'archive') { row.toArchive += 1; row.bytesToArchive += bytes; }
    rows.set(planned.image.repositoryName, row);
  }
  const repositories = [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([repositoryName, r]) => ({ repositoryName, ...r, kept: r.images - r.toDelete, usdPerMonthSaved: usdPerMonth(r.bytesToDelete - r.bytesToArchive) }));
  const sum = (pick: (r: RepositorySummary) => number) => repositories.reduce((total, r) => total + pick(r), 0);
  const bytesToDelete = sum((r) => r.bytesToDelete);
  const bytesToArchive = sum((r) => r.bytesToArchive);
  return {
    repositories,
    totals: {
      repositories: repositories.length, images: sum((r) => r.images), toDelete: sum((r) => r.toDelete), kept: sum((r) => r.kept),
      bytes: sum((r) => r.bytes), bytesToDelete, toArchive: sum((r) => r.toArchive), bytesToArchive, usdPerMonthSaved: usdPerMonth(bytesToDelete - bytesToArchive),
    },
  };
}

/**
 * Said once when the plan archives (below the archive tier it saves nothing): what it buys, and what it costs. The
 * registry's stored total decides the tier (ECR prices archive storage above ARCHIVE_TIER_TB a month lower).
 */
export function archiveCostNote(totals: Pick<PlanTotals, 'toArchive' | 'bytesToArchive' | 'bytes'>): string | undefined {
  if (totals.toArchive === 0 || totals.bytes >= ARCHIVE_TIER_TB * 1024 * GB) return undefined;
  const gb = totals.bytesToArchive / GB;
  return `archiving ${totals.toArchive} image(s) (${gb.toFixed(1)} GB) saves nothing: below ${ARCHIVE_TIER_TB} TB a month ECR's archive storage costs what standard storage costs, and bills 90 days at least; it buys undo, at ${RESTORE_USD_PER_GB} USD/GB per restore (${(gb * RESTORE_USD_PER_GB).toFixed(2)} USD to restore them all). USD/MONTH SAVED counts deletions only`;
}
