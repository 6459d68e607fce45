import { createHash } from 'node:crypto';
import type { AccountFacts, PinFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { NotFoundError, UsageError } from '../errors.js';
import { findImages } from './find-images.js';
import type { LedgerStore } from './ports.js';

/** One pin per image and reason: pinning again with the same reason replaces that pin (a new expiry, say). */
export const pinKeyFor = (repositoryName: string, imageDigest: string, reason: string) => `${imageKey(repositoryName, imageDigest)}#${createHash('sha256').update(reason).digest('hex').slice(0, 16)}`;

/** Pins the image(s) a reference names, for consumers the ledger cannot see; `expiresAt` ends the protection. */
export async function pinImage(deps: { ledger: LedgerStore; clock: () => Date }, facts: AccountFacts, query: string, reason: string, expiresAt?: string): Promise<PinFact[]> {
  const pinnedAt = deps.clock().toISOString();
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.parse(pinnedAt)) throw new UsageError(`--expires ${expiresAt} is not in the future`);
  const pins = findImages(facts, query).map((image): PinFact => ({
    repositoryName: image.repositoryName, imageDigest: image.imageDigest, reason, pinnedAt, ...(expiresAt !== undefined && { expiresAt }),
    key: pinKeyFor(image.repositoryName, image.imageDigest, reason),
  }));
  for (const pin of pins) await deps.ledger.putPin(facts.scope, pin);
  return pins;
}

/** Removes the pins of the image(s) a reference names — all of them, or the one with `reason`; not found when none matched. */
export async function unpinImage(deps: { ledger: LedgerStore }, facts: AccountFacts, query: string, reason?: string): Promise<PinFact[]> {
  const images = findImages(facts, query);
  const removed: PinFact[] = [];
  for (const image of images) {
    const pins = facts.pins.filter((p) => p.repositoryName === image.repositoryName && p.imageDigest === image.imageDigest && (reason === undefined || p.reason === reason));
    for (const pin of pins) if (await deps.ledger.deletePin(facts.scope, pin)) removed.push(pin);
  }
  if (removed.length === 0) throw new NotFoundError(`${query} is not pinned${reason === undefined ? '' : ` with reason ${JSON.stringify(reason)}`}`);
  return removed;
}

export interface PinView extends PinFact {
  readonly imageTags: readonly string[];
  readonly expired: boolean;
}

/** Every pin of a scope, newest first, with the image's tags and whether it has expired. */
export function listPins(facts: AccountFacts, now: string): PinView[] {
  const tags = new Map(facts.images.map((i) => [imageKey(i.repositoryName, i.imageDigest), i.imageTags]));
  return facts.pins
    .map((p) => ({ ...p, imageTags: tags.get(imageKey(p.repositoryName, p.imageDigest)) ?? [], expired: p.expiresAt !== undefined && Date.parse(p.expiresAt) <= Date.parse(now) }))
    .sort((a, b) => b.pinnedAt.localeCompare(a.pinnedAt) || a.repositoryName.localeCompare(b.repositoryName));
}

/** `--expires`: an ISO-8601 time, or a duration from now — `90m`, `12h`, `30d`, `2w`, or ISO `P30D`, `PT12H`. */
export function expiryOf(text: string, now: Date): string {
  const simple = /^(\d+)([mhdw])$/.exec(text);
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  const MIN = 60_000;
  let ms: number | undefined;
  if (simple) ms = Number(simple[1]) * { m: MIN, h: 60 * MIN, d: 1440 * MIN, w: 10_080 * MIN }[simple[2] as 'm' | 'h' | 'd' | 'w'];
  else if (iso && text !== 'P' && text !== 'PT') ms = (Number(iso[1] ?? 0) * 10_080 + Number(iso[2] ?? 0) * 1440 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0)) * MIN;
  if (ms !== undefined) {
    if (ms <= 0) throw new UsageError(`--expires ${text}: the duration must be longer than zero`);
    return new Date(now.getTime() + ms).toISOString();
  }
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text) || Number.isNaN(at)) {
    throw new UsageError(`--expires ${text}: expected an ISO-8601 time (2027-01-31T00:00:00Z, 2027-01-31) or a duration (90m, 12h, 30d, 2w, P30D, PT12H)`);
  }
  return new Date(at).toISOString();
}
