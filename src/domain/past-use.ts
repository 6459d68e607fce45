import { imageKey, type ImageFact, type ImageHistory, type PinFact } from './facts.js';

/**
 * When the image's last recorded use ended, anywhere: the later of a release (a reference that went away, a pin
 * removed or expired) and a protection recorded ahead of time (a stopped task's retention, `protectedUntil`, which
 * may lie in the future). The sweep's grace and purge's refusal both count from it.
 */
export function lastUseEnded(history: ImageHistory | undefined): string | undefined {
  const ends = [history?.releasedAt, history?.protectedUntil].filter((t): t is string => t !== undefined);
  return ends.length === 0 ? undefined : ends.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

/** A pin that expired is a reference that went away at its expiry: it restarts the image's unreferenced clock. */
export function releasedByExpiredPins(history: ReadonlyMap<string, ImageHistory>, pins: readonly PinFact[], now: string): ReadonlyMap<string, ImageHistory> {
  const expired = pins.filter((p) => p.expiresAt !== undefined && Date.parse(p.expiresAt) <= Date.parse(now));
  if (expired.length === 0) return history;
  const next = new Map(history);
  for (const pin of expired) {
    const key = imageKey(pin.repositoryName, pin.imageDigest);
    const before = next.get(key);
    if ((before?.releasedAt ?? '') < pin.expiresAt!) next.set(key, { ...before, releasedAt: pin.expiresAt! });
  }
  return next;
}

/**
 * Why an image nothing uses now must still not go at once, by time: a use that ended within `graceDays` (or whose
 * retention has not ended), or an announcement whose `deletableFrom` is still ahead (people were told they have until
 * then). Undefined when no time holds it. A repository being deleted (purge) is judged by this, as the sweep's grace is.
 */
export function timeHold(history: ImageHistory | undefined, o: { graceDays: number; now: string; deletableFrom?: string }): string | undefined {
  const now = Date.parse(o.now);
  if (history?.protectedUntil && Date.parse(history.protectedUntil) > now) return `protected until ${history.protectedUntil} (a stopped task's retention)`;
  const ended = lastUseEnded(history);
  if (ended && Date.parse(ended) + o.graceDays * 86_400_000 > now) return `its last use ended ${ended}, within graceDays (${o.graceDays})`;
  if (o.deletableFrom && Date.parse(o.deletableFrom) > now) return `announced as deletable from ${o.deletableFrom} (notice): not before then`;
  return undefined;
}

/**
 * Images an earlier picture kept in use that a later one does not: each use ended by the later picture's time at the
 * latest (the news of its end — a deregistration, a deleted service, a moved alias — may be lost or late). Judged with
 * the later picture's usage, so a use ending is never mistaken for an image unused since long before.
 */
export function usesEnded(earlier: ReadonlySet<string>, later: ReadonlySet<string>, images: readonly ImageFact[]): ImageFact[] {
  return images.filter((i) => { const key = imageKey(i.repositoryName, i.imageDigest); return earlier.has(key) && !later.has(key); });
}

/** `history` with a release at `at` for each image given (a release only ever moves later). */
export function releasedAt(history: ReadonlyMap<string, ImageHistory>, images: readonly ImageFact[], at: string): ReadonlyMap<string, ImageHistory> {
  if (images.length === 0) return history;
  const next = new Map(history);
  for (const image of images) {
    const key = imageKey(image.repositoryName, image.imageDigest);
    const before = next.get(key);
    if ((before?.releasedAt ?? '') < at) next.set(key, { ...before, releasedAt: at });
  }
  return next;
}
