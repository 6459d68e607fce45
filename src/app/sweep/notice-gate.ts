import type { Config } from '../../config.js';
import { imageKey, type Scope } from '../../domain/facts.js';
import { familyOf } from '../../domain/image-family.js';
import { noticePending } from '../../domain/notice.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import { RefusedError } from '../../errors.js';
import type { AnnouncementStore } from '../ports.js';
import { sweepImage, type SweepImage } from './report.js';

/**
 * With `notice` configured, the deletions the plan allows are split into those announced at least `daysAhead`
 * days ago (ready) and the rest, which wait with the reason. Without a place to read announcements, nothing is ready.
 */
export async function splitByNotice(announcements: AnnouncementStore | undefined, config: Config, scope: Scope, planned: readonly PlannedImage[], now: string): Promise<{ ready: PlannedImage[]; waiting: Array<SweepImage & { readonly waitingFor: string }> }> {
  if (!config.notice || planned.length === 0) return { ready: [...planned], waiting: [] };
  if (!announcements) throw new RefusedError('notice is configured but the sweep cannot read announcements: nothing is deleted');
  const found = await announcements.announcements(scope, planned.map((p) => p.image));
  const ready: PlannedImage[] = [];
  const waiting: Array<SweepImage & { waitingFor: string }> = [];
  const { daysAhead } = config.notice;
  const pending = new Map(planned.map((p) => {
    const key = imageKey(p.image.repositoryName, p.image.imageDigest);
    return [key, noticePending(p, found.get(key), now, daysAhead)];
  }));
  // A family (an index and its children, an image and its signatures) goes together or waits together: a kept image
  // never loses its signature, nor an index its children, because one of them was announced later.
  const family = familyOf(planned.map((p) => p.image));
  const waitsFor = new Map<string, string>();
  for (const [key, reason] of pending) if (reason !== undefined && !waitsFor.has(family.get(key)!)) waitsFor.set(family.get(key)!, `${key}: ${reason}`);
  for (const p of planned) {
    const key = imageKey(p.image.repositoryName, p.image.imageDigest);
    const own = pending.get(key);
    const familyWaits = waitsFor.get(family.get(key)!);
    if (own) waiting.push({ ...sweepImage(p), waitingFor: own });
    else if (familyWaits) waiting.push({ ...sweepImage(p), waitingFor: `waits with its family (index, children, artifacts): ${familyWaits}` });
    else ready.push(p);
  }
  return { ready, waiting };
}
