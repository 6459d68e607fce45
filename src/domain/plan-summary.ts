import { freedBytes, layersUnknown } from './freed-bytes.js';
import { isImageIndex } from './manifest.js';
import type { PlannedImage } from './retention-policy.js';

/** ECR's prices (config `pricing`; AWS bills GB as 2^30 bytes). */
export interface Pricing {
  readonly standardUsdPerGbMonth: number;
  /** Archive storage above the tier (below it, archive costs what standard storage costs). */
  readonly archiveUsdPerGbMonth: number;
  readonly archiveTierTb: number;
  readonly archiveMinimumDays: number;
  readonly restoreUsdPerGb: number;
}
/** us-east-1's published prices (2026): the config's defaults. */
export const DEFAULT_PRICING: Pricing = { standardUsdPerGbMonth: 0.1, archiveUsdPerGbMonth: 0.07, archiveTierTb: 150, archiveMinimumDays: 90, restoreUsdPerGb: 0.03 };
/** ECR private storage price, USD per GB-month (us-east-1). */
export const USD_PER_GB_MONTH = DEFAULT_PRICING.standardUsdPerGbMonth;
const GB = 1024 ** 3;

export interface RepositorySummary {
  readonly repositoryName: string;
  readonly images: number;
  readonly toDelete: number;
  readonly kept: number;
  readonly bytes: number;
  /** The sizes of the images that go, summed: an upper bound of what they free (ECR stores shared layers once). */
  readonly bytesToDelete: number;
  /**
   * What the deletions free: the layers they name that no image staying in the registry names (a lower bound). Absent
   * when some image's layers are unknown (see PlanTotals.layersUnknown).
   */
  readonly bytesFreed?: number;
  /** Of those that go, the images archived (ECR's archive storage class) and their bytes: not a saving (see below). */
  readonly toArchive: number;
  readonly bytesToArchive: number;
  /**
   * What the plan saves a month: the bytes its deletions free at the standard price (from image sizes, an upper bound,
   * where the layers are unknown: see `savedFrom`); archiving only in a registry storing more than the archive tier
   * (the difference of the prices).
   */
  readonly usdPerMonthSaved: number;
}

/** Below this much stored a month, ECR's archive storage class costs what standard storage costs (2026 prices). */
export const ARCHIVE_TIER_TB = DEFAULT_PRICING.archiveTierTb;
/** What ECR charges to restore an archived image, USD per GB (2026 prices). */
export const RESTORE_USD_PER_GB = DEFAULT_PRICING.restoreUsdPerGb;

export type PlanTotals = Omit<RepositorySummary, 'repositoryName'> & {
  readonly repositories: number;
  /** Images of the registry whose layers nobody read: while any, the bytes freed are unknown. */
  readonly layersUnknown: number;
  /** What the money counts: the bytes freed (layers), or the image sizes (an upper bound) when layers are unknown. */
  readonly savedFrom: 'freed-layers' | 'image-sizes';
};

/** An image's own storage: an index's reported size repeats its largest child, so it adds nothing. */
export function storedBytes(planned: PlannedImage): number {
  return isImageIndex(planned.image.imageManifestMediaType) ? 0 : planned.image.imageSizeInBytes;
}

export function usdPerMonth(bytes: number, pricing: Pricing = DEFAULT_PRICING): number {
  return Math.round((bytes / GB) * pricing.standardUsdPerGbMonth * 100) / 100;
}

/** Whether archiving saves anything in a registry storing `storedBytes`: only above the archive tier. */
export const aboveArchiveTier = (storedBytes: number, pricing: Pricing) => storedBytes >= pricing.archiveTierTb * 1024 * GB;

/** A month's saving: deleted bytes at the standard price, archived bytes at the difference above the tier (else 0). */
export function usdSaved(deletedBytes: number, archivedBytes: number, registryBytes: number, pricing: Pricing = DEFAULT_PRICING): number {
  const archive = aboveArchiveTier(registryBytes, pricing) ? (archivedBytes / GB) * Math.max(0, pricing.standardUsdPerGbMonth - pricing.archiveUsdPerGbMonth) : 0;
  return Math.round(((deletedBytes / GB) * pricing.standardUsdPerGbMonth + archive) * 100) / 100;
}

/** Per-repository counts, bytes (summed and freed) and monthly cost saved, plus totals. */
export function summarisePlan(images: readonly PlannedImage[], pricing: Pricing = DEFAULT_PRICING): { repositories: RepositorySummary[]; totals: PlanTotals } {
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
  // Archived images keep their layers (they can be restored): only deletions free any.
  const deleted = (p: PlannedImage) => p.action === 'delete' && p.disposal !== 'archive';
  const freed = freedBytes(images.filter(deleted).map((p) => p.image), images.filter((p) => !deleted(p)).map((p) => p.image));
  // The registry's stored total decides the archive tier (the plan covers every image of the scope).
  const registryBytes = [...rows.values()].reduce((n, r) => n + r.bytes, 0);
  const repositories = [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([repositoryName, r]) => {
      const bytesFreed = freed && (freed.byRepository.get(repositoryName) ?? 0);
      return { repositoryName, ...r, kept: r.images - r.toDelete, ...(bytesFreed !== undefined && { bytesFreed }), usdPerMonthSaved: usdSaved(bytesFreed ?? r.bytesToDelete - r.bytesToArchive, r.bytesToArchive, registryBytes, pricing) };
    });
  const sum = (pick: (r: RepositorySummary) => number) => repositories.reduce((total, r) => total + pick(r), 0);
  const bytesToDelete = sum((r) => r.bytesToDelete);
  const bytesToArchive = sum((r) => r.bytesToArchive);
  return {
    repositories,
    totals: {
      repositories: repositories.length, images: sum((r) => r.images), toDelete: sum((r) => r.toDelete), kept: sum((r) => r.kept),
      bytes: sum((r) => r.bytes), bytesToDelete, ...(freed && { bytesFreed: freed.total }), toArchive: sum((r) => r.toArchive), bytesToArchive,
      usdPerMonthSaved: usdSaved(freed?.total ?? bytesToDelete - bytesToArchive, bytesToArchive, registryBytes, pricing),
      layersUnknown: layersUnknown(images.map((p) => p.image)), savedFrom: freed ? 'freed-layers' : 'image-sizes',
    },
  };
}

/**
 * Said once when the plan archives below the archive tier (where it saves nothing): what it buys, and what it costs —
 * the minimum archive billing and the restores. The registry's stored total decides the tier.
 */
export function archiveCostNote(totals: Pick<PlanTotals, 'toArchive' | 'bytesToArchive' | 'bytes'>, pricing: Pricing = DEFAULT_PRICING): string | undefined {
  if (totals.toArchive === 0 || aboveArchiveTier(totals.bytes, pricing)) return undefined;
  const gb = totals.bytesToArchive / GB;
  const minimum = gb * pricing.standardUsdPerGbMonth * (pricing.archiveMinimumDays / 30);
  return `archiving ${totals.toArchive} image(s) (${gb.toFixed(1)} GB) saves nothing: below ${pricing.archiveTierTb} TB a month ECR's archive storage costs what standard storage costs, and bills ${pricing.archiveMinimumDays} days at least (${minimum.toFixed(2)} USD committed); it buys undo, at ${pricing.restoreUsdPerGb} USD/GB per restore (${(gb * pricing.restoreUsdPerGb).toFixed(2)} USD to restore them all). USD/MONTH SAVED counts deletions only`;
}

/** What restoring `bytes` costs (config `pricing.restoreUsdPerGb`), in USD. */
export function restoreCostUsd(bytes: number, pricing: Pricing = DEFAULT_PRICING): number {
  return Math.round((bytes / GB) * pricing.restoreUsdPerGb * 100) / 100;
}
