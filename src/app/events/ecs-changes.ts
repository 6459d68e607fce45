import type { TaskDefinitionFact } from '../../domain/facts.js';
import { taskDefinitionKey } from '../../domain/protection-window.js';
import type { LedgerChange } from '../../events/ledger-event.js';
import type { StoredFact } from '../ports.js';
import type { EventContext } from './context.js';

type Change<K extends LedgerChange['kind']> = Extract<LedgerChange, { kind: K }>;
const HOUR = 3_600_000;

async function releaseTaskDefinition(ctx: EventContext, td: TaskDefinitionFact | undefined): Promise<void> {
  for (const container of td?.containers ?? []) await ctx.release(container.image);
}

/** A task's state: the digests it runs stay protected until `stoppedTaskRetentionHours` after it stopped. */
export async function taskState(ctx: EventContext, change: Change<'task-state'>): Promise<void> {
  const { task } = change;
  await ctx.ledger.applyFact(ctx.scope, 'task', task.taskArn, task, ctx.at, change.version);
  // Stamped whether or not the fact was news: a reconcile that read the task STOPPED first made this event "older
  // news", and its retention must outlive ECS forgetting the task all the same (a stamp only ever moves later).
  if (task.lastStatus === 'STOPPED') {
    const stoppedAt = Date.parse(task.stoppedAt ?? ctx.at);
    const until = new Date(stoppedAt + ctx.deps.config.ecs.stoppedTaskRetentionHours * HOUR).toISOString();
    const seen = new Set<string>();
    for (const container of task.containers) {
      if (!container.imageDigest || seen.has(container.imageDigest)) continue;
      seen.add(container.imageDigest);
      await ctx.release(container.image, until, container.imageDigest);
    }
  }
}

/** A new revision. For a family no service uses, the revision that falls out of `keepLatestRevisions` is released. */
export async function taskDefinitionRegistered(ctx: EventContext, change: Change<'task-definition-registered'>): Promise<void> {
  const td = change.taskDefinition;
  const result = await ctx.ledger.applyFact(ctx.scope, 'task-definition', `${td.family}:${td.revision}`, td, ctx.at);
  if (!result.applied || result.previous) return; // a repeat of a registration already recorded
  const active = (await ctx.ledger.group(ctx.scope, { family: td.family }))
    .map((f) => f.fact as unknown as TaskDefinitionFact).filter((t) => t.status === 'ACTIVE').sort((a, b) => b.revision - a.revision);
  await releaseTaskDefinition(ctx, active[ctx.deps.config.ecs.keepLatestRevisions]);
}

export async function taskFamilyChanged(ctx: EventContext, change: Change<'task-family-changed'>): Promise<void> {
  const lookups = ctx.online(`reading the new revisions of family ${change.family}`);
  for (const td of (await lookups?.familyRevisions(change.family)) ?? []) {
    await taskDefinitionRegistered(ctx, { kind: 'task-definition-registered', taskDefinition: td });
  }
}

/** Deregistered or being deleted: the revision protects nothing unless something still runs it. */
export async function taskDefinitionStatus(ctx: EventContext, change: Change<'task-definition-status'>): Promise<void> {
  for (const ref of change.taskDefinitions) {
    const key = taskDefinitionKey(ref);
    const known = await ctx.ledger.getFact(ctx.scope, 'task-definition', key);
    if (!known || known.deleted) {
      ctx.deps.warn(`event ${ctx.eventId}: task definition ${key} is not in the ledger; its status change waits for the next reconcile`);
      continue;
    }
    const td = known.fact as unknown as TaskDefinitionFact;
    const result = await ctx.ledger.applyFact(ctx.scope, 'task-definition', key, { ...td, status: change.status }, ctx.at);
    if (result.applied) await releaseTaskDefinition(ctx, td);
  }
}

/** A service named without its ARN (CloudTrail request parameters) → its ARN, so that a removal finds the fact. */
function serviceArnOf(ctx: EventContext, cluster: string, service: string): string {
  if (service.startsWith('arn:')) return service;
  const clusterName = cluster.includes('cluster/') ? cluster.slice(cluster.indexOf('cluster/') + 8) : cluster;
  const partition = cluster.startsWith('arn:') ? cluster.split(':')[1] : 'aws';
  return `arn:${partition}:ecs:${ctx.scope.region}:${ctx.scope.accountId}:service/${clusterName}/${service}`;
}

const asTaskDefinition = (stored: StoredFact | undefined) => (stored && !stored.deleted ? (stored.fact as unknown as TaskDefinitionFact) : undefined);

/** A service changed (deployment, task set, update, delete): read it from ECS and release what it no longer deploys. */
export async function serviceChanged(ctx: EventContext, change: Change<'service-changed'>): Promise<void> {
  // Offline, the service a CreateService/UpdateService response carries is applied as it is (deployments and task
  // definition; the service revisions and deployment history wait for the next reconcile).
  const lookups = change.carried ? ctx.deps.lookups : ctx.online(`reading service ${change.service}`);
  if (!lookups && !change.carried) return;
  if (!lookups) ctx.deps.warn(`event ${ctx.eventId}: offline, so the service revisions of ${change.service} are not read; the next reconcile adds them`);
  const read = lookups ? await lookups.describeService(change.cluster, change.service) : { service: change.carried!, revisions: [] };
  const serviceArn = read?.service.serviceArn ?? serviceArnOf(ctx, change.cluster, change.service);
  for (const revision of read?.revisions ?? []) await ctx.ledger.applyFact(ctx.scope, 'service-revision', revision.serviceRevisionArn, revision, ctx.at);
  if (read?.deployment) await ctx.ledger.applyFact(ctx.scope, 'service-deployment', read.deployment.serviceDeploymentArn, read.deployment, ctx.at);
  // A revision it deploys that the ledger never heard registered (ECS registers an Express service's own, and a
  // RegisterTaskDefinition event may be lost): read its family now, so that what the service runs is known at once.
  if (lookups) {
    for (const d of read?.service.deployments ?? []) {
      const key = taskDefinitionKey(d.taskDefinition);
      if (!(await ctx.ledger.getFact(ctx.scope, 'task-definition', key))) await taskFamilyChanged(ctx, { kind: 'task-family-changed', family: key.slice(0, key.lastIndexOf(':')) });
    }
  }
  const result = await ctx.ledger.applyFact(ctx.scope, 'service', serviceArn, read?.service, ctx.at);
  if (!result.applied || !result.previous || result.previous.deleted) return;
  const before = new Set((result.previous.fact.deployments as Array<{ taskDefinition: string }> | undefined ?? []).map((d) => taskDefinitionKey(d.taskDefinition)));
  const now = new Set((read?.service.deployments ?? []).map((d) => taskDefinitionKey(d.taskDefinition)));
  const left = [...before].filter((key) => !now.has(key));
  for (const key of left) await releaseTaskDefinition(ctx, asTaskDefinition(await ctx.ledger.getFact(ctx.scope, 'task-definition', key)));
  // The revisions the service may roll back to move on too: the one that leaves the rollback window is released now
  // (each revision a few below those that left, not deployed now: a stamp on one still protected changes nothing).
  const depth = ctx.deps.config.ecs.rollbackRevisions + 1;
  for (const key of left) {
    const [family, revision] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
    for (let r = revision - depth; r < revision; r += 1) {
      if (r < 1 || now.has(`${family}:${r}`) || left.includes(`${family}:${r}`)) continue;
      await releaseTaskDefinition(ctx, asTaskDefinition(await ctx.ledger.getFact(ctx.scope, 'task-definition', `${family}:${r}`)));
    }
  }
}
