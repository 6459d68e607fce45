import { durationMs } from '../domain/duration.js';
import { createHash } from 'node:crypto';
import type { AccountFacts, PinFact } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { AwsReadError, NotFoundError, UsageError } from '../errors.js';
import { parseImageQuery } from './image-query.js';
import { findImages } from './find-images.js';
import type { LedgerStore } from './ports.js';

/** One pin per image and reason: pinning again with the same reason replaces that pin (a new expiry, say). */
export const pinKeyFor = (repositoryName: string, imageDigest: string, reason: string) => `${imageKey(repositoryName, imageDigest)}#${createHash('sha256').update(reason).digest('hex').slice(0, 16)}`;

export interface PinDeps {
  readonly ledger: LedgerStore;
  readonly clock: () => Date;
  /** The digest a tag points to in ECR now (absent: AWS is not asked); throws an AwsReadError when ECR cannot be asked. */
  readonly liveTag?: (repositoryName: string, tag: string) => Promise<string | undefined>;
  /** When the ledger last heard of a tag (its tag fact's observation time). */
  readonly tagSeenAt?: (repositoryName: string, tag: string) => Promise<string | undefined>;
}

/**
 * The images a pin names: a digest as given; a tag as ECR resolves it now, or — when ECR cannot be asked — as the
 * ledger last saw it, which `note` says (a tag may have moved since, and the pin would then hold the wrong image).
 */
export async function pinTargets(deps: PinDeps, facts: AccountFacts, query: string): Promise<{ images: Array<{ repositoryName: string; imageDigest: string }>; note?: string }> {
  const { ref } = parseImageQuery(query, facts.scope);
  if (ref.digest !== undefined || !deps.liveTag) return { images: findImages(facts, query), ...(ref.digest === undefined && { note: await ledgerNote(deps, ref.repositoryName, ref.tag ?? 'latest', 'ECR was not asked') }) };
  const tag = ref.tag ?? 'latest';
  let live: string | undefined;
  try {
    live = await deps.liveTag(ref.repositoryName, tag);
  } catch (error) {
    if (!(error instanceof AwsReadError)) throw error;
    return { images: findImages(facts, query), note: await ledgerNote(deps, ref.repositoryName, tag, `ECR could not be asked: ${error.message}`) };
  }
  if (live === undefined) throw new NotFoundError(`${ref.repositoryName}:${tag} points to no image in ECR now: nothing was pinned (pin a digest, repo@sha256:…)`);
  return { images: [{ repositoryName: ref.repositoryName, imageDigest: live }], note: `${ref.repositoryName}:${tag} resolved in ECR now: ${live}` };
}

async function ledgerNote(deps: PinDeps, repositoryName: string, tag: string, why: string): Promise<string> {
  const seen = await deps.tagSeenAt?.(repositoryName, tag);
  return `${repositoryName}:${tag} resolved from the ledger's tag${seen ? `, last seen ${seen}` : ''} (${why}); the tag may have moved since`;
}

/** Pins the image(s) a reference names, for consumers the ledger cannot see; `expiresAt` ends the protection. */
export async function pinImage(deps: PinDeps, facts: AccountFacts, query: string, reason: string, expiresAt?: string): Promise<{ pins: PinFact[]; note?: string }> {
  const pinnedAt = deps.clock().toISOString();
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.parse(pinnedAt)) throw new UsageError(`--expires ${expiresAt} is not in the future`);
  const { images, note } = await pinTargets(deps, facts, query);
  const pins = images.map((image): PinFact => ({
    repositoryName: image.repositoryName, imageDigest: image.imageDigest, reason, pinnedAt, ...(expiresAt !== undefined && { expiresAt }),
    key: pinKeyFor(image.repositoryName, image.imageDigest, reason),
  }));
  for (const pin of pins) await deps.ledger.putPin(facts.scope, pin);
  return { pins, ...(note !== undefined && { note }) };
}

/**
 * Removes the pins of the image(s) a reference names — all of them, or the one with `reason`; not found when none
 * matched. A removed pin is a reference that went away: at its expiry if it had expired, else now — the image's grace
 * restarts then, and an announcement made before is stale.
 */
export async function unpinImage(deps: { ledger: LedgerStore; clock: () => Date }, facts: AccountFacts, query: string, reason?: string): Promise<PinFact[]> {
  const images = findImages(facts, query);
  const now = deps.clock().toISOString();
  const removed: PinFact[] = [];
  for (const image of images) {
    const pins = facts.pins.filter((p) => p.repositoryName === image.repositoryName && p.imageDigest === image.imageDigest && (reason === undefined || p.reason === reason));
    for (const pin of pins) {
      if (!(await deps.ledger.deletePin(facts.scope, pin))) continue;
      removed.push(pin);
      const ended = pin.expiresAt !== undefined && pin.expiresAt < now ? pin.expiresAt : now;
      await deps.ledger.events.releaseImage(facts.scope, pin.repositoryName, pin.imageDigest, ended);
    }
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
  const ms = durationMs(text);
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
