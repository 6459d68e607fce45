import type { RegionProbe } from '../domain/region-probe.js';
import type { ImageFact, ImageHistory, RepositoryFact, LambdaAliasFact, LambdaFunctionFact, Scope, ServiceDeploymentFact, ServiceRevisionFact, TaskDefinitionFact, TaskFact } from '../domain/facts.js';
import type { FactKindName, Watermark } from './ports.js';

/** A referrer fact as the index returns it: where it lives, what kind it is. */
export interface IndexedFact {
  readonly scope: Scope;
  readonly kind: FactKindName | 'pin' | 'reported-image' | 'usage-source' | 'batch-job-definition' | 'apprunner-service' | 'inspector-evidence';
  readonly fact: Record<string, unknown>;
}

/** A reference into a repository: who (a ledger id, in its scope) names which image of it, by digest or by tag. */
export interface RepositoryReference {
  readonly referrer: string;
  readonly scope: Scope;
  readonly digest?: string;
  readonly tag?: string;
}

/** What decides a family's protection window: its revisions, the tasks and service revisions running it, the services deploying it. */
export interface FamilyContext {
  readonly taskDefinitions: readonly TaskDefinitionFact[];
  readonly tasks: readonly TaskFact[];
  readonly serviceRevisions: readonly ServiceRevisionFact[];
  /** Ledger ids of the services that deploy the family (to read with `facts`). */
  readonly services: readonly string[];
}

/**
 * Bounded reads of the ledger's index — what "who uses this image" needs, never a scope's worth. Referrers are named
 * by ledger ids (opaque strings) and read in batches with `facts`.
 */
export interface UsageIndex {
  /**
   * The image with the tags pointing to it (undefined when the ledger does not hold it), who names it by digest, and
   * when its last use ended (`releasedAt`, `protectedUntil`: the stamps a use leaves when it goes).
   */
  image(registry: Scope, repositoryName: string, digest: string): Promise<{ image?: ImageFact; referrers: readonly string[]; history?: Pick<ImageHistory, 'releasedAt' | 'protectedUntil'> }>;
  /** The digest(s) a tag points to now. */
  tagged(registry: Scope, repositoryName: string, tag: string): Promise<readonly string[]>;
  /** Who names a tag. */
  tagReferrers(registry: Scope, repositoryName: string, tag: string): Promise<readonly string[]>;
  /** Facts by ledger id; removed ones are left out. */
  facts(ids: readonly string[]): Promise<readonly IndexedFact[]>;
  family(scope: Scope, family: string): Promise<FamilyContext>;
  serviceDeployments(scope: Scope, serviceArn: string): Promise<readonly ServiceDeploymentFact[]>;
  lambdaFunction(scope: Scope, functionName: string): Promise<{ versions: readonly LambdaFunctionFact[]; aliases: readonly LambdaAliasFact[] }>;
  /** One repository: its images (with tags and history), its policy, and who names any of them (from any scope). */
  repository(registry: Scope, repositoryName: string): Promise<{ repository?: RepositoryFact; images: readonly ImageFact[]; history: ReadonlyMap<string, ImageHistory>; referrers: readonly string[] }>;
  /**
   * Every reference into a repository, from any scope (the referrer's id and scope, the digest or tag it names), and its
   * tags; with `fromOtherScopes`, only references from other accounts and regions (and no tags).
   */
  references(registry: Scope, repositoryName: string, options?: { fromOtherScopes?: boolean }): Promise<{ references: readonly RepositoryReference[]; tags: ReadonlyArray<{ tag: string; digests: readonly string[] }> }>;
  /** Every scope's watermark (scopes only events have fed have none). */
  watermarks(): Promise<ReadonlyArray<{ scope: Scope; watermark?: Watermark }>>;
  /** Every account's last region probe. */
  regionProbes(): Promise<readonly RegionProbe[]>;
  /** Requests and items read so far (for reports and benchmarks). */
  readonly counts: { requests: number; items: number };
}
