import type { Scope } from '../../src/domain/facts.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';
import type { FakeAccount } from '../fakes/fake-account.js';
import type { Sim, SimTask } from './sim.js';
import type { Delivery, Op } from './timeline.js';
import { hear } from './truth.js';
import { HOST, REPO } from './world.js';

type EcsOp = Extract<Op, { op: 'run' | 'stop' | 'schedule' | 'unschedule' | 'forget' }>;
const ECS_OPS = new Set<string>(['run', 'stop', 'schedule', 'unschedule', 'forget']);

export const isEcsOp = (o: Op): o is EcsOp => ECS_OPS.has(o.op);

/** An event that does not reach the product now: what it tells is unheard until it arrives or a reconcile reads it. */
export const unheard = (delivery: Delivery | undefined): boolean => delivery === 'late' || delivery === 'lost';

const scopeOf = (account: FakeAccount): Scope => ({ accountId: account.accountId, region: account.region });

/** A CloudTrail event recorded in `scope`'s account and region (a member's reaches the central bus forwarded). */
export function inScope<T extends ReturnType<typeof cloudTrailEvent>>(event: T, scope: Scope): T {
  return { ...event, account: scope.accountId, region: scope.region, detail: { ...event.detail, awsRegion: scope.region, recipientAccountId: scope.accountId } };
}

/** ECS in the registry's account or the member's: tasks that start and stop, scheduled families, ECS forgetting. */
export async function ecsStep(sim: Sim, o: EcsOp): Promise<void> {
  const { truth } = sim;
  const accountFor = (member: boolean | undefined, second: boolean | undefined) => (!member || !sim.member ? sim.registry : second && sim.second ? sim.second.account : sim.member.account);
  const register = async (where: FakeAccount, family: string, revision: number, arn: string, delivery: Delivery = 'now', heard?: () => Promise<void>) => {
    const taskDefinition = { ...where.ecs.taskDefinitions.get(`${family}:${revision}`)!, taskDefinitionArn: arn };
    await sim.emit(inScope(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: sim.iso(), requestParameters: { family }, responseElements: { taskDefinition } }), scopeOf(where)), delivery, heard);
  };
  switch (o.op) {
    case 'run': {
      const d = sim.tagged(o.tag);
      if (!d) break;
      const where = accountFor(o.member, o.second);
      const family = `job${sim.tasks.length}`;
      const image = o.byDigest ? `${HOST}/${REPO}@${d}` : `${HOST}/${REPO}:${o.tag}`;
      for (const [revision, main] of [[1, image], [2, 'public.ecr.aws/docker/library/busybox:1']] as const) {
        await register(where, family, revision, where.ecs.addTaskDefinition(family, revision, { main }));
      }
      const task: SimTask = { id: family, family, digest: d, running: true, where };
      sim.tasks.push(task);
      // A start whose news is late or lost is unheard until it arrives or a live read of its account sees the task.
      const run: (typeof truth.runs)[number] = { task: family, digest: d, from: sim.nowMs(), account: where.accountId, ...(unheard(o.delivery) && { quiet: true as const }) };
      truth.runs.push(run);
      if (!o.byDigest) truth.tagRuns.push({ task: family, tag: o.tag, from: sim.nowMs() });
      await taskChange(sim, task, 'RUNNING', o.delivery ?? 'now', async () => { hear(run); });
      break;
    }
    case 'stop': {
      const task = sim.tasks.filter((x) => x.running)[o.task];
      if (!task) break;
      task.running = false;
      truth.runs.find((r) => r.task === task.id)!.to = sim.nowMs();
      for (const r of truth.tagRuns.filter((x) => x.task === task.id)) r.to = sim.nowMs();
      await taskChange(sim, task, 'STOPPED', o.delivery);
      break;
    }
    case 'schedule': {
      const d = sim.tagged(o.tag);
      if (!d) break;
      const where = accountFor(o.member, o.second);
      const family = `cron${(sim.schedules += 1)}`;
      const image = o.byDigest ? `${HOST}/${REPO}@${d}` : `${HOST}/${REPO}:${o.tag}`;
      // The registry's registrations are heard at once; a member's may come late or never (its live read finds it).
      const use: (typeof truth.schedules)[number] = { family, ...(o.byDigest ? { digest: d } : { tag: o.tag }), from: sim.nowMs(), account: where.accountId, ...(unheard(o.delivery) && { quiet: true as const }) };
      truth.schedules.push(use);
      await register(where, family, 1, where.ecs.addTaskDefinition(family, 1, { main: image }), o.delivery, async () => { hear(use); });
      break;
    }
    case 'unschedule': {
      const open = truth.schedules.filter((x) => x.to === undefined && x.who === undefined)[o.which]; // a schedule, not a report
      if (!open) break;
      open.to = sim.nowMs();
      const where = sim.members().find((m) => m.account.ecs.taskDefinitions.has(`${open.family}:1`))?.account ?? sim.registry;
      const td = where.ecs.taskDefinitions.get(`${open.family}:1`)!;
      where.ecs.taskDefinitions.set(`${open.family}:1`, { ...td, status: 'INACTIVE' });
      const event = cloudTrailEvent('ecs', 'DeregisterTaskDefinition', { time: sim.iso(), requestParameters: { taskDefinition: td.taskDefinitionArn }, responseElements: { taskDefinition: { ...td, status: 'INACTIVE' } } });
      await sim.emit(inScope(event, scopeOf(where)), o.delivery);
      break;
    }
    case 'forget': { // ECS forgets stopped tasks after about an hour, in every account
      for (const where of [sim.registry, ...sim.members().map((m) => m.account)]) {
        const cluster = where.ecs.clusters.get(where.ecs.clusterArn('prod'));
        for (const [arn, task] of cluster?.tasks ?? []) if (task.lastStatus === 'STOPPED') cluster!.tasks.delete(arn);
      }
      break;
    }
  }
}

/** A task's state change in its own account: ECS records it and EventBridge carries it (a member's, forwarded). */
async function taskChange(sim: Sim, task: SimTask, lastStatus: 'RUNNING' | 'STOPPED', delivery: Delivery, heard?: () => Promise<void>): Promise<void> {
  const { where } = task;
  const td = where.ecs.taskDefinitions.get(`${task.family}:1`)!;
  const taskArn = `arn:aws:ecs:${where.region}:${where.accountId}:task/prod/${task.id}`;
  const detail = {
    taskArn, clusterArn: where.ecs.clusterArn('prod'), taskDefinitionArn: td.taskDefinitionArn!, lastStatus, desiredStatus: lastStatus, version: lastStatus === 'RUNNING' ? 1 : 2,
    ...(lastStatus === 'STOPPED' && { stoppedAt: sim.iso() }), containers: [{ name: 'main', image: td.containerDefinitions![0]!.image!, imageDigest: task.digest }],
  };
  where.ecs.addTask('prod', { ...detail, stoppedAt: lastStatus === 'STOPPED' ? sim.now() : undefined } as never);
  await sim.emit(sim.envelope('ECS Task State Change', 'aws.ecs', detail, [taskArn], scopeOf(where)), delivery, heard);
}
