import type { TaskFact } from './facts.js';

const HOUR_MS = 3_600_000;

/** A task protects its images while it runs, and for `stoppedTaskRetentionHours` after it stopped. */
export function isTaskProtecting(
  task: TaskFact,
  options: { readonly stoppedTaskRetentionHours: number; readonly now: string },
): { protecting: boolean; reason: string } {
  if (task.lastStatus !== 'STOPPED') return { protecting: true, reason: `task is ${task.lastStatus}` };
  if (task.stoppedAt === undefined) return { protecting: true, reason: 'task is STOPPED at an unknown time (kept to be safe)' };
  const stoppedHours = (Date.parse(options.now) - Date.parse(task.stoppedAt)) / HOUR_MS;
  return stoppedHours < options.stoppedTaskRetentionHours
    ? { protecting: true, reason: `task stopped at ${task.stoppedAt}, within stoppedTaskRetentionHours (${options.stoppedTaskRetentionHours})` }
    : { protecting: false, reason: `task stopped at ${task.stoppedAt}, more than ${options.stoppedTaskRetentionHours} hours ago` };
}

/** A digest a task ran (or the image it names, when ECS gave no digest) and when its retention ends. */
export interface TaskStop {
  readonly image: string;
  readonly digest?: string;
  readonly until: string;
}

/**
 * The retention each stop ends with, whoever sees the stop first: every task a picture reads STOPPED (from its stop
 * time; unknown: from the read), and every task the previous picture held that this one no longer lists (ECS forgot
 * it: it stopped at an unknown time before the read, so from the read).
 */
export function taskStops(previous: readonly TaskFact[], current: readonly TaskFact[], options: { readonly stoppedTaskRetentionHours: number; readonly readAt: string }): TaskStop[] {
  const retention = options.stoppedTaskRetentionHours * HOUR_MS;
  const listed = new Set(current.map((t) => t.taskArn));
  const ended = (stoppedAt: string | undefined) => new Date(Date.parse(stoppedAt ?? options.readAt) + retention).toISOString();
  const stops = [
    ...current.filter((t) => t.lastStatus === 'STOPPED').map((t) => ({ task: t, until: ended(t.stoppedAt) })),
    ...previous.filter((t) => !listed.has(t.taskArn)).map((t) => ({ task: t, until: ended(t.lastStatus === 'STOPPED' ? t.stoppedAt : undefined) })),
  ];
  const seen = new Set<string>();
  // Every stop is stamped, also one whose retention has already ended: grace counts from that end (a release then).
  return stops.flatMap(({ task, until }) => task.containers.flatMap((c) => {
    const key = `${c.imageDigest ?? c.image}|${until}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ image: c.image, ...(c.imageDigest && { digest: c.imageDigest }), until }];
  }));
}
