import type { AccountFacts, ServiceDeploymentFact, ServiceFact, ServiceRevisionFact, TaskDefinitionFact } from './facts.js';
import { groupBy } from './group-by.js';
import { isTaskProtecting } from './task-state.js';

export interface WindowOptions {
  readonly rollbackRevisions: number;
  readonly keepLatestRevisions: number;
  readonly stoppedTaskRetentionHours: number;
  readonly now: string;
}

export interface RevisionVerdict {
  readonly protecting: boolean;
  readonly reasons: readonly string[];
  /** True when a service, task set or task runs this revision: its tags then protect what they point to now. */
  readonly inUse: boolean;
}

/** `arn:aws:ecs:…:task-definition/app:9` or `app:9` → `app:9`. */
export function taskDefinitionKey(reference: string): string {
  const slash = reference.lastIndexOf('task-definition/');
  return slash >= 0 ? reference.slice(slash + 'task-definition/'.length) : reference;
}

/** Lookups over a scope's ECS facts, built once per evaluation. */
export interface EcsIndex {
  readonly revisionsByArn: ReadonlyMap<string, ServiceRevisionFact>;
  readonly deploymentsByService: ReadonlyMap<string, readonly ServiceDeploymentFact[]>;
}

/** Indexes service revisions by ARN and service deployments by service. */
export function indexEcs(facts: AccountFacts): EcsIndex {
  const deploymentsByService = groupBy(facts.serviceDeployments, (d) => d.serviceArn);
  return { revisionsByArn: new Map(facts.serviceRevisions.map((rev) => [rev.serviceRevisionArn, rev])), deploymentsByService };
}

/** The task-definition revisions a service deploys now (deployments, task sets, current service revisions). */
export function revisionsInService(ecs: EcsIndex, service: ServiceFact): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (taskDefinition: string, why: string) => {
    const key = taskDefinitionKey(taskDefinition);
    uses.set(key, [...(uses.get(key) ?? []), why]);
  };
  for (const d of service.deployments) {
    if (d.status === 'PRIMARY' || d.status === 'ACTIVE') add(d.taskDefinition, `service ${service.serviceName} deploys it (${d.status} deployment ${d.id})`);
  }
  for (const ts of service.taskSets) add(ts.taskDefinition, `task set ${ts.taskSetArn} of service ${service.serviceName} runs it (${ts.status})`);
  for (const arn of service.currentServiceRevisionArns) {
    const rev = ecs.revisionsByArn.get(arn);
    if (rev) add(rev.taskDefinition, `service ${service.serviceName} runs it (current service revision)`);
  }
  return uses;
}

/** The task definition of a service's last successful deployment: what the circuit breaker rolls back to. */
export function lastCompletedRevision(ecs: EcsIndex, service: ServiceFact): { taskDefinition: string; revisionArn?: string } | undefined {
  const successful = (ecs.deploymentsByService.get(service.serviceArn) ?? [])
    .filter((d) => d.status === 'SUCCESSFUL' && d.targetServiceRevisionArn !== undefined)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? '') || b.serviceDeploymentArn.localeCompare(a.serviceDeploymentArn));
  for (const deployment of successful) {
    const rev = ecs.revisionsByArn.get(deployment.targetServiceRevisionArn!);
    if (rev) return { taskDefinition: rev.taskDefinition, revisionArn: rev.serviceRevisionArn };
  }
  const completed = service.deployments.find((d) => d.rolloutState === 'COMPLETED');
  return completed ? { taskDefinition: completed.taskDefinition } : undefined;
}

function groupByFamily(taskDefinitions: readonly TaskDefinitionFact[]): Map<string, TaskDefinitionFact[]> {
  const families = groupBy(taskDefinitions, (td) => td.family);
  for (const revisions of families.values()) revisions.sort((a, b) => b.revision - a.revision);
  return families;
}

/**
 * Decides, per task-definition revision (`family:revision`), whether it protects its images:
 * the family protection window of design.md, plus every revision a service, task set or task still runs.
 */
export function protectionWindow(facts: AccountFacts, options: WindowOptions): Map<string, RevisionVerdict> {
  const reasons = new Map<string, string[]>();
  const inUse = new Set<string>();
  const note = (key: string, why: string) => reasons.set(key, [...(reasons.get(key) ?? []), why]);

  const ecs = indexEcs(facts);
  const serviceUse = new Map<string, string[]>();
  for (const service of facts.services) {
    for (const [key, whys] of revisionsInService(ecs, service)) serviceUse.set(key, [...(serviceUse.get(key) ?? []), ...whys]);
    const last = lastCompletedRevision(ecs, service);
    if (last) note(taskDefinitionKey(last.taskDefinition), `last completed deployment of service ${service.serviceName} (the circuit breaker rolls back to it)`);
  }
  for (const [key, whys] of serviceUse) {
    inUse.add(key);
    whys.forEach((why) => note(key, why));
  }
  for (const task of facts.tasks) {
    if (!isTaskProtecting(task, options).protecting) continue;
    const key = taskDefinitionKey(task.taskDefinitionArn);
    inUse.add(key);
    note(key, `task ${task.taskArn} runs it (${task.lastStatus})`);
  }

  const oldestInServiceByFamily = new Map<string, number>();
  for (const key of serviceUse.keys()) {
    const colon = key.lastIndexOf(':');
    const family = key.slice(0, colon);
    oldestInServiceByFamily.set(family, Math.min(oldestInServiceByFamily.get(family) ?? Infinity, Number(key.slice(colon + 1))));
  }
  for (const [family, revisions] of groupByFamily(facts.taskDefinitions)) {
    const active = revisions.filter((td) => td.status === 'ACTIVE');
    const oldestInService = oldestInServiceByFamily.get(family) ?? Infinity;
    if (Number.isFinite(oldestInService)) {
      const newest = active[0];
      for (const td of active.filter((t) => t.revision >= oldestInService)) {
        if (td === newest) note(`${family}:${td.revision}`, 'newest ACTIVE revision of its family');
        else if (!serviceUse.has(`${family}:${td.revision}`)) note(`${family}:${td.revision}`, `between the newest revision and ${family}:${oldestInService}, which a service runs`);
      }
      for (const td of active.filter((t) => t.revision < oldestInService).slice(0, options.rollbackRevisions)) {
        note(`${family}:${td.revision}`, `rollback target below ${family}:${oldestInService} (rollbackRevisions ${options.rollbackRevisions})`);
      }
    } else {
      for (const td of active.slice(0, options.keepLatestRevisions)) {
        note(`${family}:${td.revision}`, `among the ${options.keepLatestRevisions} newest ACTIVE revisions of a family no service uses (standalone and scheduled tasks launch the newest)`);
      }
    }
  }

  const verdicts = new Map<string, RevisionVerdict>();
  for (const td of facts.taskDefinitions) {
    const key = `${td.family}:${td.revision}`;
    const why = reasons.get(key);
    if (why) verdicts.set(key, { protecting: true, reasons: why, inUse: inUse.has(key) });
    else if (td.status !== 'ACTIVE') verdicts.set(key, { protecting: false, reasons: [`${td.status} (deregistered) and nothing runs it`], inUse: false });
    else verdicts.set(key, { protecting: false, reasons: ["ACTIVE but outside its family's protection window"], inUse: false });
  }
  return verdicts;
}
