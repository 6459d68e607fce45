import { scopeKey, type AccountFacts, type ImageFact, type Scope, type TaskFact } from '../../domain/facts.js';
import { taskStops, type TaskStop } from '../../domain/task-state.js';
import { candidateReferrers } from '../candidate-referrers.js';
import type { UsageIndex } from '../usage-index.js';

/**
 * The tasks of `scope` the ledger holds as naming `images` that the live read no longer lists: ECS forgot them and
 * their STOPPED event was lost or is late (found by the simulator, seed 1940). Each stopped by the read at the
 * latest, so its retention runs from the read — as the reconcile would stamp it. Read through the index, only for the
 * images a run is about to delete (the sweep's own scope is otherwise read live, never from the ledger).
 */
export async function forgottenTaskStops(index: UsageIndex, scope: Scope, images: readonly ImageFact[], live: AccountFacts, o: { readonly stoppedTaskRetentionHours: number; readonly now: string }): Promise<{ stops: TaskStop[]; tasks: TaskFact[] }> {
  if (images.length === 0) return { stops: [], tasks: [] };
  const own = (await candidateReferrers(index, scope, images, o.now)).scopes.find((s) => scopeKey(s.scope) === scopeKey(scope));
  const listed = new Set(live.tasks.map((t) => t.taskArn));
  const forgotten = (own?.tasks ?? []).filter((t) => !listed.has(t.taskArn));
  // As the ledger should now hold them: stopped, by this read at the latest (a task it held stopped keeps its time).
  const tasks = forgotten.map((t) => (t.lastStatus === 'STOPPED' ? t : { ...t, lastStatus: 'STOPPED', stoppedAt: o.now }));
  return { stops: taskStops(forgotten, [], { stoppedTaskRetentionHours: o.stoppedTaskRetentionHours, readAt: o.now }), tasks };
}
