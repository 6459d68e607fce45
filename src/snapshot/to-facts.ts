import { readManifestLinks } from '../domain/manifest.js';
import type { AccountFacts, ImageFact, LambdaFunctionFact } from '../domain/facts.js';
import { SnapshotError } from '../errors.js';
import type { Snapshot, SnapshotImageDetail } from './schema.js';

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
    ...(subjectDigest !== undefined && { subjectDigest }),
  };
}

/** `arn:…:function:NAME` or `arn:…:function:NAME:QUALIFIER` → `arn:…:function:NAME:VERSION`. */
export function qualifiedFunctionArn(functionArn: string, version: string): string {
  const parts = functionArn.split(':');
  return [...parts.slice(0, 7), version].join(':');
}

/** Turns a validated snapshot into the facts the policy and the ledger work on. */
export function snapshotToFacts(snapshot: Snapshot): AccountFacts {
  const repositories = snapshot.ecr?.repositories ?? [];
  const ecs = snapshot.ecs ?? {};
  const lambdaFunctions = (snapshot.lambda?.functions ?? [])
    .filter((fn) => fn.Code?.ImageUri !== undefined || fn.Code?.ResolvedImageUri !== undefined)
    .map((fn): LambdaFunctionFact => ({
      functionArn: qualifiedFunctionArn(fn.Configuration.FunctionArn, fn.Configuration.Version),
      functionName: fn.Configuration.FunctionName,
      version: fn.Configuration.Version,
      ...(fn.Code?.ImageUri !== undefined && { imageUri: fn.Code.ImageUri }),
      ...(fn.Code?.ResolvedImageUri !== undefined && { resolvedImageUri: fn.Code.ResolvedImageUri }),
    }));
  return {
    scope: { accountId: snapshot.accountId, region: snapshot.region },
    capturedAt: snapshot.capturedAt,
    repositories: repositories.map((repo) => ({
      repositoryName: repo.repositoryName,
      ...(repo.policyText !== undefined && { policyText: repo.policyText }),
    })),
    images: repositories.flatMap((repo, r) =>
      (repo.images ?? []).map((detail, i) => imageFact(repo.repositoryName, detail, `ecr.repositories[${r}].images[${i}]`)),
    ),
    taskDefinitions: (ecs.taskDefinitions ?? []).map((td) => ({
      taskDefinitionArn: td.taskDefinitionArn,
      family: td.family,
      revision: td.revision,
      status: td.status ?? 'ACTIVE',
      containers: td.containerDefinitions.map((c) => ({ containerName: c.name, image: c.image })),
    })),
    services: (ecs.services ?? []).map((svc) => ({
      serviceArn: svc.serviceArn,
      serviceName: svc.serviceName,
      clusterArn: svc.clusterArn,
      deployments: (svc.deployments ?? []).map((d) => ({
        id: d.id, status: d.status, taskDefinition: d.taskDefinition, ...(d.rolloutState !== undefined && { rolloutState: d.rolloutState }),
      })),
      taskSets: (svc.taskSets ?? []).map((ts) => ({ taskSetArn: ts.taskSetArn, status: ts.status, taskDefinition: ts.taskDefinition })),
      currentServiceRevisionArns: (svc.currentServiceRevisions ?? []).map((rev) => rev.arn),
    })),
    serviceDeployments: (ecs.serviceDeployments ?? []).map((d) => {
      const finishedAt = d.finishedAt ?? d.updatedAt ?? d.createdAt;
      return {
        serviceDeploymentArn: d.serviceDeploymentArn,
        serviceArn: d.serviceArn,
        status: d.status,
        ...(d.targetServiceRevision !== undefined && { targetServiceRevisionArn: d.targetServiceRevision.arn }),
        ...(finishedAt !== undefined && { finishedAt }),
      };
    }),
    serviceRevisions: (ecs.serviceRevisions ?? []).map((rev) => ({
      serviceRevisionArn: rev.serviceRevisionArn,
      serviceArn: rev.serviceArn,
      taskDefinition: rev.taskDefinition,
      containerImages: (rev.containerImages ?? []).map((c) => ({
        containerName: c.containerName, image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }),
      })),
    })),
    tasks: (ecs.tasks ?? []).map((task) => ({
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
    lambdaAliases: (snapshot.lambda?.aliases ?? []).map((alias) => ({
      aliasArn: alias.AliasArn,
      functionName: alias.AliasArn.split(':')[6] ?? '',
      name: alias.Name,
      functionVersion: alias.FunctionVersion,
      additionalVersions: Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}),
    })),
    pins: [],
  };
}
