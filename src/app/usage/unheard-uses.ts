import type { AccountFacts, LambdaFunctionFact, Scope, TaskDefinitionFact } from '../../domain/facts.js';
import type { EventLedger } from '../ports.js';

/**
 * Uses a live read finds that the ledger does not hold — their news lost or late, no reconcile since: task-definition
 * revisions it lacks, and Lambda versions it lacks or holds with other code. Stored by whoever reads them first, so
 * that their end is noticed by whoever reads next (the sweep's live check reads them; found by the simulator, seed
 * 689: a function version seen only by sweeps, then deleted unheard, left no trace and its image lost its grace).
 */
export interface UnheardUses {
  readonly taskDefinitions: readonly TaskDefinitionFact[];
  readonly lambdaFunctions: readonly LambdaFunctionFact[];
}

export function usesTheLedgerLacks(ledger: Pick<AccountFacts, 'taskDefinitions' | 'lambdaFunctions'>, live: Pick<AccountFacts, 'taskDefinitions' | 'lambdaFunctions'>): UnheardUses {
  const revisions = new Set(ledger.taskDefinitions.map((td) => `${td.family}:${td.revision}`));
  const versions = new Map(ledger.lambdaFunctions.map((fn) => [fn.functionArn, fn]));
  return {
    taskDefinitions: live.taskDefinitions.filter((td) => td.status === 'ACTIVE' && !revisions.has(`${td.family}:${td.revision}`)),
    lambdaFunctions: live.lambdaFunctions.filter((fn) => {
      const held = versions.get(fn.functionArn);
      return held === undefined || held.resolvedImageUri !== fn.resolvedImageUri || held.imageUri !== fn.imageUri;
    }),
  };
}

/** Stores uses the ledger lacks in their scope (as the events that were lost would have), at the time of the read. */
export async function storeUnheardUses(events: EventLedger, scope: Scope, uses: UnheardUses, now: string): Promise<void> {
  for (const td of uses.taskDefinitions) await events.applyFact(scope, 'task-definition', `${td.family}:${td.revision}`, td, now);
  for (const fn of uses.lambdaFunctions) await events.applyFact(scope, 'lambda-function', fn.functionArn, fn, now);
}
