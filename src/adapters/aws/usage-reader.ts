import type { CheckpointEntry } from '../../app/ports.js';
import type { Config } from '../../config.js';
import { scopeMatcher } from '../../domain/scope.js';
import type { KnownFacts } from '../../snapshot/from-facts.js';
import type { AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { readEcsRuntime, type EcsRuntimeRead } from './ecs-reader.js';
import { readLambda, type LambdaRead } from './lambda-reader.js';
import { readTaskDefinitions } from './task-definition-reader.js';
import { readBatch } from './batch-reader.js';
import { readAppRunner } from './apprunner-reader.js';
import { readInspector } from './inspector-reader.js';

type Json = Record<string, unknown>;

export interface UsageReadOptions {
  readonly scope: Config['scope'];
  /** Opt-in evidence (Inspector) and what it needs: the registry's account and the time of the read. */
  readonly evidence?: { readonly config: Config['evidence']; readonly accountId: string; readonly now: Date };
  readonly known: KnownFacts;
  readonly warn: (message: string) => void;
  readonly progress?: (message: string) => void;
  /** Called with every task definition and published Lambda version fetched (to checkpoint them). */
  readonly onImmutableRead?: (entry: CheckpointEntry) => Promise<void>;
}

/** Task definitions services, service revisions and tasks still name: read even when no longer ACTIVE. */
function referencedTaskDefinitions(runtime: EcsRuntimeRead): Set<string> {
  const named = (list: unknown) => ((list as Json[] | undefined) ?? []).map((d) => String(d.taskDefinition));
  return new Set([
    ...runtime.services.flatMap((s) => [...named(s.deployments), ...named(s.taskSets)]),
    ...runtime.serviceRevisions.map((r) => String(r.taskDefinition)),
    ...runtime.tasks.map((t) => String(t.taskDefinitionArn)),
  ]);
}

/**
 * What uses images, as snapshot sections: ECS (services, deployments, revisions, tasks, task definitions), Lambda
 * (versions, aliases), AWS Batch job definitions and App Runner services, reusing the immutable facts `known` holds. The reconcile and the sweep's live check share it.
 */
export async function readUsageSections(caller: AwsCaller, clients: AwsClients, options: UsageReadOptions): Promise<{ ecs: EcsRuntimeRead & { taskDefinitions: Json[] }; lambda: LambdaRead; batch?: { jobDefinitions: Json[] }; apprunner?: { services: Json[] }; inspector?: { coverage: Json[] } }> {
  const { known, warn, onImmutableRead } = options;
  const progress = options.progress && { progress: options.progress };
  const ecs = async () => {
    const runtime = await readEcsRuntime(caller, clients.ecs, { inScope: scopeMatcher(options.scope.clusters), knownServiceRevision: known.serviceRevision, warn, ...progress });
    const taskDefinitions = await readTaskDefinitions(caller, clients.ecs, {
      referenced: referencedTaskDefinitions(runtime), known: known.taskDefinition, warn, ...progress,
      ...(onImmutableRead && { onDescribed: (fragment: Json) => onImmutableRead({ kind: 'task-definition', id: `${String(fragment.family)}:${String(fragment.revision)}`, fragment }) }),
    });
    return { ...runtime, taskDefinitions };
  };
  const inspectorDays = options.evidence?.config.inspector?.keepInUseWithinDays;
  const [ecsRead, lambda, batch, apprunner, inspector] = await Promise.all([
    ecs(),
    readLambda(caller, clients.lambda, {
      inScope: scopeMatcher(options.scope.functions), knownVersion: known.lambdaVersion, ...progress,
      ...(onImmutableRead && { onVersionRead: (id: string, fragment: Json) => onImmutableRead({ kind: 'lambda-version', id, fragment }) }),
    }),
    options.scope.batch ? readBatch(caller, clients.batch, options.progress) : undefined,
    options.scope.appRunner ? readAppRunner(caller, clients.apprunner, warn, options.progress) : undefined,
    inspectorDays !== undefined && options.evidence
      ? readInspector(caller, clients.inspector, { accountId: options.evidence.accountId, withinDays: inspectorDays, now: options.evidence.now, warn })
      : undefined,
  ]);
  return {
    ecs: ecsRead, lambda, ...(batch && { batch: { jobDefinitions: batch } }), ...(apprunner && { apprunner: { services: apprunner } }),
    ...(inspector && { inspector: { coverage: inspector } }),
  };
}
