import type { AppRunnerServiceFact, BatchJobDefinitionFact, ImageFact, InspectorEvidenceFact, LambdaFunctionFact, PinFact, ReportedImageFact, Scope, ServiceFact, ServiceRevisionFact, TaskDefinitionFact, TaskFact } from './facts.js';
import { parseImageReference } from './image-reference.js';
import { taskDefinitionKey } from './protection-window.js';

/** An ECR image a fact names: in a registry (account and region), by digest or by tag. */
export interface NamedImage {
  readonly registry: Scope;
  readonly repositoryName: string;
  readonly digest?: string;
  readonly tag?: string;
}

/** A referrer fact, by the kind the ledger stores it under. */
export type ReferrerFact =
  | { readonly kind: 'task-definition'; readonly fact: TaskDefinitionFact }
  | { readonly kind: 'service-revision'; readonly fact: ServiceRevisionFact }
  | { readonly kind: 'task'; readonly fact: TaskFact }
  | { readonly kind: 'lambda-function'; readonly fact: LambdaFunctionFact }
  | { readonly kind: 'pin'; readonly fact: PinFact }
  | { readonly kind: 'reported-image'; readonly fact: ReportedImageFact }
  | { readonly kind: 'batch-job-definition'; readonly fact: BatchJobDefinitionFact }
  | { readonly kind: 'apprunner-service'; readonly fact: AppRunnerServiceFact }
  | { readonly kind: 'inspector-evidence'; readonly fact: InspectorEvidenceFact }
  | { readonly kind: 'image'; readonly fact: ImageFact };

/** The ECR image an image string names, digest first (that is what ECS, Lambda and Docker pull); none for other registries or malformed strings. */
export function named(scope: Scope, image: string, digestOverride?: string): NamedImage[] {
  let ref;
  try {
    ref = parseImageReference(image, 'container');
  } catch {
    return [];
  }
  if (ref.kind !== 'ecr') return [];
  const registry = { accountId: ref.registryId ?? scope.accountId, region: ref.region ?? scope.region };
  const digest = digestOverride ?? ref.digest;
  return [digest !== undefined ? { registry, repositoryName: ref.repositoryName, digest } : { registry, repositoryName: ref.repositoryName, tag: ref.tag ?? 'latest' }];
}

/**
 * Every image a referrer fact of `scope` names, the way the usage policy resolves them: what "who uses this image"
 * must find from the image's side. Index children and pins name images of their own registry by digest.
 */
export function namedImages(scope: Scope, referrer: ReferrerFact): NamedImage[] {
  switch (referrer.kind) {
    case 'task-definition': return referrer.fact.containers.flatMap((c) => named(scope, c.image));
    case 'service-revision': return referrer.fact.containerImages.flatMap((c) => (c.imageDigest ? named(scope, c.image, c.imageDigest) : []));
    case 'task': return referrer.fact.containers.flatMap((c) => named(scope, c.image, c.imageDigest));
    case 'lambda-function': return [
      ...(referrer.fact.resolvedImageUri ? named(scope, referrer.fact.resolvedImageUri) : []),
      ...(referrer.fact.imageUri ? named(scope, referrer.fact.imageUri) : []),
    ];
    case 'pin': return [{ registry: scope, repositoryName: referrer.fact.repositoryName, digest: referrer.fact.imageDigest }];
    case 'reported-image': return named(scope, referrer.fact.image);
    case 'batch-job-definition': return referrer.fact.containers.flatMap((c) => named(scope, c.image));
    case 'apprunner-service': return named(scope, referrer.fact.image);
    case 'inspector-evidence': return [{ registry: scope, repositoryName: referrer.fact.repositoryName, digest: referrer.fact.imageDigest }];
    case 'image': return referrer.fact.childDigests.map((digest) => ({ registry: scope, repositoryName: referrer.fact.repositoryName, digest }));
  }
}

/** The task-definition families a service deploys (deployments and task sets): whose protection windows it shapes. */
export function familiesOf(service: ServiceFact): string[] {
  const keys = [...service.deployments.map((d) => d.taskDefinition), ...service.taskSets.map((ts) => ts.taskDefinition)].map(taskDefinitionKey);
  return [...new Set(keys.map((key) => key.slice(0, key.lastIndexOf(':'))))].sort();
}

/** `family:revision` or a task-definition ARN → the family. */
export function familyOf(taskDefinition: string): string {
  const key = taskDefinitionKey(taskDefinition);
  return key.slice(0, key.lastIndexOf(':'));
}
