import type { Config } from '../config.js';
import type { AccountFacts, ImageHistory, PinFact, ReportedImageFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { computeUsage } from '../domain/usage.js';
import type { LedgerStore, ReconcileCounts } from './ports.js';

export interface ReconcileResult extends ReconcileCounts {
  readonly images: number;
  readonly unprotected: number;
}

/**
 * Next history of each image: first seen is kept; "unprotected since" starts when the ledger first sees the image
 * with no protecting reference (at `observedAt`, the time the facts were true) and clears when it is protected again.
 */
export function nextHistory(facts: AccountFacts, existing: { history: ReadonlyMap<string, ImageHistory>; pins: readonly PinFact[]; reported?: readonly ReportedImageFact[] }, config: Config, observedAt: string): Map<string, ImageHistory> {
  // Pins and usage reports are not part of a picture, but they protect: an image they keep is not unprotected.
  const usage = computeUsage({ ...facts, pins: [...facts.pins, ...existing.pins], reported: [...(facts.reported ?? []), ...(existing.reported ?? [])] }, { ...config.ecs, now: observedAt });
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
  input: { facts: AccountFacts; config: Config; source: string },
): Promise<ReconcileResult> {
  const { facts, config } = input;
  let unprotected = 0;
  const counts = await deps.ledger.reconcile({
    facts,
    observedAt: facts.capturedAt,
    decideHistory: (existing) => {
      const history = nextHistory(facts, existing, config, facts.capturedAt);
      unprotected = [...history.values()].filter((h) => h.unprotectedSince).length;
      return history;
    },
    watermark: { scope: facts.scope, reconciledAt: deps.clock().toISOString(), capturedAt: facts.capturedAt, source: input.source },
  });
  return { ...counts, images: facts.images.length, unprotected };
}
