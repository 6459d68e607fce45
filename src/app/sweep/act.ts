import { chunks } from '../../domain/chunks.js';
import type { Scope } from '../../domain/facts.js';
import { groupBy } from '../../domain/group-by.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import type { AuditRecord, AuditStatus, EventLedger, SweepAws, SweepStore } from '../ports.js';
import type { Config } from '../../config.js';
import { phaseOf } from './order.js';

const DAY = 86_400_000;
/** BatchDeleteImage takes at most 100 image ids. */
const CALL_SIZE = 100;

export interface ActDeps {
  readonly aws: SweepAws;
  readonly config: Config;
  /** With a ledger: intents are written ahead, each image that went is tombstoned, every outcome audited. */
  readonly events?: EventLedger;
  readonly store?: SweepStore;
  /** Called before every deleting call; throws when the run may no longer delete (its lease was lost). */
  readonly beforeCall?: () => Promise<void>;
  /** The time of each call (an archive is stamped when it was made, not when the run started). */
  readonly clock?: () => Date;
}

/** What a run did to an image, as ECR answered: ImageNotFound is `already gone`, never archived or deleted by the run. */
export type ImageOutcome = 'deleted' | 'archived' | 'already gone' | 'failed';
export const outcomeOf = (action: 'delete' | 'archive'): 'deleted' | 'archived' => (action === 'archive' ? 'archived' : 'deleted');

export function auditRecord(p: PlannedImage, runId: string, at: string, action: 'delete' | 'archive', status: AuditStatus): AuditRecord {
  return {
    runId, at, action, status, repositoryName: p.image.repositoryName, imageDigest: p.image.imageDigest, imageTags: p.image.imageTags,
    imageSizeInBytes: p.image.imageSizeInBytes, imagePushedAt: p.image.imagePushedAt, reasons: p.reasons,
    referrers: p.referrers.map((r) => ({ kind: r.kind, id: r.id })),
  };
}

/** How a planned image goes: as the plan says, else the sweep's action (a plan made without dispositions). */
export const disposalOf = (p: PlannedImage, config: Config): 'delete' | 'archive' => p.disposal ?? config.sweep.action;

export const auditExpiry = (config: Config, now: string) => new Date(Date.parse(now) + config.sweep.auditRetentionDays * DAY).toISOString();

/**
 * Deletes (or archives) in phases: indexes, then images, then artifacts; per repository, 100 ids per call. With a
 * ledger, the intent for exactly a call's ids is recorded before the call and settled from its response, so that
 * an image that left ECR always has an audit record, even when the run dies between the call and the response.
 */
export async function act(deps: ActDeps, scope: Scope, batch: readonly PlannedImage[], runId: string, now: string) {
  const expires = auditExpiry(deps.config, now);
  const done: PlannedImage[] = [];
  const alreadyGone: PlannedImage[] = [];
  const failed: Array<{ planned: PlannedImage; code: string; reason: string }> = [];
  for (const phase of [0, 1, 2]) {
    // Per repository and per disposal (a rule archives, another deletes; an archived image goes for good): 100 ids a call.
    const calls = groupBy(batch.filter((p) => phaseOf(p) === phase), (p) => `${disposalOf(p, deps.config)} ${p.image.repositoryName}`);
    for (const [key, inRepository] of [...calls].sort(([a], [b]) => a.localeCompare(b))) {
      const [action, repositoryName] = [key.slice(0, key.indexOf(' ')) as 'delete' | 'archive', key.slice(key.indexOf(' ') + 1)];
      for (const chunk of chunks(inRepository, CALL_SIZE)) {
        await deps.beforeCall?.();
        // Each image carries how it went, whatever the run's default action.
        const planned = chunk.map((p) => ({ ...p, disposal: action }));
        const byDigest = new Map(planned.map((p) => [p.image.imageDigest, p]));
        await deps.store?.recordIntents(scope, planned.map((p) => auditRecord(p, runId, now, action, 'pending')), expires);
        const digests = [...byDigest.keys()];
        const calledAt = deps.clock?.().toISOString() ?? now;
        const result = action === 'archive' ? await deps.aws.archiveImages(repositoryName, digests) : await deps.aws.deleteImages(repositoryName, digests);
        const pick = (list: readonly string[]) => list.flatMap((d) => (byDigest.has(d) ? [byDigest.get(d)!] : []));
        const went = pick(result.done);
        const missing = pick(result.failures.filter((f) => f.code === 'ImageNotFound').map((f) => f.imageDigest));
        const failures = result.failures.filter((f) => f.code !== 'ImageNotFound').flatMap((f) => (byDigest.has(f.imageDigest) ? [{ planned: byDigest.get(f.imageDigest)!, code: f.code, reason: f.reason }] : []));
        const settled = new Set([...went, ...missing, ...failures.map((f) => f.planned)]);
        await deps.store?.recordAudit(scope, [
          ...went.map((p) => auditRecord(p, runId, now, action, action === 'archive' ? 'archived' : 'deleted')),
          ...missing.map((p) => auditRecord(p, runId, now, action, 'already-gone')),
          ...failures.map((f) => ({ ...auditRecord(f.planned, runId, now, action, 'failed'), failure: { code: f.code, reason: f.reason } })),
          // An id the response names neither way was not acted on.
          ...planned.filter((p) => !settled.has(p)).map((p) => auditRecord(p, runId, now, action, 'not-deleted')),
        ], expires);
        // The ledger holds what ECR said: deleted and already gone are gone, archived is archived as of the call.
        for (const p of [...(action === 'delete' ? went : []), ...missing]) await deps.events?.removeImage(scope, repositoryName, p.image.imageDigest, calledAt);
        if (action === 'archive') for (const p of went) await deps.events?.setImageStatus(scope, repositoryName, p.image.imageDigest, 'ARCHIVED', calledAt);
        done.push(...went);
        alreadyGone.push(...missing);
        failed.push(...failures);
      }
    }
  }
  return { done, alreadyGone, failed };
}
