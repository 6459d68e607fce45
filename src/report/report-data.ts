import type { PlanReport } from '../app/plan.js';
import type { AuditRecord } from '../app/ports.js';
import type { ImageView } from '../app/views.js';
import { usdPerMonth, DEFAULT_PRICING, type Pricing } from '../domain/plan-summary.js';
import type { Scope } from '../domain/facts.js';

const DAY_MS = 86_400_000;

/** Everything the HTML report shows, embedded in the page as JSON (and written beside it as report.json). */
export interface ReportData {
  readonly schemaVersion: 1;
  readonly generatedAt: string;
  readonly scope: Scope;
  readonly source: string;
  readonly totals: { readonly images: number; readonly bytes: number; readonly usdPerMonth: number; readonly toDelete: number; readonly bytesToDelete: number; readonly bytesFreed?: number; readonly usdPerMonthSaved: number; readonly savedFrom: 'freed-layers' | 'image-sizes' };
  /** The standard storage price the money is at (config `pricing.standardUsdPerGbMonth`). */
  readonly usdPerGbMonth: number;
  readonly repositories: ReadonlyArray<{ readonly repositoryName: string; readonly images: number; readonly bytes: number; readonly usdPerMonth: number; readonly toDelete: number; readonly bytesToDelete: number; readonly bytesFreed?: number }>;
  /** What the plan deletes now (the next sweep's candidates, before its cap and live check). */
  readonly scheduled: ReadonlyArray<{ readonly repositoryName: string; readonly imageDigest: string; readonly imageTags: readonly string[]; readonly imagePushedAt: string; readonly imageSizeInBytes: number; readonly reasons: readonly string[] }>;
  /** Every image with its referrers: the page's own "who uses this image" index. */
  readonly images: ReadonlyArray<{ readonly repositoryName: string; readonly imageDigest: string; readonly imageTags: readonly string[]; readonly action: string; readonly referrers: ReadonlyArray<{ readonly kind: string; readonly id: string; readonly account: string; readonly region: string; readonly protecting: boolean; readonly reason: string }> }>;
  /** Per day, bytes stored at the end of the day and bytes the sweep deleted that day (from the audit trail). */
  readonly history: ReadonlyArray<{ readonly day: string; readonly storedBytes: number; readonly deletedBytes: number }>;
  readonly warnings: readonly string[];
}

const day = (iso: string) => iso.slice(0, 10);

/**
 * Bytes stored per day, rebuilt from what is stored now (each image counts from its push) and from the audit trail
 * (each deleted image counted from its push until its deletion); bytes deleted per day from the audit trail.
 */
function storageHistory(images: readonly ImageView[], audit: readonly AuditRecord[], now: string, days: number) {
  const deleted = audit.filter((r) => r.status === 'deleted');
  const end = Date.parse(day(now));
  const points = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    const start = end - i * DAY_MS;
    const close = start + DAY_MS;
    const stored = images.filter((img) => Date.parse(img.imagePushedAt) < close).reduce((n, img) => n + img.imageSizeInBytes, 0)
      + deleted.filter((r) => Date.parse(r.imagePushedAt) < close && Date.parse(r.at) >= close).reduce((n, r) => n + r.imageSizeInBytes, 0);
    const gone = deleted.filter((r) => Date.parse(r.at) >= start && Date.parse(r.at) < close).reduce((n, r) => n + r.imageSizeInBytes, 0);
    points.push({ day: new Date(start).toISOString().slice(0, 10), storedBytes: stored, deletedBytes: gone });
  }
  return points;
}

/** The report's data from a plan and the audit trail (empty for a snapshot or live source, which have none). */
export function reportData(input: { plan: PlanReport; audit: readonly AuditRecord[]; scope: Scope; source: string; days?: number; pricing?: Pricing }): ReportData {
  const { plan } = input;
  const pricing = input.pricing ?? DEFAULT_PRICING;
  return {
    schemaVersion: 1,
    generatedAt: plan.now,
    scope: input.scope,
    source: input.source,
    usdPerGbMonth: pricing.standardUsdPerGbMonth,
    totals: { images: plan.totals.images, bytes: plan.totals.bytes, usdPerMonth: usdPerMonth(plan.totals.bytes, pricing), toDelete: plan.totals.toDelete, bytesToDelete: plan.totals.bytesToDelete, ...(plan.totals.bytesFreed !== undefined && { bytesFreed: plan.totals.bytesFreed }), usdPerMonthSaved: plan.totals.usdPerMonthSaved, savedFrom: plan.totals.savedFrom },
    repositories: plan.repositories.map((r) => ({ repositoryName: r.repositoryName, images: r.images, bytes: r.bytes, usdPerMonth: usdPerMonth(r.bytes, pricing), toDelete: r.toDelete, bytesToDelete: r.bytesToDelete, ...(r.bytesFreed !== undefined && { bytesFreed: r.bytesFreed }) })),
    scheduled: plan.images.filter((i) => i.action === 'delete').map((i) => ({ repositoryName: i.repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, imagePushedAt: i.imagePushedAt, imageSizeInBytes: i.imageSizeInBytes, reasons: i.reasons })),
    images: plan.images.map((i) => ({ repositoryName: i.repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, action: i.action, referrers: i.referrers })),
    history: storageHistory(plan.images, input.audit, plan.now, input.days ?? 90),
    warnings: plan.warnings,
  };
}
