import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import { groupBy } from '../../domain/group-by.js';
import type { AuditRecord, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { auditExpiry } from './act.js';

export interface SettleDeps {
  readonly store: SweepStore;
  readonly aws: Pick<SweepAws, 'describeImages'>;
  readonly config: Config;
  /** Tombstones the images found gone, so that who-uses stops naming them. */
  readonly events?: EventLedger;
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
      const status = !image ? 'deleted' : intent.action === 'archive' && image.imageStatus === 'ARCHIVED' ? 'archived' : 'not-deleted';
      settled.push({ ...intent, status, confirmedBy: options.by });
      if (!image) await deps.events?.removeImage(scope, repositoryName, intent.imageDigest, intent.at);
    }
  }
  for (const [at, records] of groupBy(settled, (r) => r.at)) await deps.store.recordAudit(scope, records, auditExpiry(deps.config, at));
  return settled;
}
