import { DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, type ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs';
import { taskDefinitionKey } from '../../domain/protection-window.js';
import { AwsCallError, mapConcurrent, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

export interface TaskDefinitionReadOptions {
  /** Task definitions services and tasks name (ARN or `family:revision`); read even when no longer ACTIVE. */
  readonly referenced: ReadonlySet<string>;
  /** Revisions already known (their containers never change), by `family:revision`: not described again. */
  readonly known?: (key: string) => Json | undefined;
  /** Called with each revision described, so that a long first read can be checkpointed. */
  readonly onDescribed?: (taskDefinition: Json) => void | Promise<void>;
  readonly warn: (message: string) => void;
  readonly progress?: (message: string) => void;
}

/** Keeps the fields ecr-ledger reads: container definitions also hold environment variables, which are not copied. */
function taskDefinitionFields(td: TaskDefinition): Json {
  return jsonSafe({
    taskDefinitionArn: td.taskDefinitionArn, family: td.family, revision: td.revision, status: td.status,
    registeredAt: td.registeredAt, deregisteredAt: td.deregisteredAt,
    containerDefinitions: td.containerDefinitions?.map((c) => ({ name: c.name, image: c.image })),
  });
}

/**
 * Every ACTIVE revision (the family protection window is computed from them) and every other revision
 * something still runs. A revision already known is never described again; only its status is refreshed:
 * a known revision that is no longer listed ACTIVE has been deregistered.
 */
export async function readTaskDefinitions(caller: AwsCaller, ecs: ECSClient, options: TaskDefinitionReadOptions): Promise<Json[]> {
  const activeArns = await caller.all('ecs:ListTaskDefinitions', async (nextToken) => {
    const page = await ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE', maxResults: 100, nextToken }));
    return { items: page.taskDefinitionArns, next: page.nextToken };
  });
  const wanted = new Map<string, { arn: string; active: boolean }>(activeArns.map((arn) => [taskDefinitionKey(arn), { arn, active: true }]));
  for (const ref of options.referenced) if (!wanted.has(taskDefinitionKey(ref))) wanted.set(taskDefinitionKey(ref), { arn: ref, active: false });

  const result: Json[] = [];
  const toDescribe: Array<{ arn: string; active: boolean }> = [];
  for (const [key, entry] of wanted) {
    const known = options.known?.(key);
    if (!known) toDescribe.push(entry);
    else result.push({ ...known, status: entry.active ? 'ACTIVE' : known.status === 'ACTIVE' ? 'INACTIVE' : known.status });
  }
  let described = 0;
  await mapConcurrent(toDescribe, 4, async ({ arn, active }) => {
    try {
      const { taskDefinition } = await caller.call('ecs:DescribeTaskDefinition', () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })));
      const fields = taskDefinitionFields(taskDefinition!);
      result.push(fields);
      await options.onDescribed?.(fields);
    } catch (error) {
      // A deleted revision a service or task still names: ECS no longer describes it. Digests ECS reports stay protected.
      if (active || !(error instanceof AwsCallError && error.code === 'ClientException')) throw error;
      options.warn(`task definition ${arn} could not be described (${error.message}); the tags it names are not protected, the digests its tasks and service revisions report are`);
    }
    if (++described % 500 === 0 || described === toDescribe.length) options.progress?.(`ECS: ${described}/${toDescribe.length} task definitions described (${wanted.size - toDescribe.length} already known)`);
  });
  return result.sort((a, b) => String(a.family).localeCompare(String(b.family)) || Number(a.revision) - Number(b.revision));
}
