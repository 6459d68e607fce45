import {
  DescribeServiceRevisionsCommand, DescribeServicesCommand, DescribeTasksCommand, ListClustersCommand, ListServiceDeploymentsCommand,
  ListServicesCommand, ListTasksCommand, type ECSClient, type Failure, type Service, type ServiceDeploymentBrief, type Task,
} from '@aws-sdk/client-ecs';
import { clusterName } from '../../domain/scope.js';
import { AwsReadError } from '../../errors.js';
import { AwsCallError, chunks, mapConcurrent, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

/** What ECS runs now: services with their deployments, the last successful service deployments, service revisions, tasks. */
export interface EcsRuntimeRead {
  services: Json[];
  serviceDeployments: Json[];
  serviceRevisions: Json[];
  tasks: Json[];
}

export interface EcsReadOptions {
  readonly inScope: (clusterName: string) => boolean;
  /** Service revisions already known (they are immutable), by ARN: not described again. */
  readonly knownServiceRevision?: (arn: string) => Json | undefined;
  readonly warn: (message: string) => void;
  readonly progress?: (message: string) => void;
}

/** Keeps only the fields ecr-ledger reads (task and service objects also carry network and environment details). */
function serviceFields(s: Service): Json {
  return jsonSafe({
    serviceArn: s.serviceArn, serviceName: s.serviceName, clusterArn: s.clusterArn, status: s.status,
    deployments: s.deployments?.map((d) => ({ id: d.id, status: d.status, taskDefinition: d.taskDefinition, rolloutState: d.rolloutState, createdAt: d.createdAt, updatedAt: d.updatedAt })),
    taskSets: s.taskSets?.map((t) => ({ taskSetArn: t.taskSetArn, status: t.status, taskDefinition: t.taskDefinition })),
    currentServiceRevisions: s.currentServiceRevisions?.map((r) => ({ arn: r.arn })),
  });
}

function taskFields(t: Task): Json {
  return jsonSafe({
    taskArn: t.taskArn, clusterArn: t.clusterArn, taskDefinitionArn: t.taskDefinitionArn, lastStatus: t.lastStatus, desiredStatus: t.desiredStatus,
    startedAt: t.startedAt, stoppedAt: t.stoppedAt, group: t.group, startedBy: t.startedBy,
    containers: t.containers?.map((c) => ({ name: c.name, image: c.image, imageDigest: c.imageDigest })),
  });
}

function deploymentFields(d: ServiceDeploymentBrief): Json {
  return jsonSafe({
    serviceDeploymentArn: d.serviceDeploymentArn, serviceArn: d.serviceArn, clusterArn: d.clusterArn, status: d.status,
    targetServiceRevision: d.targetServiceRevisionArn === undefined ? undefined : { arn: d.targetServiceRevisionArn },
    createdAt: d.createdAt, startedAt: d.startedAt, finishedAt: d.finishedAt,
  });
}

/** A resource deleted between List and Describe is simply gone (MISSING); any other failure leaves the picture incomplete. */
function checkFailures(api: string, failures: Failure[] | undefined): void {
  const real = (failures ?? []).filter((f) => f.reason !== 'MISSING');
  if (real.length > 0) throw new AwsReadError(`${api}: ${real.length} item(s) could not be read, e.g. ${real[0]!.arn}: ${real[0]!.reason} ${real[0]!.detail ?? ''}`.trim());
}

/** Calls an API that only sharpens protection; when it is denied or unsupported, warns once and returns undefined. */
async function optional<T>(api: string, weaker: string, warned: Set<string>, warn: (m: string) => void, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof AwsCallError && error.denied)) throw error;
    if (!warned.has(api)) warn(`${api} is not allowed or not supported (${error.code}): ${weaker}`);
    warned.add(api);
    return undefined;
  }
}

async function readCluster(caller: AwsCaller, ecs: ECSClient, cluster: string, out: EcsRuntimeRead): Promise<Service[]> {
  const serviceArns = await caller.all('ecs:ListServices', async (nextToken) => {
    const page = await ecs.send(new ListServicesCommand({ cluster, maxResults: 100, nextToken }));
    return { items: page.serviceArns, next: page.nextToken };
  });
  const services = (await mapConcurrent(chunks(serviceArns, 10), 2, async (batch) => {
    const result = await caller.call('ecs:DescribeServices', () => ecs.send(new DescribeServicesCommand({ cluster, services: batch })));
    checkFailures('ecs:DescribeServices', result.failures);
    return result.services ?? [];
  })).flat();
  const taskArns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    taskArns.push(...await caller.all('ecs:ListTasks', async (nextToken) => {
      const page = await ecs.send(new ListTasksCommand({ cluster, desiredStatus, maxResults: 100, nextToken }));
      return { items: page.taskArns, next: page.nextToken };
    }));
  }
  const tasks = (await mapConcurrent(chunks([...new Set(taskArns)], 100), 2, async (batch) => {
    const result = await caller.call('ecs:DescribeTasks', () => ecs.send(new DescribeTasksCommand({ cluster, tasks: batch })));
    checkFailures('ecs:DescribeTasks', result.failures);
    return result.tasks ?? [];
  })).flat();
  out.services.push(...services.map(serviceFields));
  out.tasks.push(...tasks.map(taskFields));
  return services;
}

/** Reads every in-scope cluster's services, tasks, last successful service deployments and the service revisions they name. */
export async function readEcsRuntime(caller: AwsCaller, ecs: ECSClient, options: EcsReadOptions): Promise<EcsRuntimeRead> {
  const out: EcsRuntimeRead = { services: [], serviceDeployments: [], serviceRevisions: [], tasks: [] };
  const clusters = (await caller.all('ecs:ListClusters', async (nextToken) => {
    const page = await ecs.send(new ListClustersCommand({ maxResults: 100, nextToken }));
    return { items: page.clusterArns, next: page.nextToken };
  })).filter((arn) => options.inScope(clusterName(arn)));
  const services: Service[] = [];
  let done = 0;
  await mapConcurrent(clusters, 2, async (cluster) => {
    services.push(...await readCluster(caller, ecs, cluster, out));
    options.progress?.(`ECS: ${++done}/${clusters.length} clusters, ${out.services.length} services, ${out.tasks.length} tasks`);
  });

  await readServiceHistory(caller, ecs, services, options, out);
  return out;
}

/** The last successful deployment of each service and the service revisions that it and the service's current state name. */
async function readServiceHistory(caller: AwsCaller, ecs: ECSClient, services: readonly Service[], options: Pick<EcsReadOptions, 'knownServiceRevision' | 'warn'>, out: EcsRuntimeRead): Promise<void> {
  const warned = new Set<string>();
  const lastSuccessful = await mapConcurrent(services, 4, (service) =>
    optional('ecs:ListServiceDeployments', 'the last completed deployment of each service (the circuit-breaker rollback target) is not known; only rollbackRevisions protect older revisions', warned, options.warn, async () => {
      const successful = await caller.all('ecs:ListServiceDeployments', async (nextToken) => {
        const page = await ecs.send(new ListServiceDeploymentsCommand({ service: service.serviceArn!, cluster: service.clusterArn!, status: ['SUCCESSFUL'], maxResults: 100, nextToken }));
        return { items: page.serviceDeployments, next: page.nextToken };
      });
      // The latest to finish; of two that finished together, the later started (what ECS would roll back to now).
      return successful.sort((a, b) => (b.finishedAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? 0) || (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0))[0];
    }));
  for (const deployment of lastSuccessful) if (deployment) out.serviceDeployments.push(deploymentFields(deployment));

  const revisionArns = new Set<string>([
    ...services.flatMap((s) => (s.currentServiceRevisions ?? []).map((r) => r.arn!)),
    ...lastSuccessful.flatMap((d) => (d?.targetServiceRevisionArn ? [d.targetServiceRevisionArn] : [])),
  ]);
  const toDescribe: string[] = [];
  for (const arn of revisionArns) {
    const known = options.knownServiceRevision?.(arn);
    if (known) out.serviceRevisions.push(known);
    else toDescribe.push(arn);
  }
  await mapConcurrent(chunks(toDescribe, 20), 4, (batch) =>
    optional('ecs:DescribeServiceRevisions', 'the digests ECS pinned for each deployment are not known; tags protect what they point to now', warned, options.warn, async () => {
      const result = await caller.call('ecs:DescribeServiceRevisions', () => ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })));
      checkFailures('ecs:DescribeServiceRevisions', result.failures);
      for (const rev of result.serviceRevisions ?? []) {
        out.serviceRevisions.push(jsonSafe({
          serviceRevisionArn: rev.serviceRevisionArn, serviceArn: rev.serviceArn, clusterArn: rev.clusterArn, taskDefinition: rev.taskDefinition,
          containerImages: rev.containerImages?.map((c) => ({ containerName: c.containerName, image: c.image, imageDigest: c.imageDigest })), createdAt: rev.createdAt,
        }));
      }
    }));
}

/** The runtime read of services already described (the event path: one service at a time). */
export async function readEcsRuntimeOf(caller: AwsCaller, ecs: ECSClient, services: readonly Service[], warn: (message: string) => void): Promise<EcsRuntimeRead> {
  const out: EcsRuntimeRead = { services: services.map(serviceFields), serviceDeployments: [], serviceRevisions: [], tasks: [] };
  await readServiceHistory(caller, ecs, services, { warn }, out);
  return out;
}
