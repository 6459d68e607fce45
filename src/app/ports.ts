import type { RegionProbe } from '../domain/region-probe.js';
import type { AccountFacts, ImageFact, ImageHistory, LambdaFunctionFact, PinFact, ReportedImageFact, Scope, UsageSourceFact, ServiceDeploymentFact, ServiceFact, ServiceRevisionFact, TaskDefinitionFact, UsageFacts } from '../domain/facts.js';
import type { KnownFacts } from '../snapshot/from-facts.js';
import type { SnapshotInput } from '../snapshot/schema.js';
import type { UsageIndex } from './usage-index.js';

/** When a reconcile last finished for a scope, and what it covered. */
export interface Watermark {
  readonly scope: Scope;
  readonly reconciledAt: string;
  readonly capturedAt: string;
  readonly source: string;
}

/** The facts of one scope as the ledger holds them, with each image's history (keyed `repo@digest`). */
export interface LedgerContents {
  readonly facts: AccountFacts;
  readonly history: ReadonlyMap<string, ImageHistory>;
  readonly watermark?: Watermark;
}

export interface ReconcileWrite {
  readonly facts: AccountFacts;
  /** Given what the ledger holds now (history and operator pins), the history to store per image key. */
  decideHistory(existing: { history: ReadonlyMap<string, ImageHistory>; pins: readonly PinFact[]; reported?: readonly ReportedImageFact[] }): ReadonlyMap<string, ImageHistory>;
  /** Facts last observed before this time and absent from `facts` are removed; newer ones were written by events and stay. */
  readonly observedAt: string;
  readonly watermark: Watermark;
}

export interface ReconcileCounts {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** An immutable fact a live read fetched, saved before the read finished so that an interrupted read resumes. */
export interface CheckpointEntry {
  readonly kind: 'task-definition' | 'lambda-version';
  /** `family:revision`, or the qualified function ARN. */
  readonly id: string;
  /** The snapshot fragment (what the reader would otherwise fetch again). */
  readonly fragment: Record<string, unknown>;
}

/** The ledger: the only thing that persists. Implemented by the DynamoDB adapter (AWS or the embedded engine). */
export interface LedgerStore {
  scopes(): Promise<Scope[]>;
  /** When a reconcile last finished for the scope; undefined for a scope only events have fed. */
  watermark(scope: Scope): Promise<Watermark | undefined>;
  /** Replaces the account's region probe (which of its regions run workloads). */
  saveRegionProbe(probe: RegionProbe): Promise<void>;
  /** Every account's last region probe. */
  regionProbes(): Promise<RegionProbe[]>;
  /** Who-uses-what by Query (a fresh request count). */
  usageIndex(): UsageIndex;
  /** The event path's writes: a reconcile releases what its scope stopped using (other registries' images, stopped tasks' digests). */
  readonly events: Pick<EventLedger, 'releaseImage' | 'getFact'>;
  load(scope: Scope): Promise<LedgerContents>;
  reconcile(write: ReconcileWrite): Promise<ReconcileCounts>;
  putPin(scope: Scope, pin: PinFact): Promise<void>;
  /** Returns false when there was no such pin. */
  deletePin(scope: Scope, pin: PinFact): Promise<boolean>;
  /** Checkpoint entries are kept apart from the facts: no read of the ledger sees them. */
  saveCheckpoint(scope: Scope, entries: readonly CheckpointEntry[]): Promise<void>;
  readCheckpoint(scope: Scope): Promise<CheckpointEntry[]>;
  clearCheckpoint(scope: Scope): Promise<void>;
}

/** One complete read of an account's live state, as an account snapshot. */
export interface AccountRead {
  readonly snapshot: SnapshotInput;
  /** Optional APIs that were denied or unsupported, each naming the protection that is weaker as a result. */
  readonly warnings: readonly string[];
  /** API calls made, per IAM action. */
  readonly calls: Readonly<Record<string, number>>;
}

/** Reads live AWS (or a fake of it). `known` supplies immutable facts already in the ledger, which are not read again. */
export interface AccountReader {
  scope(): Promise<Scope>;
  /** `onImmutableRead` is called with every task definition and published Lambda version fetched (to checkpoint them). */
  read(known: KnownFacts, onImmutableRead?: (entry: CheckpointEntry) => Promise<void>): Promise<AccountRead>;
}

export type FactKindName =
  | 'repository' | 'image' | 'tag' | 'task-definition' | 'service' | 'service-deployment' | 'service-revision' | 'task' | 'lambda-function' | 'lambda-alias'
  | 'batch-job-definition' | 'apprunner-service';

/** A fact as the ledger holds it, with when it was last observed; `deleted` marks a removal an event recorded. */
export interface StoredFact {
  readonly kind: FactKindName;
  readonly fact: Record<string, unknown>;
  readonly observedAt: string;
  readonly deleted: boolean;
  readonly version?: number;
}

/**
 * What the event handlers need of the ledger: idempotent single-item conditional writes that ignore older news,
 * and a few bounded reads. Facts are identified by kind and id (`family:revision`, ARNs, `repo:tag`, `repo@digest`).
 */
export interface EventLedger {
  /** Writes `fact` — or, without one, its removal — stamped `at`, unless the ledger holds newer news of it (time, then `version`). */
  applyFact(scope: Scope, kind: Exclude<FactKindName, 'image'>, id: string, fact: object | undefined, at: string, version?: number): Promise<{ applied: boolean; previous?: StoredFact }>;
  /** Adds an image the ledger does not hold (or holds only as an older removal), first seen and unprotected since `at`. */
  addImage(scope: Scope, image: ImageFact, at: string): Promise<boolean>;
  /** Records an image's removal at `at`, unless newer news of it exists. */
  removeImage(scope: Scope, repositoryName: string, imageDigest: string, at: string): Promise<boolean>;
  /** Sets an image's storage class (ACTIVE / ARCHIVED) as of `at`. */
  setImageStatus(scope: Scope, repositoryName: string, imageDigest: string, status: string, at: string): Promise<boolean>;
  /** Records that a reference to the image went away at `at` (the latest such time is kept). */
  /**
   * Stamps a reference that went away at `at` (kept if later than the stamp held); `noticedAt`, when that was learnt
   * (default `at`): a protection that ends after it (a stopped task's retention) is stamped `protectedUntil`.
   */
  releaseImage(scope: Scope, repositoryName: string, imageDigest: string, at: string, noticedAt?: string): Promise<void>;
  getFact(scope: Scope, kind: FactKindName, id: string): Promise<StoredFact | undefined>;
  /** The facts of one task-definition family, of one Lambda function (versions and aliases) or of one repository (images). */
  group(scope: Scope, group: { family: string } | { functionName: string } | { repositoryName: string }): Promise<StoredFact[]>;
}

/** What an event lacks and live AWS supplies (the handlers are online; `ingest --offline` is not). */
export interface AwsLookups {
  /** The image as DescribeImages reports it, with the links of its manifest when it is an index or has a subject; undefined when it no longer exists. */
  describeImage(repositoryName: string, imageDigest: string): Promise<ImageFact | undefined>;
  /** The digest a tag points to in ECR now; undefined when no image holds it. */
  taggedDigest(repositoryName: string, tag: string): Promise<string | undefined>;
  /** The service with its last successful deployment and the service revisions both name; undefined when it is gone. */
  describeService(cluster: string, service: string): Promise<{ service: ServiceFact; deployment?: ServiceDeploymentFact; revisions: readonly ServiceRevisionFact[] } | undefined>;
  /** The function versions, with the digest each resolved to; versions that no longer exist are left out. */
  functionVersions(functionName: string, versions: readonly string[]): Promise<readonly LambdaFunctionFact[]>;
  /** The family's ACTIVE revisions. */
  familyRevisions(family: string): Promise<readonly TaskDefinitionFact[]>;
}

/**
 * What became of one image the sweep (or purge) asked ECR to delete or archive. `pending` is written before the
 * call (write-ahead); the response settles it. A pending record a dead run left is settled by a later run:
 * `deleted`/`archived` when the image is gone/archived (`confirmedBy` that run), `not-deleted` when it is still there.
 * `already-gone`: ECR answered ImageNotFound (someone or something else removed it first): the run did nothing to it.
 */
export type AuditStatus = 'pending' | 'deleted' | 'archived' | 'already-gone' | 'failed' | 'not-deleted' | 'restored' | 'deleted-elsewhere';

/** One image the sweep deleted, archived or tried to, as the audit trail keeps it. */
export interface AuditRecord {
  readonly runId: string;
  readonly at: string;
  /** `restore`: back from the archive; `outside`: an ECR deletion ecr-ledger did not make (a lifecycle rule, a person). */
  readonly action: 'delete' | 'archive' | 'restore' | 'outside';
  readonly status: AuditStatus;
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imageSizeInBytes: number;
  readonly imagePushedAt: string;
  readonly reasons: readonly string[];
  readonly referrers: readonly { readonly kind: string; readonly id: string }[];
  /** The run (or `history`) that settled a record its own run left pending. */
  readonly confirmedBy?: string;
  /** ECR's failure code and reason, for `failed`. */
  readonly failure?: { readonly code: string; readonly reason: string };
  /** Who asked for a restore (the credentials' ARN), or what used the image (a restore on use). */
  readonly requestedBy?: string;
}

/** Who holds the run lock. */
export interface LeaseHolder {
  readonly runId: string;
  readonly takenAt: string;
  readonly expiresAt: string;
}

/** What the sweep needs of the ledger beyond facts: its candidate view, the run lock and the audit trail. */
export interface SweepStore {
  /**
   * Referrers, pins and only the images that may be deletable (plus indexes, artifacts and their subjects),
   * read from a sparse index: never the whole table. Images carry no tags here; the sweep reads current tags live.
   */
  sweepView(scope: Scope): Promise<LedgerContents>;
  /** Takes the run lock until `until` unless another run holds one that has not expired at `now`; else names the holder. */
  acquireLock(scope: Scope, runId: string, now: string, until: string): Promise<{ acquired: true } | { acquired: false; holder?: LeaseHolder }>;
  /** Extends the lock this run holds; false when it no longer holds it (it expired and another run took it). */
  renewLock(scope: Scope, runId: string, until: string): Promise<boolean>;
  lockHolder(scope: Scope): Promise<LeaseHolder | undefined>;
  releaseLock(scope: Scope, runId: string): Promise<void>;
  /** Write-ahead: the `pending` records of exactly the ids of the call about to be made. */
  recordIntents(scope: Scope, records: readonly AuditRecord[], expiresAt: string): Promise<void>;
  /** Settled records; each replaces the pending intent with the same run, time and image. */
  recordAudit(scope: Scope, records: readonly AuditRecord[], expiresAt: string): Promise<void>;
  /** Intents not settled yet: those of a run in progress, or left by a run that died. */
  pendingIntents(scope: Scope): Promise<AuditRecord[]>;
  /** Unexpired settled records, oldest first; `since` bounds them by time. */
  audit(scope: Scope, options: { since?: string; now: string }): Promise<AuditRecord[]>;
  /** When the last sweep that could change something (not a dry run) ran, to report what changed since. */
  lastRun(scope: Scope): Promise<string | undefined>;
  recordRun(scope: Scope, at: string): Promise<void>;
}

import type { Announcement } from '../domain/notice.js';

/** What usage sources (`report-usage`) reported, kept in the ledger table. */
export interface UsageReportStore {
  /** The images a source reported last: its current set. */
  reportedImages(scope: Scope, source: string): Promise<ReportedImageFact[]>;
  /**
   * Replaces a source's set with a newer report (an older one is refused, RefusedError); returns what it no longer
   * reports. `admit`, given the source as held, throws to refuse the report before anything is written.
   */
  replaceReport(scope: Scope, source: UsageSourceFact, images: readonly ReportedImageFact[], admit?: (held: UsageSourceFact | undefined) => void): Promise<{ written: number; removed: readonly ReportedImageFact[] }>;
  sources(scope: Scope): Promise<UsageSourceFact[]>;
}
export type { Announcement };

/** Announcements of the deletions ahead (the advance notice), kept in the ledger table. */
export interface AnnouncementStore {
  /** The announcements of these images that exist, by `repo@digest`. */
  announcements(scope: Scope, images: ReadonlyArray<{ repositoryName: string; imageDigest: string }>): Promise<Map<string, Announcement>>;
  /**
   * Records each announcement unless another notice recorded one first: where `replaces` names the announcement time
   * of one that no longer speaks for the image (isCurrent), that one is replaced; otherwise only a first is written.
   */
  recordAnnouncements(scope: Scope, announcements: ReadonlyArray<Announcement & { readonly replaces?: string }>): Promise<void>;
}

export interface DeleteResult {
  readonly done: readonly string[];
  /** Per digest; `ImageNotFound` means it is already gone. */
  readonly failures: ReadonlyArray<{ readonly imageDigest: string; readonly code: string; readonly reason: string }>;
}

/** Live AWS as the sweep sees it: the live check, and the only calls in the project that destroy anything. */
export interface SweepAws {
  /** The account the credentials act for (sts:GetCallerIdentity). Read once per run. */
  callerAccount(): Promise<string>;
  /** Who the credentials are (their ARN, from the same call): audit records of a restore name who asked. */
  callerArn(): Promise<string>;
  /** The region the ECR calls go to (the clients' region): a path that deletes checks it is the scope's. */
  region(): Promise<string>;
  /** Per repository, where the registry's replication rules replicate a deletion (DescribeRegistry's deleteReplication). Read once per run. */
  registry(): Promise<{ deleteReplicatesTo(repositoryName: string): readonly Scope[] }>;
  /** The usage facts that change (and the immutable ones the ledger lacked), read live for the sweep's check. */
  readUsage(known: KnownFacts): Promise<{ facts: UsageFacts; warnings: readonly string[] }>;
  /** The current state (tags, status) of these images; an image missing from the result no longer exists. */
  describeImages(repositoryName: string, imageDigests: readonly string[]): Promise<ImageFact[]>;
  repositoryPolicy(repositoryName: string): Promise<string | undefined>;
  /** Every image of one repository, with the links of indexes and artifacts; empty when the repository does not exist. */
  repositoryImages(repositoryName: string): Promise<ImageFact[]>;
  deleteImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult>;
  archiveImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult>;
  /** Back to the standard storage class (UpdateImageStorageClass to STANDARD). */
  restoreImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult>;
  calls(): Readonly<Record<string, number>>;
}
