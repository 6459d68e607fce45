import type { Scope } from '../../domain/facts.js';
import type { Config } from '../../config.js';
import { auditExpiry } from './act.js';
import type { SweepReport } from './report.js';
import type { ImageOutcome } from './act.js';

/** How a sweep ran: a dry run, a rehearsal against a snapshot (`sweep --snapshot`), or one that deleted (or archived). */
export type RunMode = 'dry-run' | 'rehearsal' | 'deleting';

/** One sweep run as the ledger keeps it (a run continued over several invocations is one run). */
export interface RunSummary {
  readonly runId: string;
  readonly scope: Scope;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: RunMode;
  readonly action: 'delete' | 'archive';
  /** Images deleted or archived; in a dry run or rehearsal, those that would be. */
  readonly images: number;
  /** Of `images`, how many each way (each image by its own action: a run that archives also deletes what was archived long enough). */
  readonly deleted?: number;
  readonly archived?: number;
  /** Images ECR no longer held when the run acted (not counted in `images`). */
  readonly alreadyGone?: number;
  readonly bytes: number;
  readonly failures: number;
  readonly skippedByCap: number;
  readonly awaitingNotice: number;
  readonly keptWhole: ReadonlyArray<{ readonly repositoryName: string; readonly why: readonly string[] }>;
  readonly notManaged: readonly string[];
  readonly unreadableScopes: ReadonlyArray<{ readonly account: string; readonly region: string; readonly why: string }>;
  readonly unreadableClusters: readonly string[];
  readonly warnings: readonly string[];
  /** Where the HTML report of the run is (the deployed sweep's report bucket), once written. */
  readonly reportKey?: string;
  /**
   * What its deletions freed (or would free): the layers of the images it deleted that no image left in the registry
   * names, measured after the run (`bytes` sums the images' sizes, an upper bound). Absent when layers are unknown.
   */
  readonly bytesFreed?: number;
  /** The same per repository it deleted in (a layer two repositories' deletions share counts in each). */
  readonly bytesFreedByRepository?: Readonly<Record<string, number>>;
}

/** What is learnt of a run after it is recorded. */
export type RunNotes = Partial<Pick<RunSummary, 'reportKey' | 'bytesFreed' | 'bytesFreedByRepository'>>;

/** One image of a run: what the run did to it (or would have), and why. */
export interface RunImage {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly action: 'delete' | 'archive';
  /** What ECR answered (`deleted`, `archived`, `already gone`, `failed`); absent in a dry run or rehearsal. */
  readonly outcome?: ImageOutcome;
  readonly reasons: readonly string[];
  readonly imageSizeInBytes: number;
  /** Set when the call failed: the run left the image in place. */
  readonly failed?: { readonly code: string; readonly reason: string };
}

/** The ledger's record of sweep runs, kept as long as the audit trail. */
export interface RunLog {
  recordRun(summary: RunSummary, images: readonly RunImage[], expiresAt: string): Promise<void>;
  /** The runs of a scope, newest first. */
  runs(scope: Scope, options: { since?: string; limit?: number; now: string }): Promise<RunSummary[]>;
  run(runId: string, now: string): Promise<{ summary: RunSummary; images: RunImage[] } | undefined>;
  /** Adds to a recorded run what was learnt after it: where its HTML report was written, what it freed. */
  annotate(runId: string, notes: RunNotes): Promise<void>;
}

/** The summary and images of a finished run, from its report. */
export function runRecord(report: SweepReport, o: { mode: RunMode; finishedAt: string }): { summary: RunSummary; images: RunImage[] } {
  const summary: RunSummary = {
    runId: report.runId, scope: report.scope, startedAt: report.now, finishedAt: o.finishedAt, mode: o.mode, action: report.action,
    images: report.totals.images, deleted: report.totals.deleted, archived: report.totals.archived, alreadyGone: report.totals.alreadyGone, bytes: report.totals.bytes, failures: report.totals.failures, skippedByCap: report.totals.skippedByCap, awaitingNotice: report.awaitingNotice.length,
    keptWhole: report.keptWhole.map((k) => ({ repositoryName: k.repositoryName, why: k.scopes.map((s) => `${s.account}/${s.region}: ${s.why}`) })),
    notManaged: report.notManaged, unreadableScopes: report.unreadableScopes.map((s) => ({ account: s.account, region: s.region, why: s.why })),
    unreadableClusters: report.unreadableClusters.map((c) => `${c.cluster}: ${c.reason}`), warnings: report.warnings,
  };
  const image = (i: SweepReport['images'][number], failed?: { code: string; reason: string }): RunImage => ({
    repositoryName: i.repositoryName, imageDigest: i.imageDigest, imageTags: i.imageTags, action: i.action ?? report.action, ...(i.outcome && { outcome: i.outcome }),
    reasons: i.reasons, imageSizeInBytes: i.imageSizeInBytes, ...(failed && { failed }),
  });
  return { summary, images: [...report.images.map((i) => image(i)), ...report.alreadyGone.map((i) => image(i)), ...report.failures.map((f) => image(f, { code: f.code, reason: f.reason }))] };
}

/** Records a finished run in the log (when there is one), as long as the audit trail is kept. */
export async function logRun(runs: RunLog | undefined, report: SweepReport, o: { rehearsal?: boolean; finishedAt: string; config: Config }): Promise<void> {
  if (!runs) return;
  const mode: RunMode = o.rehearsal ? 'rehearsal' : report.dryRun ? 'dry-run' : 'deleting';
  const { summary, images } = runRecord(report, { mode, finishedAt: o.finishedAt });
  await runs.recordRun(summary, images, auditExpiry(o.config, o.finishedAt));
}
