import { isArchived } from '../domain/facts.js';
import type { ExplainedImage } from '../app/explain.js';
import { reachLines } from '../domain/reach.js';
import type { PlanReport } from '../app/plan.js';
import type { RepositorySummary } from '../domain/plan-summary.js';
import type { WhoUsesReport } from '../app/who-uses.js';
import { shortDigest } from '../app/views.js';
import { archivedInUseWarning } from '../app/undo/restore-on-use.js';
import type { Referrer } from '../domain/usage.js';
import type { Announcement } from '../domain/notice.js';

import { formatBytes } from '../domain/bytes.js';

export { formatBytes };

/** Left-aligned text columns, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderPlan(report: PlanReport): string {
  const t = report.totals;
  const freed = (bytes: number | undefined) => (bytes === undefined ? '?' : formatBytes(bytes));
  const saved = (usd: number) => `${t.savedFrom === 'image-sizes' ? '<= ' : ''}${usd.toFixed(2)}`;
  // Archiving is shown apart from deleting (it frees nothing, and saves only above the archive tier).
  const archiving = t.toArchive > 0;
  const row = (name: string, r: Omit<RepositorySummary, 'repositoryName'>) => [
    name, String(r.images), String(r.toDelete - (archiving ? r.toArchive : 0)), ...(archiving ? [String(r.toArchive)] : []), String(r.kept), formatBytes(r.bytes),
    formatBytes(r.bytesToDelete - (archiving ? r.bytesToArchive : 0)), ...(archiving ? [formatBytes(r.bytesToArchive)] : []), freed(r.bytesFreed), saved(r.usdPerMonthSaved),
  ];
  const rows = [...report.repositories.map((r) => row(r.repositoryName, r)), row('TOTAL', t)];
  const header = ['REPOSITORY', 'IMAGES', 'DELETE', ...(archiving ? ['ARCHIVE'] : []), 'KEEP', 'SIZE', 'DELETE SIZE', ...(archiving ? ['ARCHIVE SIZE'] : []), 'FREED', 'USD/MONTH SAVED'];
  const out = [`Plan at ${report.now}`, '', table(header, rows, new Set(header.map((_h, i) => i).slice(1)))];
  if (report.archiveNote) out.push('', `Note: ${report.archiveNote}.`);
  const deletions = report.images.filter((i) => i.action === 'delete');
  const archives = deletions.filter((i) => i.disposal === 'archive').length;
  out.push('', deletions.length ? `Would ${archives === 0 ? 'delete' : archives === deletions.length ? 'archive' : `archive ${archives} and delete ${deletions.length - archives} of`} ${deletions.length} image(s):` : 'Nothing would be deleted.');
  for (const i of deletions) {
    out.push(`  ${i.disposal === 'archive' ? 'archive' : 'delete'}  ${i.repositoryName}@${shortDigest(i.imageDigest)}  ${i.imageTags.length ? i.imageTags.join(',') : '<untagged>'}  pushed ${i.imagePushedAt.slice(0, 10)}  ${formatBytes(i.imageSizeInBytes)}${i.imageStatus ? `  (${i.imageStatus})` : ''}`);
  }
  // What is kept only until a known time: a first plan that deletes nothing does not look broken.
  const kinds = [...new Set(report.waiting.flatMap((w) => w.for))];
  for (const kind of kinds) {
    const waiting = report.waiting.filter((w) => w.for.includes(kind));
    out.push(`${waiting.length} image(s) wait for ${kind} (first eligible ${waiting[0]!.eligibleAt.slice(0, 10)})`);
  }
  out.push('', moneyNote(t), '`explain IMAGE` tells why an image is kept.');
  return out.join('\n');
}

/** What the money counts: the layers freed (a lower bound), or the image sizes (an upper bound) and why. */
export function moneyNote(t: PlanReport['totals']): string {
  return t.savedFrom === 'freed-layers'
    ? 'FREED counts the layers no image that stays names (a lower bound; DELETE SIZE sums the images, an upper bound: ECR stores a shared layer once). USD/month is from FREED.'
    : `FREED is unknown: the layers of ${t.layersUnknown} image(s) were not read (ecr:BatchGetImage denied or failing, an event not yet reconciled, or a snapshot without manifests); USD/month counts DELETE SIZE, an upper bound (ECR stores a shared layer once).`;
}

function referrerLines(referrers: readonly Referrer[]): string[] {
  if (referrers.length === 0) return ['  (no referrers)'];
  return referrers.map((r) => `  ${r.protecting ? 'PROTECTS' : 'does not protect'}  ${r.kind}  ${r.id}${r.viaReplication ? `  (uses the replica in ${r.account}/${r.region})` : ''}\n      ${r.reason}`);
}

export function renderWhoUses(report: WhoUsesReport): string {
  return report.images
    .map((image) => [`${image.repositoryName}@${image.imageDigest}  tags: ${image.imageTags.join(', ') || '<untagged>'}`, ...referrerLines(image.referrers)].join('\n'))
    .join('\n\n');
}

/** What deleting the image alone frees, beside its size (ECR stores a layer other images name once). */
function freedLine(planned: ExplainedImage): string {
  if (planned.image.childDigests.length > 0) return ' (an index: its children hold the layers)';
  if (!planned.freed) return '; bytes freed unknown (its layers, or those of images beside it, were not read)';
  return planned.freed.among === 'registry'
    ? `; deleting it alone frees ${formatBytes(planned.freed.bytes)} (layers no other image of the registry names)`
    : `; deleting it alone frees at most ${formatBytes(planned.freed.bytes)} (layers no other image of the repository names; other repositories may share them)`;
}

export function renderExplanation(planned: ExplainedImage, announcement?: Announcement): string {
  const { image } = planned;
  const lines = [
    `${image.repositoryName}@${image.imageDigest}`,
    `  tags: ${image.imageTags.join(', ') || '<untagged>'}; pushed ${image.imagePushedAt}; ${formatBytes(image.imageSizeInBytes)}${freedLine(planned)}`,
    '',
    ...(planned.inUse && isArchived(image)
      ? [`WARNING: ${archivedInUseWarning({ registry: { accountId: '', region: '' }, image, usedBy: planned.referrers.filter((r) => r.protecting).map((r) => `${r.kind} ${r.id}`) })}`, '']
      : []),
    planned.action === 'keep' ? 'It is KEPT because:' : planned.disposal === 'archive' ? 'It WOULD BE ARCHIVED (archive first, delete later): every rule allows it:' : 'It WOULD BE DELETED: every rule allows it:',
    ...planned.reasons.map((r) => `  - ${r}`),
  ];
  if (planned.unreferencedSince) lines.push('', `Unreferenced since ${planned.unreferencedSince.at} (from ${planned.unreferencedSince.source}).`);
  if (announcement) lines.push(`Announced for deletion ${announcement.announcedAt} (deletable from ${announcement.deletableFrom}).`);
  if (planned.reach) lines.push('', 'A deletion reaches:', ...reachLines(planned.reach).map((l) => `  - ${l}`));
  lines.push('', 'Referrers:', ...referrerLines(planned.referrers));
  return lines.join('\n');
}
