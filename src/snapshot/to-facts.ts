import { readManifestLinks } from '../domain/manifest.js';
import type { Scope, AccountFacts, AppRunnerServiceFact, BatchJobDefinitionFact, ImageFact, InspectorEvidenceFact, LambdaFunctionFact, ServiceFact } from '../domain/facts.js';
import { SnapshotError } from '../errors.js';
import type * as z from 'zod';
import type { Snapshot, SnapshotImageDetail, replicationConfigurationSchema, serviceSchema } from './schema.js';
import { deleteDestinations, type ReplicationRule } from '../domain/replication.js';
import { imageId, mergeImage, oneOfEach, type Placed } from './duplicates.js';

export function imageFact(repositoryName: string, detail: SnapshotImageDetail, path: string): ImageFact {
  let links: ReturnType<typeof readManifestLinks> = { childDigests: [] };
  if (detail.imageManifest !== undefined) {
    try {
      links = readManifestLinks(detail.imageManifest);
    } catch (cause) {
      throw new SnapshotError(`${path}.imageManifest: not a readable manifest (${(cause as Error).message})`, { cause });
    }
  }
  const subjectDigest = detail.subjectManifestDigest ?? links.subjectDigest;
  const mediaType = detail.imageManifestMediaType ?? links.mediaType;
  const layers = detail.layers?.map((l) => ({ digest: l.digest, size: l.size })) ?? links.layers;
  return {
    repositoryName,
    imageDigest: detail.imageDigest,
    imageTags: [...(detail.imageTags ?? [])].sort(),
    imagePushedAt: detail.imagePushedAt,
    imageSizeInBytes: detail.imageSizeInBytes ?? 0,
    childDigests: links.childDigests,
    ...(mediaType !== undefined && { imageManifestMediaType: mediaType }),
    ...(detail.artifactMediaType !== undefined && { artifactMediaType: detail.artifactMediaType }),
    ...(detail.lastRecordedPullTime !== undefined && { lastRecordedPullTime: detail.lastRecordedPullTime }),
    ...(detail.imageStatus !== undefined && { imageStatus: detail.imageStatus }),
    ...(detail.lastArchivedAt !== undefined && { lastArchivedAt: detail.lastArchivedAt }),
    ...(subjectDigest !== undefined && { subjectDigest }),
    ...(layers !== undefined && { layers }),
  };
}

/** `arn:…:function:NAME` or `arn:…:function:NAME:QUALIFIER` → `arn:…:function:NAME:VERSION`. */
export function qualifiedFunctionArn(functionArn: string, version: string): string {
  const parts = functionArn.split(':');
  return [...parts.slice(0, 7), version].join(':');
}

/** A service as DescribeServices (or CreateService/UpdateService) returns it, as the ledger keeps it. */
export function serviceFact(svc: z.output<typeof serviceSchema>): ServiceFact {
  return {
    serviceArn: svc.serviceArn,
    serviceName: svc.serviceName,
    clusterArn: svc.clusterArn,
    deployments: (svc.deployments ?? []).map((d) => ({
      id: d.id, status: d.status, taskDefinition: d.taskDefinition, ...(d.rolloutState !== undefined && { rolloutState: d.rolloutState }),
    })),
    taskSets: (svc.taskSets ?? []).map((ts) => ({ taskSetArn: ts.taskSetArn, status: ts.status, taskDefinition: ts.taskDefinition })),
    currentServiceRevisionArns: (svc.currentServiceRevisions ?? []).map((rev) => rev.arn),
  };
}

/** Each element of `list` mapped, with its path. */
function placed<S, T>(list: readonly S[] | undefined, path: string, to: (item: S, index: number) => T): Placed<T>[] {
  return (list ?? []).map((item, i) => ({ fact: to(item, i), path: `${path}[${i}]` }));
}

/** A registry's replication rules as the domain reads them (repository filters: PREFIX_MATCH, the only type ECR has). */
export function replicationRules(configuration: z.output<typeof replicationConfigurationSchema> | undefined): ReplicationRule[] {
  return (configuration?.rules ?? []).map((rule) => ({
    destinations: rule.destinations.map((d) => ({ accountId: d.registryId, region: d.region })),
    repositoryPrefixes: (rule.repositoryFilters ?? []).map((f) => f.filter),
    replicatesDeletes: rule.deleteReplication?.enabled === true,
  }));
}

const deletesReplicatedTo = (rules: readonly ReplicationRule[], registry: Scope, repositoryName: string) => {
  const destinations = deleteDestinations(rules, registry, repositoryName);
  return destinations.length > 0 ? { deleteReplicatesTo: destinations } : {};
};

/** Turns a validated snapshot into the facts the policy and the ledger work on; a fact listed twice is merged or refused. */
export function snapshotToFacts(snapshot: Snapshot): AccountFacts {
  const facts = listedFacts(snapshot);
  const once = <T>(what: string, list: readonly Placed<T>[], key: (fact: T) => string) => oneOfEach(what, list, key);
  return {
    scope: { accountId: snapshot.accountId, region: snapshot.region },
    capturedAt: snapshot.capturedAt,
    repositories: once('repository', facts.repositories, (r) => r.repositoryName),
    images: oneOfEach('image', facts.images, imageId, mergeImage),
    taskDefinitions: once('task definition', facts.taskDefinitions, (td) => `${td.family}:${td.revision}`),
    services: once('service', facts.services, (s) => s.serviceArn),
    serviceDeployments: once('service deployment', facts.serviceDeployments, (d) => d.serviceDeploymentArn),
    serviceRevisions: once('service revision', facts.serviceRevisions, (r) => r.serviceRevisionArn),
    tasks: once('task', facts.tasks, (t) => t.taskArn),
    lambdaFunctions: once('Lambda function version', facts.lambdaFunctions, (f) => f.functionArn),
    lambdaAliases: once('Lambda alias', facts.lambdaAliases, (a) => a.aliasArn),
    ...(snapshot.batch !== undefined && { batchJobDefinitions: once('Batch job definition', facts.batchJobDefinitions, (j) => j.jobDefinitionArn) }),
    ...(snapshot.apprunner !== undefined && { appRunnerServices: once('App Runner service', facts.appRunnerServices, (a) => a.serviceArn) }),
    ...(snapshot.inspector !== undefined && { inspector: once('Inspector coverage entry', facts.inspector, (e) => `${e.repositoryName}@${e.imageDigest}`) }),
    pins: [],
  };
}

function listedFacts(snapshot: Snapshot) {
  const repositories = snapshot.ecr?.repositories ?? [];
  const replication = replicationRules(snapshot.ecr?.replicationConfiguration);
  const ecs = snapshot.ecs ?? {};
  const lambdaFunctions = placed(snapshot.lambda?.functions, 'lambda.functions', (fn) => fn)
    .filter(({ fact: fn }) => fn.Code?.ImageUri !== undefined || fn.Code?.ResolvedImageUri !== undefined)
    .map(({ fact: fn, path }) => ({ path, fact: {
      functionArn: qualifiedFunctionArn(fn.Configuration.FunctionArn, fn.Configuration.Version),
      functionName: fn.Configuration.FunctionName,
      version: fn.Configuration.Version,
      ...(fn.Code?.ImageUri !== undefined && { imageUri: fn.Code.ImageUri }),
      ...(fn.Code?.ResolvedImageUri !== undefined && { resolvedImageUri: fn.Code.ResolvedImageUri }),
    } as LambdaFunctionFact }));
  return {
    repositories: placed(repositories, 'ecr.repositories', (repo) => ({
      repositoryName: repo.repositoryName,
      ...(repo.policyText !== undefined && { policyText: repo.policyText }),
      ...(repo.lifecyclePolicyText !== undefined && { lifecyclePolicyText: repo.lifecyclePolicyText }),
      ...deletesReplicatedTo(replication, { accountId: snapshot.accountId, region: snapshot.region }, repo.repositoryName),
    })),
    images: repositories.flatMap((repo, r) =>
      placed(repo.images, `ecr.repositories[${r}].images`, (detail, i) => imageFact(repo.repositoryName, detail, `ecr.repositories[${r}].images[${i}]`)),
    ),
    taskDefinitions: placed(ecs.taskDefinitions, 'ecs.taskDefinitions', (td) => ({
      taskDefinitionArn: td.taskDefinitionArn,
      family: td.family,
      revision: td.revision,
      status: td.status ?? 'ACTIVE',
      containers: td.containerDefinitions.map((c) => ({ containerName: c.name, image: c.image })),
    })),
    services: placed(ecs.services, 'ecs.services', serviceFact),
    serviceDeployments: placed(ecs.serviceDeployments, 'ecs.serviceDeployments', (d) => {
      const finishedAt = d.finishedAt ?? d.updatedAt ?? d.createdAt;
      return {
        serviceDeploymentArn: d.serviceDeploymentArn,
        serviceArn: d.serviceArn,
        status: d.status,
        ...(d.targetServiceRevision !== undefined && { targetServiceRevisionArn: d.targetServiceRevision.arn }),
        ...(finishedAt !== undefined && { finishedAt }),
      };
    }),
    serviceRevisions: placed(ecs.serviceRevisions, 'ecs.serviceRevisions', (rev) => ({
      serviceRevisionArn: rev.serviceRevisionArn,
      serviceArn: rev.serviceArn,
      taskDefinition: rev.taskDefinition,
      containerImages: (rev.containerImages ?? []).map((c) => ({
        containerName: c.containerName, image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }),
      })),
    })),
    tasks: placed(ecs.tasks, 'ecs.tasks', (task) => ({
      taskArn: task.taskArn,
      clusterArn: task.clusterArn,
      taskDefinitionArn: task.taskDefinitionArn,
      lastStatus: task.lastStatus,
      ...(task.stoppedAt !== undefined && { stoppedAt: task.stoppedAt }),
      ...(task.group !== undefined && { group: task.group }),
      containers: (task.containers ?? []).map((c) => ({
        name: c.name, image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }),
      })),
    })),
    lambdaFunctions,
    batchJobDefinitions: placed(snapshot.batch?.jobDefinitions, 'batch.jobDefinitions', (jd): BatchJobDefinitionFact => ({
      jobDefinitionArn: jd.jobDefinitionArn, jobDefinitionName: jd.jobDefinitionName, revision: jd.revision, status: jd.status ?? 'ACTIVE',
      containers: [
        ...(jd.containerProperties?.image ? [{ containerName: 'container', image: jd.containerProperties.image }] : []),
        ...(jd.ecsProperties?.taskProperties ?? []).flatMap((t) => (t.containers ?? []).map((c) => ({ containerName: c.name ?? 'container', image: c.image }))),
        ...(jd.eksProperties?.podProperties?.containers ?? []).map((c) => ({ containerName: c.name ?? 'container', image: c.image })),
        ...(jd.eksProperties?.podProperties?.initContainers ?? []).map((c) => ({ containerName: `init ${c.name ?? 'container'}`, image: c.image })),
      ],
    })),
    appRunnerServices: placed((snapshot.apprunner?.services ?? []).filter((svc) => svc.SourceConfiguration?.ImageRepository !== undefined), 'apprunner.services', (svc): AppRunnerServiceFact => ({
      serviceArn: svc.ServiceArn, serviceName: svc.ServiceName, status: svc.Status, image: svc.SourceConfiguration!.ImageRepository!.ImageIdentifier,
    })),
    inspector: placed(snapshot.inspector?.coverage, 'inspector.coverage', (c): InspectorEvidenceFact => {
      const [, repositoryName, imageDigest] = /:repository\/(.+)\/(sha256:[0-9a-f]{64})$/.exec(c.resourceId)!;
      return { repositoryName: repositoryName!, imageDigest: imageDigest!, lastInUseAt: c.resourceMetadata.ecrImage.lastInUseAt, inUseCount: c.resourceMetadata.ecrImage.inUseCount ?? 0 };
    }),
    lambdaAliases: placed(snapshot.lambda?.aliases, 'lambda.aliases', (alias) => ({
      aliasArn: alias.AliasArn,
      functionName: alias.AliasArn.split(':')[6] ?? '',
      name: alias.Name,
      functionVersion: alias.FunctionVersion,
      additionalVersions: Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}),
    })),
  };
}
