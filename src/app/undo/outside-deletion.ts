import type { Config } from '../../config.js';
import { scopeKey, imageKey, type ImageFact, type Scope } from '../../domain/facts.js';
import type { Referrer } from '../../domain/usage.js';
import { lastUseEnded } from '../../domain/past-use.js';
import { indexedReferrers } from '../indexed-usage.js';
import type { SweepStore } from '../ports.js';
import { auditExpiry } from '../sweep/act.js';
import type { UsageIndex } from '../usage-index.js';

/** An image ECR deleted (a lifecycle expiration, a person, a replicated delete) while the ledger held it in use. */
export interface InUseDeletion {
  readonly scope: Scope;
  readonly image: ImageFact;
  readonly at: string;
  readonly eventId: string;
  /** What used it: the referrers that protected it. */
  readonly usedBy: readonly Referrer[];
  /**
   * When a use the ledger no longer holds ended, at or after the deletion: the deletion's news came late, after that
   * use's end (a report that dropped it, a task that stopped), so the image was in use when it went.
   */
  readonly useEndedAt?: string;
  /** How to get it back. */
  readonly recovery: string;
}

/** What the event path does about a deletion made outside ecr-ledger (absent: nothing but removing the image). */
export interface OutsideDeletions {
  /** Before the ledger removes a deleted image: whether it was in use, and if so, record and tell. */
  deleted(scope: Scope, repositoryName: string, imageDigest: string, at: string, eventId: string, tag?: string): Promise<InUseDeletion | undefined>;
}

const RECOVERY = 'copy the same manifest back byte for byte (only that keeps its digest: crane cp or skopeo copy --all from a replica in another region or account, or from wherever it was pulled), then check that ECR holds the digest again';

/** Who used it, in words: its referrers, or the use that ended at or after the deletion. */
function usersOf(d: Pick<InUseDeletion, 'usedBy' | 'useEndedAt'>): string {
  return d.usedBy.length > 0 ? d.usedBy.map((r) => `${r.kind} ${r.id}`).join(', ') : `a use that ended at ${d.useEndedAt} (after the deletion; the ledger no longer names it)`;
}

/** A one-line summary, for logs, warnings and notifications. */
export function inUseDeletionText(d: InUseDeletion): string {
  const who = usersOf(d);
  return `${d.scope.accountId}/${d.scope.region} ${d.image.repositoryName}@${d.image.imageDigest} [${d.image.imageTags.join(', ') || 'untagged'}] was deleted outside ecr-ledger at ${d.at} while in use by ${who}; its next pull fails. To recover: ${d.recovery}`;
}

/**
 * Checks an ECR deletion against the ledger's index before the image is removed: an image something uses (a
 * protecting referrer, in any scope) is recorded in the audit trail as `deleted-elsewhere` with its users, and
 * `tell` (the alarm metric, the notice channels, a warning) is called with it.
 */
export function outsideDeletions(deps: { index: () => UsageIndex; store?: SweepStore; config: Config; tell: (d: InUseDeletion) => Promise<void> }): OutsideDeletions {
  return {
    async deleted(scope, repositoryName, imageDigest, at, eventId, tag) {
      const index = deps.index();
      const { image: held, referrers: ids, history } = await index.image(scope, repositoryName, imageDigest);
      if (!held) return undefined;
      // By digest and by the event's tag (the ledger may not have heard of that tag yet): who names either used it.
      const image = tag !== undefined && !held.imageTags.includes(tag) ? { ...held, imageTags: [...held.imageTags, tag] } : held;
      const referrers = await indexedReferrers(index, [{ registry: scope, image, referrers: ids }], deps.config, at);
      const usedBy = (referrers.get(`${scopeKey(scope)}#${imageKey(repositoryName, imageDigest)}`) ?? []).filter((r) => r.protecting);
      // Nobody names it now, but a use ended at or after the deletion: the news of the deletion came after the news of
      // that end (found by the simulator, seed 2561), so it was in use when it went.
      const ended = usedBy.length === 0 ? lastUseEnded(history) : undefined;
      if (usedBy.length === 0 && (ended === undefined || Date.parse(ended) < Date.parse(at))) return undefined;
      const deletion: InUseDeletion = { scope, image, at, eventId, usedBy, ...(ended !== undefined && { useEndedAt: ended }), recovery: RECOVERY };
      await deps.store?.recordAudit(scope, [{
        runId: `event-${eventId}`, at, action: 'outside', status: 'deleted-elsewhere', repositoryName, imageDigest, imageTags: image.imageTags,
        imageSizeInBytes: image.imageSizeInBytes, imagePushedAt: image.imagePushedAt, referrers: usedBy.map((r) => ({ kind: r.kind, id: r.id })),
        reasons: [`deleted outside ecr-ledger (ECR Image Action DELETE, event ${eventId}) while in use by ${usersOf(deletion)}`, `to recover: ${RECOVERY}`],
      }], auditExpiry(deps.config, at));
      await deps.tell(deletion);
      return deletion;
    },
  };
}
