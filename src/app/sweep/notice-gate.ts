import type { Config } from '../../config.js';
import { imageKey, type Scope } from '../../domain/facts.js';
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
  for (const p of planned) {
    const pending = noticePending(p, found.get(imageKey(p.image.repositoryName, p.image.imageDigest)), now, config.notice.daysAhead);
    if (pending) waiting.push({ ...sweepImage(p), waitingFor: pending });
    else ready.push(p);
  }
  return { ready, waiting };
}
