import type { Config } from '../config.js';
import type { AccountFacts, ImageHistory, PinFact, ReportedImageFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { computeUsage } from '../domain/usage.js';
import { endedUses, foreignUses } from './usage/foreign-use.js';
import type { LedgerStore, ReconcileCounts } from './ports.js';
import { taskStops } from '../domain/task-state.js';
import { releaseNamed } from './usage/release.js';
import { usesEnded } from '../domain/past-use.js';
import { withPullsKept } from '../domain/live-image.js';
import type { OutsideDeletions } from './undo/outside-deletion.js';

export interface ReconcileResult extends ReconcileCounts {
  readonly images: number;
  readonly unprotected: number;
  /** Images of other registries this scope no longer uses: their grace restarts now. */
  readonly releasedElsewhere?: number;
}

/**
 * Next history of each image: first seen is kept; "unprotected since" starts when the ledger first sees the image
 * with no protecting reference (at `observedAt`, the time the facts were true) and clears when it is protected again.
 * Uses in other scopes restart it through `releasedAt`, which the scope whose use ended stamps (reconcileLedger, events).
 */
export function nextHistory(facts: AccountFacts, existing: { history: ReadonlyMap<string, ImageHistory>; pins: readonly PinFact[]; reported?: readonly ReportedImageFact[] }, config: Config, observedAt: string, previous?: AccountFacts): Map<string, ImageHistory> {
  // Pins and usage reports are not part of a picture, but they protect: an image they keep is not unprotected.
  const inUse = (picture: AccountFacts) => computeUsage({ ...picture, pins: [...picture.pins, ...existing.pins], reported: [...(picture.reported ?? []), ...(existing.reported ?? [])] }, { ...config.ecs, now: observedAt }).inUse;
  const usage = { inUse: inUse(facts) };
  // What the ledger's last picture (with the events since) kept in use and this one does not stopped being used by now:
  // its unprotected clock starts now, not at a stamp from before that use (the event of its end may be lost).
  const ended = new Set(previous ? usesEnded(inUse(previous), usage.inUse, facts.images).map((i) => imageKey(i.repositoryName, i.imageDigest)) : []);
  const next = new Map<string, ImageHistory>();
  for (const image of facts.images) {
    const key = imageKey(image.repositoryName, image.imageDigest);
    const before = existing.history.get(key);
    const unprotectedSince = usage.inUse.has(key) ? undefined : ended.has(key) ? observedAt : (before?.unprotectedSince ?? observedAt);
    next.set(key, { firstSeenAt: before?.firstSeenAt ?? observedAt, ...(unprotectedSince && { unprotectedSince }), ...(before?.releasedAt && { releasedAt: before.releasedAt }), ...(before?.protectedUntil && { protectedUntil: before.protectedUntil }) });
  }
  return next;
}

/** Loads a complete picture of an account into the ledger: facts it no longer has are removed, history survives. */
export async function reconcileLedger(
  deps: { ledger: LedgerStore; clock: () => Date; /** An image in use the picture no longer has was deleted elsewhere: recorded and told. */ deletions?: OutsideDeletions },
  input: { facts: AccountFacts; config: Config; source: string; previous?: AccountFacts },
): Promise<ReconcileResult> {
  const { config } = input;
  // What this scope kept in use in other registries before, and keeps now: a use that ended restarts their grace
  // (the registry's own reconcile cannot see it: the other scope's facts may be gone by then).
  const previous = input.previous ?? ((await deps.ledger.watermark(input.facts.scope)) ? (await deps.ledger.load(input.facts.scope)).facts : undefined);
  const facts = previous ? { ...input.facts, images: withPullsKept(input.facts.images, previous.images) } : input.facts;
  const ended = previous
    ? await endedUses(deps.ledger.usageIndex(), foreignUses(previous, { ...config.ecs, now: previous.capturedAt }), foreignUses(facts, { ...config.ecs, now: facts.capturedAt }))
    : [];
  // Gone since the last picture, its DELETE event late or lost: judged before the ledger forgets it, as the event would be.
  if (deps.deletions && previous) {
    const held = new Set(facts.images.map((i) => imageKey(i.repositoryName, i.imageDigest)));
    for (const gone of previous.images.filter((i) => !held.has(imageKey(i.repositoryName, i.imageDigest)))) {
      await deps.deletions.deleted(facts.scope, gone.repositoryName, gone.imageDigest, facts.capturedAt, `reconcile-${facts.capturedAt}`);
    }
  }
  let unprotected = 0;
  const counts = await deps.ledger.reconcile({
    facts,
    observedAt: facts.capturedAt,
    decideHistory: (existing) => {
      const history = nextHistory(facts, existing, config, facts.capturedAt, previous);
      unprotected = [...history.values()].filter((h) => h.unprotectedSince).length;
      return history;
    },
    watermark: { scope: facts.scope, reconciledAt: deps.clock().toISOString(), capturedAt: facts.capturedAt, source: input.source },
  });
  for (const use of ended) await deps.ledger.events.releaseImage(use.registry, use.repositoryName, use.imageDigest, facts.capturedAt);
  // Stops are stored whoever sees them first: a task read STOPPED, or gone since the last picture, keeps what it ran
  // until its retention ends (its STOPPED event may be lost, late, or older news than this picture).
  const stops = taskStops(previous?.tasks ?? [], facts.tasks, { stoppedTaskRetentionHours: config.ecs.stoppedTaskRetentionHours, readAt: facts.capturedAt });
  for (const stop of stops) await releaseNamed(deps.ledger.events, stop.image, { until: stop.until, noticedAt: facts.capturedAt, ...(stop.digest && { digest: stop.digest }) });
  return { ...counts, images: facts.images.length, unprotected, ...(ended.length > 0 && { releasedElsewhere: ended.length }) };
}
