import { DescribeJobDefinitionsCommand, type BatchClient } from '@aws-sdk/client-batch';
import type { AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

/** Every ACTIVE AWS Batch job definition, trimmed to what names images (container, ECS and EKS properties). */
export async function readBatch(caller: AwsCaller, batch: BatchClient, progress?: (message: string) => void): Promise<Json[]> {
  const definitions = await caller.all('batch:DescribeJobDefinitions', async (nextToken) => {
    const page = await batch.send(new DescribeJobDefinitionsCommand({ status: 'ACTIVE', maxResults: 100, nextToken }));
    return { items: page.jobDefinitions, next: page.nextToken };
  });
  progress?.(`Batch: ${definitions.length} active job definitions`);
  return definitions.map((d) => jsonSafe({
    jobDefinitionArn: d.jobDefinitionArn, jobDefinitionName: d.jobDefinitionName, revision: d.revision, status: d.status,
    ...(d.containerProperties?.image && { containerProperties: { image: d.containerProperties.image } }),
    ...(d.ecsProperties && { ecsProperties: { taskProperties: (d.ecsProperties.taskProperties ?? []).map((t) => ({ containers: (t.containers ?? []).map((c) => ({ name: c.name, image: c.image })) })) } }),
    ...(d.eksProperties?.podProperties && { eksProperties: { podProperties: {
      containers: (d.eksProperties.podProperties.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
      initContainers: (d.eksProperties.podProperties.initContainers ?? []).map((c) => ({ name: c.name, image: c.image })),
    } } }),
  }));
}
