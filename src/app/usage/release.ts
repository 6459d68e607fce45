import { imageKey, type AccountFacts, type ImageFact, type ImageHistory, type Scope } from '../../domain/facts.js';
import { releasedAt, usesEnded } from '../../domain/past-use.js';
import type { WindowOptions } from '../../domain/protection-window.js';
import { computeUsage } from '../../domain/usage.js';
import type { TaskStop } from '../../domain/task-state.js';
import { parseImageReference } from '../../domain/image-reference.js';
import { tagDigests } from '../../domain/tag-fact.js';
import type { EventLedger } from '../ports.js';

/**
 * Records that a use of an image ended at `until`, learnt at `noticedAt`, on the image in the registry it names —
 * this scope's or another account's or region's (grace counts from the last use anywhere). A digest is released
 * directly; a tag releases the image it points to now; `digest`, when given, is the digest actually run. A malformed
 * reference protected nothing; a registry the ledger does not hold has nothing to stamp. The event path and the
 * reconcile both stamp through here: a stop is stored whoever sees it first.
 */
export async function releaseNamed(ledger: Pick<EventLedger, 'getFact' | 'releaseImage'>, image: string, o: { until: string; noticedAt: string; digest?: string }): Promise<void> {
  let ref;
  try {
    ref = parseImageReference(image, 'container');
  } catch {
    return;
  }
  if (ref.kind !== 'ecr' || ref.registryId === undefined || ref.region === undefined) return;
  await releaseIn(ledger, { accountId: ref.registryId, region: ref.region }, ref.repositoryName, o.digest ?? ref.digest ?? ref.tag ?? 'latest', o);
}

/** `target` is a digest or a tag of `repositoryName` in `registry`. */
export async function releaseIn(ledger: Pick<EventLedger, 'getFact' | 'releaseImage'>, registry: Scope, repositoryName: string, target: string, o: { until: string; noticedAt: string }): Promise<void> {
  let digests = target.includes(':') ? [target] : undefined;
  if (!digests) {
    const tag = await ledger.getFact(registry, 'tag', `${repositoryName}:${target}`);
    if (!tag || tag.deleted) return;
    digests = tagDigests(tag.fact);
  }
  for (const digest of digests) await ledger.releaseImage(registry, repositoryName, digest, o.until, o.noticedAt);
}

/**
 * The history a run judges with, with the stops it read itself folded in (the ledger may not have heard of them: a
 * STOPPED event lost, no reconcile since): a stop whose retention has ended is a release then, one still running a
 * protection until its end — as `releaseImage` would stamp them. Only digests of `registry` the task ran.
 */
export function withStops(history: ReadonlyMap<string, ImageHistory>, stops: readonly TaskStop[], registry: Scope, now: string): ReadonlyMap<string, ImageHistory> {
  const next = new Map(history);
  for (const stop of stops) {
    const ran = stoppedIn(stop, registry);
    if (!ran) continue;
    const key = imageKey(ran.repositoryName, ran.digest);
    const before = next.get(key) ?? {};
    next.set(key, stop.until > now
      ? { ...before, protectedUntil: [before.protectedUntil, stop.until].filter((t): t is string => t !== undefined).sort().at(-1)! }
      : { ...before, releasedAt: [before.releasedAt, stop.until].filter((t): t is string => t !== undefined).sort().at(-1)! });
  }
  return next;
}

/** The image of `registry` a stopped task ran (its repository and digest), or undefined when it ran another registry's. */
export function stoppedIn(stop: TaskStop, registry: Scope): { readonly repositoryName: string; readonly digest: string } | undefined {
  let ref;
  try {
    ref = parseImageReference(stop.image, 'container');
  } catch {
    return undefined;
  }
  const digest = stop.digest ?? (ref.kind === 'ecr' ? ref.digest : undefined);
  if (ref.kind !== 'ecr' || digest === undefined || ref.registryId !== registry.accountId || ref.region !== registry.region) return undefined;
  return { repositoryName: ref.repositoryName, digest };
}

/**
 * The history a run that acts on a live read judges with (the sweep, purge): the ledger's, with what the live read saw
 * end folded in — the stops it read (withStops), and the uses the ledger's picture held that the live one does not
 * (a deregistration, a deleted service or a moved alias whose event is lost or late: ended by now at the latest).
 * `ended` are those images, for the caller to stamp.
 */
export function liveHistory(history: ReadonlyMap<string, ImageHistory>, o: { ledger: AccountFacts | undefined; live: AccountFacts; stops: readonly TaskStop[]; registry: Scope; now: string; ecs: Omit<WindowOptions, 'now'> }): { history: ReadonlyMap<string, ImageHistory>; ended: ImageFact[] } {
  const options = { ...o.ecs, now: o.now };
  // The ledger's referrers judged against the images as ECR holds them now (the sweep index keeps no tags).
  const ended = o.ledger ? usesEnded(computeUsage({ ...o.ledger, images: o.live.images }, options).inUse, computeUsage(o.live, options).inUse, o.live.images) : [];
  return { history: releasedAt(withStops(history, o.stops, o.registry, o.now), ended, o.now), ended };
}
