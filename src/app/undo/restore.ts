import type { Config } from '../../config.js';
import type { ImageFact, Scope } from '../../domain/facts.js';
import type { AuditRecord, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { auditExpiry } from '../sweep/act.js';
import { descendantsOf } from '../../domain/image-family.js';

/** An image to restore: by digest, or by a tag ECR resolves now. */
export interface RestoreTarget {
  readonly repositoryName: string;
  readonly imageDigest?: string;
  readonly tag?: string;
}

export type RestoreStatus = 'restored' | 'would restore' | 'restoring already' | 'not archived' | 'not found' | 'failed';

export interface RestoredImage {
  readonly repositoryName: string;
  readonly imageDigest?: string;
  readonly imageTags: readonly string[];
  readonly status: RestoreStatus;
  /** Its size, for the restore's cost (restored or about to be). */
  readonly imageSizeInBytes?: number;
  readonly reason?: string;
  /** Restored because it belongs to this image (a child of the index asked for, an artifact of it). */
  readonly with?: string;
}

export interface RestoreDeps {
  readonly aws: SweepAws;
  readonly config: Config;
  readonly clock: () => Date;
  /** With a ledger: each restore is audited (status `restored`, who asked) and the image's status recorded. */
  readonly store?: SweepStore;
  readonly events?: EventLedger;
}

/**
 * Restores archived images (UpdateImageStorageClass to STANDARD): each is read in ECR now, and only an ARCHIVED one is
 * asked for; a dry run says what it would restore. `by` is who asked (the credentials' ARN, or what uses the image).
 */
export async function restoreImages(deps: RestoreDeps, scope: Scope, targets: readonly RestoreTarget[], o: { dryRun: boolean; runId: string; by: string; reasons: readonly string[] }): Promise<RestoredImage[]> {
  const results: RestoredImage[] = [];
  const now = deps.clock().toISOString();
  const byRepository = new Map<string, RestoreTarget[]>();
  for (const t of targets) byRepository.set(t.repositoryName, [...(byRepository.get(t.repositoryName) ?? []), t]);
  for (const [repositoryName, wanted] of byRepository) {
    const images = await deps.aws.repositoryImages(repositoryName);
    const byDigest = new Map(images.map((i) => [i.imageDigest, i]));
    const archived: ImageFact[] = [];
    const partOf = new Map<string, string>();
    const notes = new Map<string, string>();
    for (const target of wanted) {
      const image = images.find((i) => (target.imageDigest ? i.imageDigest === target.imageDigest : i.imageTags.includes(target.tag ?? 'latest')));
      const named = { repositoryName, imageTags: image?.imageTags ?? [], ...((image?.imageDigest ?? target.imageDigest) && { imageDigest: image?.imageDigest ?? target.imageDigest }) };
      if (!image) results.push({ ...named, status: 'not found', reason: `no such image in ${repositoryName} now` });
      else if (image.imageStatus === 'ACTIVATING') results.push({ ...named, status: 'restoring already', reason: 'ACTIVATING: ECR is restoring it' });
      if (!image || image.imageStatus === 'ACTIVATING') continue;
      // The family: an index's children (without them no platform pulls) and the artifacts archived with it.
      const before = archived.length;
      for (const digest of descendantsOf(images, image.imageDigest)) {
        const member = byDigest.get(digest)!;
        if (member.imageStatus !== 'ARCHIVED' || archived.includes(member)) continue;
        archived.push(member);
        if (digest !== image.imageDigest && !partOf.has(digest)) partOf.set(digest, image.imageDigest);
      }
      if (archived.length === before && image.imageStatus !== 'ARCHIVED') results.push({ ...named, status: 'not archived', reason: `${image.imageStatus ?? 'ACTIVE'}: it answers pulls` });
      // A child restored alone: its index (pulled by tag, most often) stays archived, and the result says so.
      const parents = images.filter((i) => i.childDigests.includes(image.imageDigest) && i.imageStatus === 'ARCHIVED');
      if (parents.length > 0) notes.set(image.imageDigest, `its image index ${parents.map((p) => `${p.imageDigest} [${p.imageTags.join(', ') || 'untagged'}]`).join(', ')} stays archived: a pull through it still fails until it is restored too`);
    }
    const shown = (i: ImageFact) => ({
      repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, imageSizeInBytes: i.imageSizeInBytes, ...(partOf.has(i.imageDigest) && { with: partOf.get(i.imageDigest)! }), ...(notes.has(i.imageDigest) && { reason: notes.get(i.imageDigest)! }),
    });
    if (o.dryRun) {
      results.push(...archived.map((i) => ({ ...shown(i), status: 'would restore' as const })));
      continue;
    }
    if (archived.length === 0) continue;
    const { done, failures } = await deps.aws.restoreImages(repositoryName, archived.map((i) => i.imageDigest));
    const record = (i: ImageFact, status: AuditRecord['status'], failure?: { code: string; reason: string }): AuditRecord => ({
      runId: o.runId, at: now, action: 'restore', status, repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, imageSizeInBytes: i.imageSizeInBytes,
      imagePushedAt: i.imagePushedAt, reasons: [...o.reasons], referrers: [], requestedBy: o.by, ...(failure && { failure }),
    });
    const failed = new Map(failures.map((f) => [f.imageDigest, f]));
    await deps.store?.recordAudit(scope, archived.map((i) => (failed.has(i.imageDigest) ? record(i, 'failed', failed.get(i.imageDigest)) : record(i, 'restored'))), auditExpiry(deps.config, now));
    for (const digest of done) await deps.events?.setImageStatus(scope, repositoryName, digest, 'ACTIVATING', now);
    for (const i of archived) {
      const f = failed.get(i.imageDigest);
      results.push({ ...shown(i), status: f ? 'failed' : 'restored', ...(f && { reason: `${f.code}: ${f.reason}` }) });
    }
  }
  return results;
}
