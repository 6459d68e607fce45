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
