/**
 * The facts the ledger stores about one account in one region. Plain readonly data, mirroring what the
 * AWS APIs report; everything the policy concludes is derived from these, never stored as truth.
 * Times are ISO-8601 strings.
 */
import type { Layer } from './manifest.js';

export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export interface RepositoryFact {
  readonly repositoryName: string;
  /** Raw repository policy, if any: the policy decides whether other accounts may pull. */
  readonly policyText?: string;
  /** The repository's ECR lifecycle policy (GetLifecyclePolicy), if any: `lifecycle-check` reads it. */
  readonly lifecyclePolicyText?: string;
  /**
   * The destinations a deletion here is replicated to (the registry's replication rules with deleteReplication whose
   * filter matches this repository), as the last read of DescribeRegistry had them.
   */
  readonly deleteReplicatesTo?: readonly Scope[];
}

export interface ImageFact {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: string;
  readonly imageSizeInBytes: number;
  readonly imageManifestMediaType?: string;
  readonly artifactMediaType?: string;
  readonly lastRecordedPullTime?: string;
  /** ACTIVE, ARCHIVED or ACTIVATING (ECR archive storage class). */
  readonly imageStatus?: string;
  /** When ECR moved it to the archive storage class (DescribeImages `lastArchivedAt`). */
  readonly lastArchivedAt?: string;
  /** Manifests an image index / manifest list names. */
  readonly childDigests: readonly string[];
  /** The image an OCI referrer (signature, SBOM) is about. */
  readonly subjectDigest?: string;
  /** The blobs its manifest names (config and layers), once read: absent while unknown. */
  readonly layers?: readonly Layer[];
}

export interface ContainerImage {
  readonly containerName: string;
  readonly image: string;
}

export interface TaskDefinitionFact {
  readonly taskDefinitionArn: string;
  readonly family: string;
  readonly revision: number;
  /** ACTIVE, INACTIVE or DELETE_IN_PROGRESS. */
  readonly status: string;
  readonly containers: readonly ContainerImage[];
}

export interface DeploymentFact {
  readonly id: string;
  /** PRIMARY, ACTIVE or INACTIVE. */
  readonly status: string;
  readonly taskDefinition: string;
  readonly rolloutState?: string;
}

export interface TaskSetFact {
  readonly taskSetArn: string;
  readonly status: string;
  readonly taskDefinition: string;
}

export interface ServiceFact {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly clusterArn: string;
  readonly deployments: readonly DeploymentFact[];
  readonly taskSets: readonly TaskSetFact[];
  readonly currentServiceRevisionArns: readonly string[];
}

export interface ServiceDeploymentFact {
  readonly serviceDeploymentArn: string;
  readonly serviceArn: string;
  /** PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_* … */
  readonly status: string;
  readonly targetServiceRevisionArn?: string;
  /** finishedAt, else updatedAt, else createdAt: orders a service's deployments. */
  readonly finishedAt?: string;
}

export interface PinnedContainerImage {
  readonly containerName: string;
  readonly image: string;
  readonly imageDigest?: string;
}

export interface ServiceRevisionFact {
  readonly serviceRevisionArn: string;
  readonly serviceArn: string;
  readonly taskDefinition: string;
  readonly containerImages: readonly PinnedContainerImage[];
}

export interface TaskContainerFact {
  readonly name: string;
  readonly image: string;
  readonly imageDigest?: string;
}

export interface TaskFact {
  readonly taskArn: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly lastStatus: string;
  readonly stoppedAt?: string;
  readonly group?: string;
  readonly containers: readonly TaskContainerFact[];
}

export interface LambdaFunctionFact {
  /** Qualified ARN: `…:function:NAME:VERSION` (`$LATEST` included). */
  readonly functionArn: string;
  readonly functionName: string;
  readonly version: string;
  readonly imageUri?: string;
  readonly resolvedImageUri?: string;
}

export interface LambdaAliasFact {
  readonly aliasArn: string;
  readonly functionName: string;
  readonly name: string;
  readonly functionVersion: string;
  /** Versions that receive part of the traffic through the routing config. */
  readonly additionalVersions: readonly string[];
}

export interface PinFact {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly reason: string;
  readonly pinnedAt: string;
  /** After this time the pin no longer protects (absent: it never expires). */
  readonly expiresAt?: string;
  /** `repo@digest#…`: one pin per image and reason. Pins written before several pins per image existed have none (their key is `repo@digest`). */
  readonly key?: string;
}

/** An AWS Batch job definition (container, ECS or EKS properties) and the images its containers name. */
export interface BatchJobDefinitionFact {
  readonly jobDefinitionArn: string;
  readonly jobDefinitionName: string;
  readonly revision: number;
  /** ACTIVE or INACTIVE (deregistered). */
  readonly status: string;
  readonly containers: readonly ContainerImage[];
}

/** An AWS App Runner service with an ECR image source. */
export interface AppRunnerServiceFact {
  readonly serviceArn: string;
  readonly serviceName: string;
  /** RUNNING, PAUSED, OPERATION_IN_PROGRESS, CREATE_FAILED, DELETED, DELETE_FAILED. */
  readonly status: string;
  readonly image: string;
}

/** What Amazon Inspector saw of an image's use (ECS tasks and EKS pods): kept only when within the configured days. */
export interface InspectorEvidenceFact {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly lastInUseAt: string;
  readonly inUseCount: number;
}

/**
 * One image a usage source (a Kubernetes cluster, anything else that runs images) reported running or ready to run,
 * as the source names it (a URI with tag and/or digest), with the workloads that name it.
 */
export interface ReportedImageFact {
  readonly source: string;
  readonly image: string;
  readonly workloads: readonly string[];
  readonly reportedAt: string;
}

/** A usage source and its last report (which replaced the one before). */
export interface UsageSourceFact {
  readonly name: string;
  /** When ecr-ledger received the report (the release of what it no longer names is stamped then). */
  readonly reportedAt: string;
  readonly images: number;
  /** Who sends it: the first principal to report the source owns it (an assumed role without its session name). */
  readonly principal?: string;
  /** The time the client said it reported at, for display only. */
  readonly clientReportedAt?: string;
}

/** What the ledger remembers about an image beyond the current facts. */
export interface ImageHistory {
  readonly firstSeenAt?: string;
  /** When the ledger first observed the image with no protecting reference; cleared when protected again. */
  readonly unprotectedSince?: string;
  /** The latest event time at which a reference to the image went away (a tag moved off it, a referrer changed). */
  readonly releasedAt?: string;
  /**
   * The latest end of a protection recorded ahead of time (a stopped task protects until stoppedAt +
   * stoppedTaskRetentionHours): the image counts as referenced until then, whatever graceDays says.
   */
  readonly protectedUntil?: string;
}

/** The stamps of an image's history, as stored on its item. */
export const HISTORY_STAMPS = ['firstSeenAt', 'unprotectedSince', 'releasedAt', 'protectedUntil'] as const;

/** The history stamps an item (or any record) carries; undefined when it carries none. */
export function historyOf(record: Partial<Record<(typeof HISTORY_STAMPS)[number], unknown>>): ImageHistory | undefined {
  const found = HISTORY_STAMPS.filter((k) => typeof record[k] === 'string' && record[k] !== '').map((k) => [k, record[k] as string]);
  return found.length > 0 ? Object.fromEntries(found) as ImageHistory : undefined;
}

export interface AccountFacts {
  readonly scope: Scope;
  /** When these facts were true (snapshot capture time, or ledger read time). */
  readonly capturedAt: string;
  readonly repositories: readonly RepositoryFact[];
  readonly images: readonly ImageFact[];
  readonly taskDefinitions: readonly TaskDefinitionFact[];
  readonly services: readonly ServiceFact[];
  readonly serviceDeployments: readonly ServiceDeploymentFact[];
  readonly serviceRevisions: readonly ServiceRevisionFact[];
  readonly tasks: readonly TaskFact[];
  readonly lambdaFunctions: readonly LambdaFunctionFact[];
  readonly lambdaAliases: readonly LambdaAliasFact[];
  /** AWS Batch job definitions and App Runner services (absent: none read, as in ledgers and snapshots from before). */
  readonly batchJobDefinitions?: readonly BatchJobDefinitionFact[];
  readonly appRunnerServices?: readonly AppRunnerServiceFact[];
  /** Amazon Inspector's evidence of use (config `evidence.inspector`). */
  readonly inspector?: readonly InspectorEvidenceFact[];
  readonly pins: readonly PinFact[];
  /** Images usage sources report (`report-usage`); like pins, kept by reconciles and replaced only by their source. */
  readonly reported?: readonly ReportedImageFact[];
  readonly sources?: readonly UsageSourceFact[];
}

/** The facts that say what uses images (as opposed to the images, repositories and pins themselves). */
export type UsageFacts = Pick<AccountFacts, 'taskDefinitions' | 'services' | 'serviceDeployments' | 'serviceRevisions' | 'tasks' | 'lambdaFunctions' | 'lambdaAliases' | 'batchJobDefinitions' | 'appRunnerServices' | 'inspector'>;

/** What only the ledger knows and no live read replaces: operator pins, usage reports and their sources. */
export function keptByLedger(facts: AccountFacts | undefined): Pick<AccountFacts, 'pins' | 'reported' | 'sources'> {
  return { pins: facts?.pins ?? [], reported: facts?.reported ?? [], sources: facts?.sources ?? [] };
}

export function usageOf(facts: UsageFacts): UsageFacts {
  const { taskDefinitions, services, serviceDeployments, serviceRevisions, tasks, lambdaFunctions, lambdaAliases, batchJobDefinitions, appRunnerServices, inspector } = facts;
  return {
    taskDefinitions, services, serviceDeployments, serviceRevisions, tasks, lambdaFunctions, lambdaAliases,
    ...(batchJobDefinitions && { batchJobDefinitions }), ...(appRunnerServices && { appRunnerServices }), ...(inspector && { inspector }),
  };
}

/** The key of a scope (`{account}#{region}`): one account in one region. */
export function scopeKey(scope: Scope): string {
  return `${scope.accountId}#${scope.region}`;
}

/** The key of an image inside one scope. */
export function imageKey(repositoryName: string, imageDigest: string): string {
  return `${repositoryName}@${imageDigest}`;
}

/** In ECR's archive storage class, or on the way back from it: a pull fails until it is ACTIVE again. */
export const isArchived = (image: Pick<ImageFact, 'imageStatus'>): boolean => image.imageStatus === 'ARCHIVED' || image.imageStatus === 'ACTIVATING';
