import type { RunFreed } from '../app/sweep/run-freed.js';
import type { OutsideDeletions } from '../app/undo/outside-deletion.js';
import type { ManagedRepositories } from '../domain/managed-repositories.js';
import type { RegionProbe } from '../domain/region-probe.js';
import { recordRegionProbe } from '../app/usage/region-probe.js';
import type { UsageIndex } from '../app/usage-index.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { ReadDeadlineError } from '../adapters/aws/caller.js';
import type { AccountReader, AnnouncementStore, EventLedger, LedgerStore, SweepAws, SweepStore } from '../app/ports.js';
import { reconcileFromAws } from '../app/live.js';
import type { SweepReport } from '../app/sweep/report.js';
import type { NoticeResult } from '../app/notice.js';
import type { MemberUsage } from '../app/sweep/member-usage.js';
import type { ClusterReader } from '../app/clusters.js';
import type { LifecycleCheckReport } from '../app/lifecycle-check.js';
import { sweepInBatches, type SweepProgressStore } from '../app/sweep/batched.js';
import { sweep } from '../app/sweep/sweep.js';
import type { RunLog } from '../app/sweep/run-log.js';
import type { Config } from '../config.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { LayoutError, RefusedError } from '../errors.js';
import type { Clock } from '../domain/clock.js';
import { wallTimeMs } from '../system-clock.js';

/** The part of the Lambda context the reconcile needs. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Time kept back from the invocation's deadline to write the checkpoint and report. */
const MARGIN_MS = 60_000;

export interface ReconcileHandlerDeps {
  readonly ledger: LedgerStore;
  /** An in-use image the picture no longer has (its DELETE event late or lost): recorded and told. */
  readonly deletions?: OutsideDeletions;
  readonly clock: Clock;
  /** A reader whose calls stop at `stopAt` (epoch ms). */
  readonly reader: (stopAt: number) => AccountReader;
  readonly config: Config;
  readonly log: Log;
  /** Brings the table to the current layout first (a no-op once it is); resumable, so a retry finishes it. */
  readonly upgradeLayout?: () => Promise<{ from: number; to: number; converted: number }>;
  /** After the account: its EKS clusters (config `eks.clusters`), each read replacing its usage report. */
  readonly clusters?: (scope: Scope, at: string) => Promise<{ reported: readonly string[]; warnings: readonly string[] }>;
  /** After the account: which of its other regions run workloads (the region probe). */
  readonly probeRegions?: (accountId: string, skip: readonly string[]) => Promise<RegionProbe>;
  /** After the account: its archived images in use restored or told (restore on use). */
  readonly restoreInUse?: (scope: Scope, archived: readonly ImageFact[]) => Promise<unknown>;
  /** `ReconcilesCompleted` after each reconcile that finished (the ReconcileNotFinished alarm counts them). */
  readonly metrics?: Metrics;
}

/** A reconcile finished: the metric the ReconcileNotFinished alarm counts (an invocation that failed is none). */
export function publishReconcileCompleted(metrics: Metrics | undefined): void {
  if (!metrics) return;
  metrics.addMetric('ReconcilesCompleted', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}

/**
 * The scheduled daily reconcile. When the invocation's time runs out it stops at a call boundary with what it fetched
 * checkpointed and fails, so that Lambda's retry of the asynchronous invocation resumes from the checkpoint.
 */
export function createReconcileHandler(deps: ReconcileHandlerDeps) {
  return middy(async (_event: unknown, context: InvocationContext) => {
    const stopAt = wallTimeMs() + Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS);
    const upgraded = await deps.upgradeLayout?.();
    if (upgraded && upgraded.from !== upgraded.to) deps.log('info', 'ledger table upgraded in place', { ...upgraded });
    try {
      const result = await reconcileFromAws({ ledger: deps.ledger, reader: deps.reader(stopAt), clock: deps.clock, ...(deps.deletions && { deletions: deps.deletions }) }, deps.config);
      for (const warning of result.warnings) deps.log('warn', warning);
      if (deps.clusters) {
        const eks = await deps.clusters(result.scope, deps.clock().toISOString());
        for (const warning of eks.warnings) deps.log('warn', warning);
        if (eks.reported.length > 0) deps.log('info', 'EKS clusters read', { clusters: eks.reported });
      }
      if (deps.probeRegions) {
        const probed = await recordRegionProbe({ ledger: deps.ledger, probe: (account) => deps.probeRegions!(account, [result.scope.region]), clock: deps.clock }, deps.config, result.scope.accountId);
        for (const warning of probed.warnings) deps.log('warn', warning);
      }
      // Restore on use reads the scope's plan: only when the account holds archived images at all.
      const { archivedImages, ...summary } = result;
      if (archivedImages.length > 0) await deps.restoreInUse?.(result.scope, archivedImages);
      deps.log('info', 'reconcile finished', { ...summary });
      publishReconcileCompleted(deps.metrics);
      return { complete: true, images: result.images, written: result.written, removed: result.removed };
    } catch (error) {
      if (error instanceof ReadDeadlineError) deps.log('warn', 'reconcile ran out of time; the next attempt resumes from its checkpoint', { reason: error.message });
      throw error;
    }
  });
}

export interface SweepHandlerDeps {
  readonly store: SweepStore;
  /** An in-use image the live read finds deleted outside ecr-ledger: recorded and told (InUseImageDeleted). */
  readonly deletions?: OutsideDeletions;
  readonly events: EventLedger;
  readonly announcements?: AnnouncementStore;
  /** Live AWS for one run (fresh call counts). */
  readonly aws: (scope: Scope) => SweepAws;
  readonly scope: () => Promise<Scope>;
  /** The ledger's index (a fresh one per run): the other scopes' referrers of the candidates add protection. */
  readonly index: () => UsageIndex;
  /**
   * Fails (LayoutError) on a table of an older layout: the sweep reads the references of other scopes where layout 3
   * keeps them, so on an older table it would miss them. The run is refused; the daily reconcile upgrades the table.
   */
  readonly requireLayout?: () => Promise<void>;
  readonly config: Config;
  readonly clock: Clock;
  readonly dryRun: boolean;
  readonly log: Log;
  readonly metrics: Metrics;
  /** Records in the table what this sweep runs with (config, dry run, managed repositories): the CLI judges with it. */
  readonly recordSettings?: () => Promise<void>;
  /** The advance notice (config `notice`), run before the sweep; its failure is logged and never blocks the sweep. */
  readonly notice?: (scope: Scope) => Promise<NoticeResult>;
  /** Writes the HTML report after the run; returns where (its failure is logged, the sweep's result stands). */
  readonly publishReport?: (scope: Scope, report: SweepReport) => Promise<string>;
  /** Organisation-wide: the member accounts the live check reads. */
  readonly members?: MemberUsage;
  /** EKS clusters the live check reads (config `eks.clusters`). */
  readonly clusters?: ClusterReader;
  /** After the run: the ECR lifecycle policies that would expire or archive images in use (logged, metric, alarm). */
  readonly lifecycleCheck?: (scope: Scope, report: SweepReport) => Promise<LifecycleCheckReport>;
  /** After the run: what its deletions freed, from layers (recorded with the run, a metric); undefined when unknown. */
  readonly measureFreed?: (scope: Scope, report: SweepReport) => Promise<RunFreed | undefined>;
  /** The stack's managedRepositories: the sweep plans deletions only there. */
  readonly managed?: ManagedRepositories;
  /** A run too large for one invocation goes on in the next: its progress, and how to queue the next invocation. */
  readonly batched?: { readonly progress: SweepProgressStore; continueRun(scope: Scope, runId: string, invocations: number): Promise<void>; readonly batchRepositories?: number };
  /** The run log: each finished run is recorded (`ecr-ledger runs`). */
  readonly runs?: RunLog;
}

/** The run's figures as CloudWatch metrics (Embedded Metric Format, through Powertools). */
export function publishSweepMetrics(metrics: Metrics, report: SweepReport): void {
  // Without the dryRun dimension: the stale-source alarm fires in dry runs too.
  metrics.addMetric('StaleUsageSources', MetricUnit.Count, report.staleSources.length);
  metrics.publishStoredMetrics();
  metrics.addDimension('dryRun', String(report.dryRun));
  metrics.addMetric('ImagesDeleted', MetricUnit.Count, report.totals.images);
  metrics.addMetric('BytesDeleted', MetricUnit.Bytes, report.totals.bytes);
  metrics.addMetric('DeleteFailures', MetricUnit.Count, report.totals.failures);
  metrics.addMetric('SkippedByCap', MetricUnit.Count, report.totals.skippedByCap);
  metrics.addMetric('UsdPerMonthSaved', MetricUnit.NoUnit, report.totals.usdPerMonthSaved);
  metrics.publishStoredMetrics();
}

/** What the run freed, from layers, kept with the run and as a metric; a failure is logged, the run's result stands. */
async function recordFreed(deps: SweepHandlerDeps, report: SweepReport): Promise<void> {
  try {
    const freed = await deps.measureFreed!(report.scope, report);
    if (freed === undefined) return deps.log('info', 'the bytes the run freed are unknown: some layers were never read', { runId: report.runId });
    await deps.runs?.annotate(report.runId, freed);
    deps.metrics.addDimension('dryRun', String(report.dryRun));
    deps.metrics.addMetric('BytesFreed', MetricUnit.Bytes, freed.bytesFreed);
    deps.metrics.publishStoredMetrics();
  } catch (error) {
    deps.log('warn', 'the bytes the run freed could not be measured', { reason: (error as Error).message });
  }
}

/** The scheduled sweep: `DRY_RUN` (true until the operator flips it) decides whether it deletes. */
export function createSweepHandler(deps: SweepHandlerDeps) {
  return middy(async (_event: unknown, context?: InvocationContext) => {
    const scope = await deps.scope();
    // What this sweep runs with, for the CLI's deleting sweep against the same table; a failure is logged, never blocks.
    await deps.recordSettings?.().catch((error: unknown) => deps.log('warn', 'could not record the deployed settings in the ledger table', { error: (error as Error).message }));
    if (deps.notice) await runNotice(deps, scope);
    return runSweep(deps, scope, { runId: randomUUID(), continuing: false, context });
  });
}

/** A sweep's next invocation (an SQS message `{ scope, runId, invocations }` its previous invocation queued; a second delivery does nothing). */
export function createSweepContinuationHandler(deps: SweepHandlerDeps) {
  return middy(async (event: { Records: Array<{ body: string }> }, context?: InvocationContext) => {
    for (const record of event.Records) {
      const { scope, runId, invocations } = JSON.parse(record.body) as { scope: Scope; runId: string; invocations?: number };
      await runSweep(deps, scope, { runId, continuing: true, context, ...(typeof invocations === 'number' && { invocations }) });
    }
  });
}

/** One invocation of a run: all of it, or (with `batched`) the repository batches that fit, queueing the rest. */
async function runSweep(deps: SweepHandlerDeps, scope: Scope, run: { runId: string; continuing: boolean; context?: InvocationContext; invocations?: number }) {
  try {
    await requireCurrentLayout(deps);
    const sweepDeps = { store: deps.store, events: deps.events, ...(deps.announcements && { announcements: deps.announcements }), ...(deps.members && { members: deps.members }), ...(deps.clusters && { clusters: deps.clusters }), ...(deps.managed && { managed: deps.managed }), ...(deps.runs && { runs: deps.runs }), ...(deps.deletions && { deletions: deps.deletions }), aws: deps.aws(scope), config: deps.config, clock: deps.clock, warn: (m: string) => deps.log('warn', m), index: deps.index() };
    let report: SweepReport;
    if (deps.batched) {
      const timeLeft = () => run.context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
      const result = await sweepInBatches({ ...sweepDeps, progress: deps.batched.progress, timeLeft }, scope, {
        dryRun: deps.dryRun, runId: run.runId, continuing: run.continuing, ...(deps.batched.batchRepositories && { batchRepositories: deps.batched.batchRepositories }), ...(run.invocations !== undefined && { invocations: run.invocations }),
      });
      if ('duplicate' in result) {
        deps.log('warn', 'sweep continuation delivered again: ignored', { runId: run.runId, reason: result.duplicate });
        return { duplicate: true };
      }
      if (!result.finished) {
        await deps.batched.continueRun(scope, run.runId, result.invocations);
        deps.log('info', 'sweep continues in another invocation', { runId: run.runId, deleted: result.report.totals.images, warnings: result.report.warnings });
        return { dryRun: result.report.dryRun, deleted: result.report.totals.images, failures: result.report.totals.failures, continues: true };
      }
      report = result.report;
    } else {
      report = await sweep(sweepDeps, scope, { dryRun: deps.dryRun, runId: run.runId });
    }
    const { images: _images, settledFromEarlierRuns: settled, ...summary } = report;
    deps.log('info', 'sweep report', { ...summary, settledFromEarlierRuns: settled.length } as unknown as Record<string, unknown>);
    publishSweepMetrics(deps.metrics, report);
    if (deps.lifecycleCheck) await runLifecycleCheck(deps, scope, report);
    if (deps.measureFreed) await recordFreed(deps, report);
    if (deps.publishReport) {
      try {
        deps.log('info', 'sweep report page written', { key: await deps.publishReport(scope, report) });
      } catch (error) {
        deps.log('warn', 'the sweep report page could not be written', { reason: (error as Error).message });
      }
    }
    return { dryRun: report.dryRun, deleted: report.totals.images, failures: report.totals.failures };
  } catch (error) {
    if (error instanceof RefusedError) {
      deps.log('error', 'sweep refused', { reason: error.message });
      deps.metrics.addMetric('SweepRefused', MetricUnit.Count, 1);
      deps.metrics.publishStoredMetrics();
    }
    throw error;
  }
}

async function requireCurrentLayout(deps: SweepHandlerDeps): Promise<void> {
  try {
    await deps.requireLayout?.();
  } catch (error) {
    if (error instanceof LayoutError) throw new RefusedError(`${error.message}; the deployed reconcile upgrades it on its next run, and nothing is deleted until then`, { cause: error });
    throw error;
  }
}

async function runNotice(deps: SweepHandlerDeps, scope: Scope): Promise<void> {
  try {
    const { notice, deliveries, recorded } = await deps.notice!(scope);
    for (const failed of deliveries.filter((d) => !d.ok)) deps.log('warn', 'advance notice not delivered', { channel: failed.channel, reason: failed.error });
    deps.log('info', 'advance notice', { newlyScheduled: notice.totals.images, alreadyAnnounced: notice.alreadyAnnounced, recorded, deletableFrom: notice.deletableFrom, delivered: deliveries.filter((d) => d.ok).map((d) => d.channel) });
  } catch (error) {
    // Without the notice nothing new is announced, so the sweep's notice gate keeps those images: safe to go on.
    deps.log('error', 'advance notice failed', { reason: (error as Error).message });
  }
}

async function runLifecycleCheck(deps: SweepHandlerDeps, scope: Scope, report: SweepReport): Promise<void> {
  try {
    const found = await deps.lifecycleCheck!(scope, report);
    const rules = found.repositories.flatMap((r) => r.rules.filter((rule) => rule.endangered.length > 0).map((rule) => ({ repository: r.repositoryName, rule: rule.rulePriority, action: rule.action, images: rule.endangered.map((e) => e.imageTags[0] ?? e.imageDigest) })));
    deps.log(found.endangered > 0 ? 'warn' : 'info', 'lifecycle-check', { endangered: found.endangered, rules });
    deps.metrics.addMetric('LifecycleEndangeredImages', MetricUnit.Count, found.endangered);
    deps.metrics.publishStoredMetrics();
  } catch (error) {
    deps.log('warn', 'lifecycle-check could not run', { reason: (error as Error).message });
  }
}
