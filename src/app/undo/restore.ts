import type { Config } from '../../config.js';
import type { ImageFact, Scope } from '../../domain/facts.js';
import type { AuditRecord, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { auditExpiry } from '../sweep/act.js';

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
  readonly reason?: string;
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
    const archived: ImageFact[] = [];
    for (const target of wanted) {
      const image = images.find((i) => (target.imageDigest ? i.imageDigest === target.imageDigest : i.imageTags.includes(target.tag ?? 'latest')));
      const named = { repositoryName, imageTags: image?.imageTags ?? [], ...((image?.imageDigest ?? target.imageDigest) && { imageDigest: image?.imageDigest ?? target.imageDigest }) };
      if (!image) results.push({ ...named, status: 'not found', reason: `no such image in ${repositoryName} now` });
      else if (image.imageStatus === 'ACTIVATING') results.push({ ...named, status: 'restoring already', reason: 'ACTIVATING: ECR is restoring it' });
      else if (image.imageStatus !== 'ARCHIVED') results.push({ ...named, status: 'not archived', reason: `${image.imageStatus ?? 'ACTIVE'}: it answers pulls` });
      else if (!archived.includes(image)) archived.push(image);
    }
    if (o.dryRun) {
      results.push(...archived.map((i) => ({ repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, status: 'would restore' as const })));
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
      results.push({ repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, status: f ? 'failed' : 'restored', ...(f && { reason: `${f.code}: ${f.reason}` }) });
    }
  }
  return results;
}
