import type { AppRunnerServiceFact, BatchJobDefinitionFact } from '../../domain/facts.js';
import type { LedgerEvent } from '../../events/ledger-event.js';
import type { EventContext } from './context.js';

type Change<K extends LedgerEvent['change']['kind']> = Extract<LedgerEvent['change'], { kind: K }>;

/** A new job definition revision carries what it names: stored as it is (no lookup). */
export async function batchJobDefinitionRegistered(ctx: EventContext, change: Change<'batch-job-definition-registered'>): Promise<void> {
  await ctx.ledger.applyFact(ctx.scope, 'batch-job-definition', change.jobDefinition.jobDefinitionArn, change.jobDefinition, ctx.at);
}

/** Deregistered: it can no longer be submitted, so it stops protecting; its images are released now. */
export async function batchJobDefinitionDeregistered(ctx: EventContext, change: Change<'batch-job-definition-deregistered'>): Promise<void> {
  const held = await ctx.ledger.getFact(ctx.scope, 'batch-job-definition', change.jobDefinition);
  if (!held || held.deleted) return;
  const before = held.fact as unknown as BatchJobDefinitionFact;
  const result = await ctx.ledger.applyFact(ctx.scope, 'batch-job-definition', change.jobDefinition, { ...before, status: 'INACTIVE' }, ctx.at);
  if (result.applied) for (const c of before.containers) await ctx.release(c.image);
}

/** A service's new image source replaces the old one, which is released. */
export async function appRunnerServiceChanged(ctx: EventContext, change: Change<'apprunner-service-changed'>): Promise<void> {
  const result = await ctx.ledger.applyFact(ctx.scope, 'apprunner-service', change.service.serviceArn, change.service, ctx.at);
  const before = result.applied && result.previous && !result.previous.deleted ? (result.previous.fact as unknown as AppRunnerServiceFact) : undefined;
  if (before && before.image !== change.service.image) await ctx.release(before.image);
}

export async function appRunnerServiceDeleted(ctx: EventContext, change: Change<'apprunner-service-deleted'>): Promise<void> {
  const result = await ctx.ledger.applyFact(ctx.scope, 'apprunner-service', change.serviceArn, undefined, ctx.at);
  const before = result.applied && result.previous && !result.previous.deleted ? (result.previous.fact as unknown as AppRunnerServiceFact) : undefined;
  if (before) await ctx.release(before.image);
}
