import type { Config } from '../../config.js';
import type { AccountFacts, Scope } from '../../domain/facts.js';
import { planRetention, type RetentionPlan } from '../../domain/retention-policy.js';
import { taskStops, type TaskStop } from '../../domain/task-state.js';
import type { EventLedger, LedgerContents } from '../ports.js';
import type { RunReach } from '../reach/run-reach.js';
import type { UsageIndex } from '../usage-index.js';
import { forgottenTaskStops } from '../usage/forgotten-tasks.js';
import { runningTasksTheLedgerLacks } from '../usage/unheard-tasks.js';
import { storeUnheardUses, usesTheLedgerLacks } from '../usage/unheard-uses.js';
import { liveHistory, releaseNamed, stoppedIn, withStops } from '../usage/release.js';

/**
 * The sweep's plan over its live read, with what that read saw end stamped (unless a dry run) as the reconcile would
 * stamp it: the stops it lists; the uses the ledger's picture held that the live one does not; and, for the images
 * about to go, the tasks the ledger holds that ECS no longer lists (their stop unheard): those are judged again with
 * their retention. Each batch of a run stamps its own repositories' stops (other registries' are their reconciles').
 */
export async function planOverLiveRead(
  deps: { readonly events: EventLedger; readonly index: UsageIndex; readonly config: Config },
  scope: Scope,
  o: { readonly view: LedgerContents; readonly facts: AccountFacts; readonly reach: RunReach; readonly only?: ReadonlySet<string>; readonly dryRun: boolean; readonly now: string },
): Promise<RetentionPlan> {
  const { facts, now } = o;
  const retention = { stoppedTaskRetentionHours: deps.config.ecs.stoppedTaskRetentionHours, now };
  const ours = (stop: TaskStop) => { const ran = stoppedIn(stop, scope); return ran !== undefined && (o.only === undefined || o.only.has(ran.repositoryName)); };
  const stamp = async (stops: readonly TaskStop[]) => {
    if (o.dryRun) return;
    for (const stop of stops.filter(ours)) await releaseNamed(deps.events, stop.image, { until: stop.until, noticedAt: now, ...(stop.digest && { digest: stop.digest }) });
  };
  const stops = taskStops([], facts.tasks, { stoppedTaskRetentionHours: retention.stoppedTaskRetentionHours, readAt: now });
  await stamp(stops);
  // The stopped tasks themselves are stored too (news no newer than the ledger's is not applied): once ECS forgets one,
  // a later run or reconcile reads its stop time from the ledger instead of taking the stop as unheard.
  const stoppedHere = facts.tasks.filter((t) => t.lastStatus === 'STOPPED' && t.containers.some((c) => ours({ image: c.image, ...(c.imageDigest && { digest: c.imageDigest }), until: now })));
  if (!o.dryRun) for (const task of stoppedHere) await deps.events.applyFact(scope, 'task', task.taskArn, task, now);
  // Uses this read finds that the ledger lacks are stored: their end will be seen by whoever reads next.
  // The same for the members this run read live (the end of a member's use is then seen by its next reconcile).
  if (!o.dryRun) {
    await storeUnheardUses(deps.events, scope, usesTheLedgerLacks(o.view.facts, facts), now);
    for (const member of o.reach.unheardMemberUses) await storeUnheardUses(deps.events, member.scope, member, now);
    // Running tasks it has never heard of, among those naming an image the run may judge unused (here or in a member).
    for (const { scope: where, tasks } of [{ scope, tasks: facts.tasks }, ...o.reach.unheardMemberUses.map((m) => ({ scope: m.scope, tasks: m.tasks }))]) {
      for (const task of await runningTasksTheLedgerLacks(deps.index, where, scope, o.view.facts.images, tasks)) await deps.events.applyFact(where, 'task', task.taskArn, task, now);
    }
  }
  const { history, ended } = liveHistory(o.view.history, { ledger: o.view.facts, live: facts, stops, registry: scope, now, ecs: deps.config.ecs });
  if (!o.dryRun) for (const image of ended) await deps.events.releaseImage(scope, image.repositoryName, image.imageDigest, now);
  const judge = (h: typeof history) => planRetention(facts, h, { config: deps.config, now, historySource: 'ledger', others: o.reach.others, world: o.reach.world });
  const plan = judge(history);
  const forgotten = await forgottenTaskStops(deps.index, scope, plan.images.filter((p) => p.action === 'delete').map((p) => p.image), facts, retention);
  if (forgotten.stops.length === 0) return plan;
  await stamp(forgotten.stops);
  // Stored stopped, so that the next run counts the retention from this read, not from its own.
  if (!o.dryRun) for (const task of forgotten.tasks) await deps.events.applyFact(scope, 'task', task.taskArn, task, now);
  return judge(withStops(history, forgotten.stops, scope, now));
}
