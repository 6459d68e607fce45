import { RefusedError } from '../../errors.js';
import type { LedgerEvent } from '../../events/ledger-event.js';
import { EventContext, type EventDeps } from './context.js';
import type { EventLedger } from '../ports.js';
import { archivedReferences, restoreOnUse } from '../undo/restore-on-use.js';
import { appRunnerServiceChanged, appRunnerServiceDeleted, batchJobDefinitionDeregistered, batchJobDefinitionRegistered } from './consumer-changes.js';
import { imageDeleted, imagePushed, imageStorageClass, repositoryDeleted } from './ecr-changes.js';
import { serviceChanged, taskDefinitionRegistered, taskDefinitionStatus, taskFamilyChanged, taskState } from './ecs-changes.js';
import { lambdaAliasChanged, lambdaAliasDeleted, lambdaFunctionDeleted, lambdaVersionsChanged } from './lambda-changes.js';

export type { EventDeps } from './context.js';

/**
 * Applies one event to the ledger: the one application service behind every handler and `ingest`.
 * Each write is conditional on the ledger holding no newer news, so duplicates and reordering converge.
 */
export async function applyEvent(deps: EventDeps, event: LedgerEvent): Promise<void> {
  if (deps.admits && !(await deps.admits({ accountId: event.accountId, region: event.region }))) {
    throw new RefusedError(`refused: account ${event.accountId}, region ${event.region} is not an account and region the organisation config names; nothing was written`);
  }
  const scope = { accountId: event.accountId, region: event.region };
  if (!deps.archived) return applyChange(new EventContext(deps, scope, event.at, event.eventId), event.change);
  // What the change wrote: an image it refers to that is archived is restored at once (its next pull would fail).
  const written: Array<{ kind: string; fact: object }> = [];
  const ledger: EventLedger = Object.assign(Object.create(deps.ledger) as EventLedger, {
    applyFact: (...args: Parameters<EventLedger['applyFact']>) => {
      if (args[3] !== undefined) written.push({ kind: args[1], fact: args[3] });
      return deps.ledger.applyFact(...args);
    },
  });
  await applyChange(new EventContext({ ...deps, ledger }, scope, event.at, event.eventId), event.change);
  if (written.length === 0) return;
  await restoreOnUse(deps.archived.restore, await archivedReferences(deps.archived.index(), scope, written));
}

function applyChange(ctx: EventContext, change: LedgerEvent['change']): Promise<void> {
  switch (change.kind) {
    case 'image-pushed': return imagePushed(ctx, change);
    case 'image-deleted': return imageDeleted(ctx, change);
    case 'image-storage-class': return imageStorageClass(ctx, change);
    case 'repository-deleted': return repositoryDeleted(ctx, change);
    case 'task-state': return taskState(ctx, change);
    case 'service-changed': return serviceChanged(ctx, change);
    case 'task-definition-registered': return taskDefinitionRegistered(ctx, change);
    case 'task-family-changed': return taskFamilyChanged(ctx, change);
    case 'task-definition-status': return taskDefinitionStatus(ctx, change);
    case 'lambda-versions-changed': return lambdaVersionsChanged(ctx, change);
    case 'lambda-alias-changed': return lambdaAliasChanged(ctx, change);
    case 'lambda-alias-deleted': return lambdaAliasDeleted(ctx, change);
    case 'lambda-function-deleted': return lambdaFunctionDeleted(ctx, change);
    case 'batch-job-definition-registered': return batchJobDefinitionRegistered(ctx, change);
    case 'batch-job-definition-deregistered': return batchJobDefinitionDeregistered(ctx, change);
    case 'apprunner-service-changed': return appRunnerServiceChanged(ctx, change);
    case 'apprunner-service-deleted': return appRunnerServiceDeleted(ctx, change);
  }
}
