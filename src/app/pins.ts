import type { AccountFacts, PinFact } from '../domain/facts.js';
import { NotFoundError } from '../errors.js';
import { findImages } from './find-images.js';
import type { LedgerStore } from './ports.js';

/** Pins the image(s) a reference names, for consumers the ledger cannot see. */
export async function pinImage(deps: { ledger: LedgerStore; clock: () => Date }, facts: AccountFacts, query: string, reason: string): Promise<PinFact[]> {
  const pins = findImages(facts, query).map((image) => ({ repositoryName: image.repositoryName, imageDigest: image.imageDigest, reason, pinnedAt: deps.clock().toISOString() }));
  for (const pin of pins) await deps.ledger.putPin(facts.scope, pin);
  return pins;
}

/** Removes the pins of the image(s) a reference names; not found when none was pinned. */
export async function unpinImage(deps: { ledger: LedgerStore }, facts: AccountFacts, query: string): Promise<PinFact[]> {
  const images = findImages(facts, query);
  const removed: PinFact[] = [];
  for (const image of images) {
    const pin = facts.pins.find((p) => p.repositoryName === image.repositoryName && p.imageDigest === image.imageDigest);
    if (pin && (await deps.ledger.deletePin(facts.scope, image.repositoryName, image.imageDigest))) removed.push(pin);
  }
  if (removed.length === 0) throw new NotFoundError(`${query} is not pinned`);
  return removed;
}
