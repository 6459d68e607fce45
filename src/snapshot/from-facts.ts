import type { AccountFacts, ImageFact, LambdaFunctionFact, ServiceRevisionFact, TaskDefinitionFact } from '../domain/facts.js';
import type { ManifestLinks } from '../domain/manifest.js';

type Json = Record<string, unknown>;

/**
 * The snapshot fragments of immutable facts the ledger already holds, so that a live read can reuse them
 * instead of calling AWS again. `snapshotToFacts` of a fragment gives back the same fact.
 */
export function taskDefinitionFragment(td: TaskDefinitionFact): Json {
  return {
    taskDefinitionArn: td.taskDefinitionArn, family: td.family, revision: td.revision, status: td.status,
    containerDefinitions: td.containers.map((c) => ({ name: c.containerName, image: c.image })),
  };
}

export function serviceRevisionFragment(rev: ServiceRevisionFact): Json {
  return {
    serviceRevisionArn: rev.serviceRevisionArn, serviceArn: rev.serviceArn, taskDefinition: rev.taskDefinition,
    containerImages: rev.containerImages.map((c) => ({ containerName: c.containerName, image: c.image, ...(c.imageDigest !== undefined && { imageDigest: c.imageDigest }) })),
  };
}

export function lambdaVersionFragment(fn: LambdaFunctionFact): Json {
  return {
    Configuration: { FunctionName: fn.functionName, FunctionArn: fn.functionArn, Version: fn.version, PackageType: 'Image' },
    Code: { ...(fn.imageUri !== undefined && { ImageUri: fn.imageUri }), ...(fn.resolvedImageUri !== undefined && { ResolvedImageUri: fn.resolvedImageUri }) },
  };
}

export function manifestLinks(image: ImageFact): ManifestLinks {
  return {
    childDigests: image.childDigests,
    ...(image.imageManifestMediaType !== undefined && { mediaType: image.imageManifestMediaType }),
    ...(image.subjectDigest !== undefined && { subjectDigest: image.subjectDigest }),
    ...(image.layers !== undefined && { layers: image.layers }),
  };
}

/** Lookups of the immutable facts a ledger holds, in the shape the live readers want. */
export interface KnownFacts {
  taskDefinition(key: string): Json | undefined;
  serviceRevision(arn: string): Json | undefined;
  lambdaVersion(qualifiedArn: string): Json | undefined;
  manifest(repositoryName: string, imageDigest: string): ManifestLinks | undefined;
}

/**
 * `checkpoint` holds fragments an interrupted live read already fetched (task definitions by `family:revision`,
 * Lambda versions by qualified ARN); they count as known too.
 */
export function knownFacts(facts: AccountFacts | undefined, checkpoint: ReadonlyArray<{ kind: string; id: string; fragment: Json }> = []): KnownFacts {
  const saved = new Map(checkpoint.map((e) => [`${e.kind}#${e.id}`, e.fragment]));
  const tds = new Map(facts?.taskDefinitions.map((td) => [`${td.family}:${td.revision}`, td]));
  const revisions = new Map(facts?.serviceRevisions.map((rev) => [rev.serviceRevisionArn, rev]));
  const versions = new Map(facts?.lambdaFunctions.filter((fn) => fn.version !== '$LATEST').map((fn) => [fn.functionArn, fn]));
  const images = new Map(facts?.images.map((image) => [`${image.repositoryName}@${image.imageDigest}`, image]));
  const maybe = <F>(fact: F | undefined, fragment: (f: F) => Json) => (fact === undefined ? undefined : fragment(fact));
  return {
    taskDefinition: (key) => saved.get(`task-definition#${key}`) ?? maybe(tds.get(key), taskDefinitionFragment),
    serviceRevision: (arn) => maybe(revisions.get(arn), serviceRevisionFragment),
    lambdaVersion: (arn) => saved.get(`lambda-version#${arn}`) ?? maybe(versions.get(arn), lambdaVersionFragment),
    manifest: (repo, digest) => {
      const image = images.get(`${repo}@${digest}`);
      return image && manifestLinks(image);
    },
  };
}
