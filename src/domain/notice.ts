import type { PlannedImage } from './retention-policy.js';
import type { Referrer } from './usage.js';

const DAY_MS = 86_400_000;

/** An image announced for deletion ahead of time (config `notice`). */
export interface Announcement {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly announcedAt: string;
  /** The first time the plan deletes it, as computed at the announcement. */
  readonly deletableFrom: string;
  /** Since when it was unreferenced at the announcement: a later one means it was used again and must be announced anew. */
  readonly unreferencedSince?: string;
}

/**
 * Whether an announcement still speaks for the image: nothing protected it after the announcement — its unreferenced
 * clock did not restart (a use, a pin, a release in any scope) and it was not pulled since, when pulls count.
 */
export function isCurrent(announcement: Announcement | undefined, planned: PlannedImage): announcement is Announcement {
  if (!announcement) return false;
  if (planned.countedPullAt !== undefined && Date.parse(planned.countedPullAt) > Date.parse(announcement.announcedAt)) return false;
  const since = planned.unreferencedSince?.at;
  return since === undefined || Date.parse(announcement.announcedAt) >= Date.parse(since) || announcement.unreferencedSince === since;
}

/** When an announcement lets the image go: never before the `deletableFrom` it promised, whatever `daysAhead` says now. */
export const deletableAt = (announcement: Announcement, daysAhead: number): number =>
  Math.max(Date.parse(announcement.announcedAt) + daysAhead * DAY_MS, Date.parse(announcement.deletableFrom));

/**
 * With advance notice configured, why the sweep must still keep an image the plan deletes: it was not announced (or
 * was used, pinned or pulled since), or its announced time has not come. Undefined when it may go.
 */
export function noticePending(planned: PlannedImage, announcement: Announcement | undefined, now: string, daysAhead: number): string | undefined {
  const announcedAt = announcement?.announcedAt;
  if (!isCurrent(announcement, planned)) {
    return announcedAt !== undefined
      ? `announced ${announcedAt}, but used, pinned or pulled since: it is announced again, and deleted only ${daysAhead} day(s) after that`
      : `not announced yet: with notice.daysAhead ${daysAhead}, an image is deleted only ${daysAhead} day(s) after its announcement`;
  }
  const due = deletableAt(announcement, daysAhead);
  if (Date.parse(now) < due) return `announced ${announcement.announcedAt}: deletable from ${new Date(due).toISOString()} (as announced; notice.daysAhead ${daysAhead})`;
  return undefined;
}

const KIND_ORDER: readonly Referrer['kind'][] = ['ecs-service', 'ecs-task-set', 'ecs-task', 'lambda-alias', 'lambda-function', 'ecs-task-definition', 'image-index', 'image-subject', 'pin'];

/** Who used the image last (its most telling referrer that no longer protects it) and when that use ended. */
export function lastUse(planned: PlannedImage): { readonly by?: Referrer; readonly endedAt?: string } {
  const former = [...planned.referrers].filter((r) => !r.protecting).sort((a, b) =>
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || revisionOf(b.id) - revisionOf(a.id) || a.id.localeCompare(b.id));
  const endedAt = planned.unreferencedSince && planned.unreferencedSince.source !== 'push' ? planned.unreferencedSince.at : undefined;
  return { ...(former[0] && { by: former[0] }), ...(endedAt && { endedAt }) };
}

const revisionOf = (id: string) => Number(/:(\d+)$/.exec(id)?.[1] ?? 0);
