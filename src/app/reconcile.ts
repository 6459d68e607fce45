import type { Config } from '../config.js';
import type { AccountFacts, ImageHistory, PinFact, ReportedImageFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { usageAcrossScopes } from '../domain/usage-across-scopes.js';
import { candidateReferrers } from './candidate-referrers.js';
import { foreignInUse, releasedBetween } from './usage/foreign-use.js';
import type { LedgerStore, ReconcileCounts } from './ports.js';

export interface ReconcileResult extends ReconcileCounts {
  readonly images: number;
  readonly unprotected: number;
  /** Images of other registries this scope no longer uses: their grace restarts now. */
  readonly releasedElsewhere?: number;
}

/**
 * Next history of each image: first seen is kept; "unprotected since" starts when the ledger first sees the image
 * with no protecting reference in any scope (at `observedAt`, the time the facts were true) and clears when it is
 * protected again.
 */
export function nextHistory(
  facts: AccountFacts, existing: { history: ReadonlyMap<string, ImageHistory>; pins: readonly PinFact[]; reported?: readonly ReportedImageFact[] }, config: Config, observedAt: string,
  others: readonly AccountFacts[] = [],
): Map<string, ImageHistory> {
  // Pins and usage reports are not part of a picture, but they protect: an image they keep is not unprotected. Nor is
  // one another scope uses now (`others`: their referrers of these images): grace counts from the last use anywhere.
  const usage = usageAcrossScopes({ ...facts, pins: [...facts.pins, ...existing.pins], reported: [...(facts.reported ?? []), ...(existing.reported ?? [])] }, others, { ...config.ecs, now: observedAt });
  const next = new Map<string, ImageHistory>();
  for (const image of facts.images) {
    const key = imageKey(image.repositoryName, image.imageDigest);
    const before = existing.history.get(key);
    const unprotectedSince = usage.inUse.has(key) ? undefined : (before?.unprotectedSince ?? observedAt);
    next.set(key, { firstSeenAt: before?.firstSeenAt ?? observedAt, ...(unprotectedSince && { unprotectedSince }), ...(before?.releasedAt && { releasedAt: before.releasedAt }) });
  }
  return next;
}

/** Loads a complete picture of an account into the ledger: facts it no longer has are removed, history survives. */
export async function reconcileLedger(
  deps: { ledger: LedgerStore; clock: () => Date },
  input: { facts: AccountFacts; config: Config; source: string; previous?: AccountFacts },
): Promise<ReconcileResult> {
  const { facts, config } = input;
  const index = deps.ledger.usageIndex();
  const window = { ...config.ecs, now: facts.capturedAt };
  // The other scopes' referrers of these images, read by reference (nothing when the ledger holds no other scope).
  const others = (await candidateReferrers(index, facts.scope, facts.images, facts.capturedAt, { fromOtherScopes: true })).scopes;
  // What this scope kept in use in other registries before, and keeps now: a use that ended restarts their grace.
  const previous = input.previous ?? ((await deps.ledger.watermark(facts.scope)) ? (await deps.ledger.load(facts.scope)).facts : undefined);
  const ended = previous ? releasedBetween(await foreignInUse(index, previous, { ...config.ecs, now: previous.capturedAt }), await foreignInUse(index, facts, window)) : [];
  let unprotected = 0;
  const counts = await deps.ledger.reconcile({
    facts,
    observedAt: facts.capturedAt,
    decideHistory: (existing) => {
      const history = nextHistory(facts, existing, config, facts.capturedAt, others);
      unprotected = [...history.values()].filter((h) => h.unprotectedSince).length;
      return history;
    },
    watermark: { scope: facts.scope, reconciledAt: deps.clock().toISOString(), capturedAt: facts.capturedAt, source: input.source },
  });
  for (const use of ended) await deps.ledger.events.releaseImage(use.registry, use.repositoryName, use.imageDigest, facts.capturedAt);
  return { ...counts, images: facts.images.length, unprotected, ...(ended.length > 0 && { releasedElsewhere: ended.length }) };
}
