import type { Config } from '../../config.js';
import type { ImageFact, Scope } from '../../domain/facts.js';
import { groupBy } from '../../domain/group-by.js';
import type { AuditRecord, AuditStatus, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { auditExpiry } from './act.js';

export interface SettleDeps {
  readonly store: SweepStore;
  readonly aws: Pick<SweepAws, 'describeImages'>;
  readonly config: Config;
  /** Tombstones the images found gone, so that who-uses stops naming them. */
  readonly events?: EventLedger;
}

/**
 * What became of an intent's image, from what ECR holds now: gone, it was deleted; archived, or archived at or after
 * the intent (ECR's lastArchivedAt) though someone has restored it since, it was archived; pushed again after the
 * intent, the deletion went through before the push (found by the simulator, seed 371: an archive a person restored
 * before the next run was recorded as not done).
 */
function settledStatus(intent: AuditRecord, image: ImageFact | undefined): AuditStatus {
  if (!image) return 'deleted';
  if (intent.action === 'archive' && (image.imageStatus === 'ARCHIVED' || (image.lastArchivedAt !== undefined && Date.parse(image.lastArchivedAt) >= Date.parse(intent.at)))) return 'archived';
  if (intent.action === 'delete' && Date.parse(image.imagePushedAt) > Date.parse(intent.at)) return 'deleted';
  return 'not-deleted';
}

/**
 * Settles the write-ahead intents that runs which died left pending: an image that is gone was deleted by that run
 * (`confirmedBy` the settling run), an archived one archived, one still there `not-deleted`. Intents of `liveRunId`
 * (the run holding the lease now) are in flight and left alone.
 */
export async function settleDeadIntents(deps: SettleDeps, scope: Scope, options: { by: string; liveRunId?: string }): Promise<AuditRecord[]> {
  const dead = (await deps.store.pendingIntents(scope)).filter((r) => r.runId !== options.liveRunId);
  const settled: AuditRecord[] = [];
  for (const [repositoryName, intents] of groupBy(dead, (r) => r.repositoryName)) {
    const present = new Map((await deps.aws.describeImages(repositoryName, [...new Set(intents.map((r) => r.imageDigest))])).map((i) => [i.imageDigest, i]));
    for (const intent of intents) {
      const image = present.get(intent.imageDigest);
      const status = settledStatus(intent, image);
      settled.push({ ...intent, status, confirmedBy: options.by });
      if (!image) await deps.events?.removeImage(scope, repositoryName, intent.imageDigest, intent.at);
    }
  }
  for (const [at, records] of groupBy(settled, (r) => r.at)) await deps.store.recordAudit(scope, records, auditExpiry(deps.config, at));
  return settled;
}
