import type { Scope } from '../../domain/facts.js';
import { groupBy } from '../../domain/group-by.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import type { AuditRecord } from '../ports.js';
import { phaseOf } from './order.js';
import type { SweepDeps } from './sweep.js';

const DAY = 86_400_000;

function auditRecord(p: PlannedImage, runId: string, at: string, action: 'delete' | 'archive'): AuditRecord {
  return {
    runId, at, action, repositoryName: p.image.repositoryName, imageDigest: p.image.imageDigest, imageTags: p.image.imageTags,
    imageSizeInBytes: p.image.imageSizeInBytes, imagePushedAt: p.image.imagePushedAt, reasons: p.reasons,
    referrers: p.referrers.map((r) => ({ kind: r.kind, id: r.id })),
  };
}

/**
 * Deletes (or archives) in phases: indexes, then images, then artifacts; per repository, 100 ids per call. With a
 * ledger (`events`, `store`), each image that went is tombstoned and audited; an image already gone counts as gone.
 */
export async function act(deps: Pick<SweepDeps, 'aws' | 'config'> & Partial<Pick<SweepDeps, 'events' | 'store'>>, scope: Scope, batch: readonly PlannedImage[], runId: string, now: string) {
  const action = deps.config.sweep.action;
  const done: PlannedImage[] = [];
  const failed: Array<{ planned: PlannedImage; code: string; reason: string }> = [];
  for (const phase of [0, 1, 2]) {
    for (const [repositoryName, planned] of groupBy(batch.filter((p) => phaseOf(p) === phase), (p) => p.image.repositoryName)) {
      const byDigest = new Map(planned.map((p) => [p.image.imageDigest, p]));
      const digests = [...byDigest.keys()];
      const result = action === 'archive' ? await deps.aws.archiveImages(repositoryName, digests) : await deps.aws.deleteImages(repositoryName, digests);
      const gone = [...result.done, ...result.failures.filter((f) => f.code === 'ImageNotFound').map((f) => f.imageDigest)];
      for (const digest of gone) {
        const p = byDigest.get(digest);
        if (!p) continue;
        done.push(p);
        if (action === 'delete') await deps.events?.removeImage(scope, repositoryName, digest, now);
        else await deps.events?.setImageStatus(scope, repositoryName, digest, 'ARCHIVED', now);
      }
      for (const f of result.failures.filter((f) => f.code !== 'ImageNotFound')) {
        const p = byDigest.get(f.imageDigest);
        if (p) failed.push({ planned: p, code: f.code, reason: f.reason });
      }
      const expires = new Date(Date.parse(now) + deps.config.sweep.auditRetentionDays * DAY).toISOString();
      await deps.store?.recordAudit(scope, gone.flatMap((d) => (byDigest.has(d) ? [auditRecord(byDigest.get(d)!, runId, now, action)] : [])), expires);
    }
  }
  return { done, failed };
}

