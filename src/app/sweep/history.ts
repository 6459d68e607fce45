import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import { AwsReadError, CredentialsUnknownError } from '../../errors.js';
import type { AuditRecord, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { settleDeadIntents } from './intents.js';
import { requireOwnCredentials } from '../reach/credentials.js';

export interface HistoryDeps {
  readonly store: SweepStore;
  readonly events: EventLedger;
  readonly config: Config;
  /** Live ECR, opened only when a dead run left intents to settle. */
  readonly aws: () => Pick<SweepAws, 'describeImages' | 'callerAccount' | 'region'>;
  readonly warn: (message: string) => void;
}

/**
 * The audit trail, oldest first. Intents a dead run left pending are settled first from what ECR holds now; those
 * of the run holding the lease, or that ECR cannot be asked about now, are listed as `pending`.
 */
export async function auditHistory(deps: HistoryDeps, scope: Scope, options: { since?: string; now: string; by: string }): Promise<AuditRecord[]> {
  const holder = await deps.store.lockHolder(scope);
  const liveRunId = holder && holder.expiresAt > options.now ? holder.runId : undefined;
  if ((await deps.store.pendingIntents(scope)).some((r) => r.runId !== liveRunId)) {
    const aws = deps.aws();
    try {
      // Settling writes tombstones and audit records from what ECR answers: only with credentials of this scope's account.
      await requireOwnCredentials(aws, scope, 'settling of the audit trail');
      await settleDeadIntents({ ...deps, aws }, scope, { by: options.by, ...(liveRunId && { liveRunId }) });
    } catch (error) {
      if (!(error instanceof AwsReadError || error instanceof CredentialsUnknownError)) throw error;
      deps.warn(`a sweep that died left deletions unconfirmed; they are listed as pending until ECR can be asked (${error.message})`);
    }
  }
  const pending = (await deps.store.pendingIntents(scope)).filter((r) => !options.since || r.at >= options.since);
  const settled = await deps.store.audit(scope, { now: options.now, ...(options.since && { since: options.since }) });
  return [...settled, ...pending].sort((a, b) => a.at.localeCompare(b.at));
}
