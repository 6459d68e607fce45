import type { AppRunnerServiceFact, BatchJobDefinitionFact, LambdaAliasFact, ServiceFact, TaskDefinitionFact, TaskFact } from '../domain/facts.js';

/** What one EventBridge event means for the ledger, independent of its wire shape. */
export type LedgerChange =
  | { kind: 'image-pushed'; repositoryName: string; imageDigest: string; tag?: string; manifestMediaType?: string; artifactMediaType?: string }
  /** With a tag, only that tag was removed; without one, the whole image. */
  | { kind: 'image-deleted'; repositoryName: string; imageDigest: string; tag?: string }
  | { kind: 'image-storage-class'; repositoryName: string; imageDigest: string; storageClass: string }
  | { kind: 'repository-deleted'; repositoryName: string }
  /** `version` orders the updates of one task (ECS counts them up). */
  | { kind: 'task-state'; task: TaskFact; version: number }
  /**
   * A service changed: read its state from ECS. A CreateService/UpdateService response carries the service with its
   * deployments (`carried`), which is what an offline replay applies.
   */
  | { kind: 'service-changed'; cluster: string; service: string; carried?: ServiceFact }
  | { kind: 'task-definition-registered'; taskDefinition: TaskDefinitionFact }
  /** A registration whose response CloudTrail did not record: read the family's new revisions from ECS. */
  | { kind: 'task-family-changed'; family: string }
  | { kind: 'task-definition-status'; taskDefinitions: readonly string[]; status: 'INACTIVE' | 'DELETE_IN_PROGRESS' }
  /** Versions whose image is to be read with GetFunction (the event lacks the resolved digest). */
  | { kind: 'lambda-versions-changed'; functionName: string; versions: readonly string[] }
  | { kind: 'lambda-function-deleted'; functionName: string; qualifier?: string }
  | { kind: 'lambda-alias-changed'; alias: LambdaAliasFact }
  | { kind: 'lambda-alias-deleted'; functionName: string; name: string }
  | { kind: 'batch-job-definition-registered'; jobDefinition: BatchJobDefinitionFact }
  | { kind: 'batch-job-definition-deregistered'; jobDefinition: string }
  | { kind: 'apprunner-service-changed'; service: AppRunnerServiceFact }
  | { kind: 'apprunner-service-deleted'; serviceArn: string };

export interface LedgerEvent {
  readonly eventId: string;
  /** The event's `time`: what history is stamped with, so that a replay rebuilds the same history. */
  readonly at: string;
  readonly accountId: string;
  readonly region: string;
  readonly change: LedgerChange;
}

export type ParsedEvent = { readonly apply: LedgerEvent } | { readonly ignored: string; readonly eventId: string };
