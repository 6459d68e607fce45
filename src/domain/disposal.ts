import type { Config, RepositoryRule } from '../config.js';
import type { ImageFact } from './facts.js';

const DAY_MS = 86_400_000;

/** How an image the policy selects goes: deleted, or archived first (ECR's archive storage class). */
export type Disposal = 'delete' | 'archive';

/** The rule's action, else the sweep's; the rule's deleteArchivedAfterDays, else the sweep's. */
export function disposalRule(rule: RepositoryRule, config: Config): { action: Disposal; deleteArchivedAfterDays?: number } {
  const after = rule.deleteArchivedAfterDays ?? config.sweep.deleteArchivedAfterDays;
  return { action: rule.action ?? config.sweep.action, ...(after !== undefined && { deleteArchivedAfterDays: after }) };
}

/**
 * What happens to an image the policy selects. With `delete`, it is deleted. With `archive` (archive first, delete
 * later), an active image is archived; an archived one is deleted only once archived `deleteArchivedAfterDays` days
 * (never without it, nor when the time it was archived is unknown). One being restored (ACTIVATING) stays, under every rule.
 */
export function disposalOf(image: ImageFact, how: { action: Disposal; deleteArchivedAfterDays?: number }, now: string):
  { go: Disposal; reason?: string } | { keep: string; until?: number } {
  // Someone asked for it back: whatever the rule, it is not touched while ECR restores it.
  if (image.imageStatus === 'ACTIVATING') return { keep: 'being restored from the archive (ACTIVATING): kept' };
  if (how.action === 'delete') return { go: 'delete' };
  if (image.imageStatus !== 'ARCHIVED') return { go: 'archive' };
  const after = how.deleteArchivedAfterDays;
  const archived = image.lastArchivedAt;
  if (after === undefined) return { keep: `archived${archived ? ` on ${archived.slice(0, 10)}` : ''}: the sweep does not delete archived images (deleteArchivedAfterDays is not set)` };
  if (archived === undefined) return { keep: `archived at a time ECR does not say: kept (deleteArchivedAfterDays counts from lastArchivedAt)` };
  const until = Date.parse(archived) + after * DAY_MS;
  if (until <= Date.parse(now)) return { go: 'delete', reason: `archived on ${archived.slice(0, 10)}, at least deleteArchivedAfterDays (${after}) ago: deleted` };
  return { keep: `archived on ${archived.slice(0, 10)}: deletable from ${new Date(until).toISOString().slice(0, 10)} (deleteArchivedAfterDays ${after})`, until };
}
