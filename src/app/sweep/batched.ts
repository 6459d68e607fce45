import { requireOwnCredentials } from '../reach/credentials.js';
import type { Scope } from '../../domain/facts.js';
import type { AuditRecord } from '../ports.js';
import { RunLease } from './lease.js';
import { byAction, type SweepImage, type SweepReport } from './report.js';
import type { ImageOutcome } from './act.js';
import { logRun } from './run-log.js';
import { sweep, type SweepDeps } from './sweep.js';
import { usdPerMonth } from '../../domain/plan-summary.js';

/** Where a run that fans out over several invocations stands: the last repository done, and its counters. */
export interface SweepProgress {
  readonly runId: string;
  readonly startedAt: string;
  readonly after?: string;
  readonly deleted: number;
  readonly skippedByCap: number;
  readonly invocations: number;
}

export interface SweepProgressStore {
  loadProgress(scope: Scope, runId: string): Promise<SweepProgress | undefined>;
  saveProgress(scope: Scope, progress: SweepProgress): Promise<void>;
  /** Saves `progress` only if the stored one has done `expectedInvocations` invocations: false when another took it. */
  claimProgress(scope: Scope, progress: SweepProgress, expectedInvocations: number): Promise<boolean>;
  /** Clears the progress and the run's parts. */
  clearProgress(scope: Scope, runId: string): Promise<void>;
  /** Keeps what one batch of the run found or did (`after`: its last repository), so that the finished run reports the whole run. */
  savePart(scope: Scope, runId: string, after: string, part: SweepReport): Promise<void>;
  /** The run's parts so far, in repository order. */
  parts(scope: Scope, runId: string): Promise<SweepReport[]>;
}

export interface BatchedSweepDeps extends SweepDeps {
  readonly progress: SweepProgressStore;
  /** Milliseconds this invocation has left. */
  readonly timeLeft: () => number;
}

/** Time kept back to write the progress and hand the lease over. */
const RESERVE_MS = 120_000;

/**
 * Usage reads made once per invocation and shared by its batches: every batch of a run judges with the same live
 * picture (read at most minutes before its deletions, as a single-invocation sweep does).
 */
function sharingLiveReads(deps: SweepDeps): SweepDeps {
  const once = <A extends unknown[], R>(f: (...args: A) => Promise<R>) => {
    const cache = new Map<string, Promise<R>>();
    return (...args: A) => { const key = JSON.stringify(args[0] ?? null); if (!cache.has(key)) cache.set(key, f(...args)); return cache.get(key)!; };
  };
  const aws = deps.aws;
  let usage: ReturnType<typeof aws.readUsage> | undefined;
  const readUsage: typeof aws.readUsage = (known) => (usage ??= aws.readUsage(known));
  // The members' sweep indexes (the immutable facts their live reads reuse), read once per invocation too.
  const store = deps.store;
  const sweepView = once((scope: Scope) => store.sweepView(scope));
  return {
    ...deps,
    store: new Proxy(store, { get: (target, prop, receiver) => (prop === 'sweepView' ? sweepView : Reflect.get(target, prop, receiver)) }),
    aws: new Proxy(aws, { get: (target, prop, receiver) => (prop === 'readUsage' ? readUsage : Reflect.get(target, prop, receiver)) }),
    ...(deps.members && { members: { scopes: once(() => deps.members!.scopes()), organizationId: once(() => deps.members!.organizationId()), readUsage: once((scope, known) => deps.members!.readUsage(scope, known)) } }),
    ...(deps.clusters && { clusters: { clusters: once((scope) => deps.clusters!.clusters(scope)) } }),
  };
}

const OUTCOMES: Partial<Record<AuditRecord['status'], ImageOutcome>> = { deleted: 'deleted', archived: 'archived', 'already-gone': 'already gone', failed: 'failed' };
const fromAudit = (r: AuditRecord): SweepImage => ({
  repositoryName: r.repositoryName, imageDigest: r.imageDigest, imageTags: r.imageTags, imageSizeInBytes: r.imageSizeInBytes, reasons: r.reasons,
  ...((r.action === 'delete' || r.action === 'archive') && { action: r.action }), ...(OUTCOMES[r.status] && { outcome: OUTCOMES[r.status] }),
});

/**
 * The sweep of a registry too large for one invocation: its candidate repositories in batches, in name order, as many
 * as fit this invocation; the rest in the next (`finished: false`), which resumes with `continuing`. One run id, one
 * lease (handed over between invocations, refused if lost), one deletion cap and one audit trail hold across them; the
 * finished run's report lists what the whole run did, from the audit trail.
 */
export async function sweepInBatches(
  deps: BatchedSweepDeps, scope: Scope,
  options: { dryRun: boolean; runId: string; continuing: boolean; batchRepositories?: number; /** The invocations done when the continuation was queued. */ invocations?: number },
): Promise<{ report: SweepReport; finished: boolean; invocations: number } | { duplicate: string }> {
  const now = deps.clock().toISOString();
  await requireOwnCredentials(deps.aws, scope, 'sweep');
  const held = options.continuing ? await deps.progress.loadProgress(scope, options.runId) : undefined;
  if (options.continuing && !held) return { duplicate: `run ${options.runId} has no progress to continue from (it finished, or was never started): this delivery does nothing` };
  let progress: SweepProgress = held ?? { runId: options.runId, startedAt: now, deleted: 0, skippedByCap: 0, invocations: 0 };
  progress = { ...progress, invocations: progress.invocations + 1 };
  // A continuation is claimed once (SQS may deliver it twice): the cursor it was queued at must still stand, and is moved now.
  if (held) {
    const moved = options.invocations !== undefined && held.invocations !== options.invocations;
    if (moved || !(await deps.progress.claimProgress(scope, progress, held.invocations))) {
      return { duplicate: `run ${options.runId} was already continued (invocation ${held.invocations + (moved ? 0 : 1)} took it): this delivery does nothing` };
    }
  }
  const lease = options.dryRun ? undefined : options.continuing ? await RunLease.resume(deps.store, scope, options.runId, deps.clock) : await RunLease.take(deps.store, scope, options.runId, deps.clock);
  const shared = sharingLiveReads(deps);
  const reports: SweepReport[] = [];
  let finished = false;
  try {
    const view = await deps.store.sweepView(scope);
    const candidates = [...new Set(view.facts.images.map((i) => i.repositoryName))].sort().filter((r) => progress.after === undefined || r > progress.after);
    const size = options.batchRepositories ?? 50;
    let stopped = false;
    for (let i = 0; i < candidates.length; i += size) {
      stopped = reports.length > 0 && deps.timeLeft() < RESERVE_MS;
      if (stopped) break;
      const batch = candidates.slice(i, i + size);
      const cap = Math.max(0, deps.config.sweep.maxDeletionsPerRun - progress.deleted);
      const report = await sweep(shared, scope, { dryRun: options.dryRun, runId: options.runId, repositories: new Set(batch), cap, view, ...(lease && { lease }) });
      reports.push(report);
      await deps.progress.savePart(scope, options.runId, batch.at(-1)!, report);
      progress = { ...progress, after: batch.at(-1)!, deleted: progress.deleted + report.totals.images + report.totals.failures, skippedByCap: progress.skippedByCap + report.skippedByCap };
      // A dry run keeps its progress too (bookkeeping only: it deletes and archives nothing), so that it can continue.
      await deps.progress.saveProgress(scope, progress);
    }
    finished = !stopped;
    // The finished run's record is the whole run, every invocation's batches (a dry run has no audit trail to read).
    if (finished && progress.invocations > 1) reports.splice(0, reports.length, ...await deps.progress.parts(scope, options.runId));
    if (finished) await deps.progress.clearProgress(scope, options.runId);
  } finally {
    if (lease && finished) await lease.release();
    else if (lease) await lease.handOver();
  }
  const report = await merged(deps, scope, options, progress, reports, finished);
  if (finished) await logRun(deps.runs, report, { finishedAt: deps.clock().toISOString(), config: deps.config });
  return { report, finished, invocations: progress.invocations };
}

const uniqueScopes = <T extends { account: string; region: string }>(list: readonly T[]) => [...new Map(list.map((s) => [`${s.account}/${s.region}`, s])).values()];

async function merged(deps: BatchedSweepDeps, scope: Scope, options: { dryRun: boolean; runId: string }, progress: SweepProgress, reports: readonly SweepReport[], finished: boolean): Promise<SweepReport> {
  const last = reports.at(-1);
  // A run spread over invocations reports what it did as a whole: what it deleted from its audit trail, the rest (and a
  // dry run's images) from its batches' parts; an invocation that does not finish, what it did itself.
  const audit = finished && progress.invocations > 1 && !options.dryRun ? (await deps.store.audit(scope, { now: deps.clock().toISOString(), since: progress.startedAt })).filter((r) => r.runId === options.runId) : undefined;
  // The audit keeps no layers: the parts of the run (every batch's report) know them.
  const layersOf = new Map(reports.flatMap((r) => r.images).flatMap((i) => (i.layers ? [[`${i.repositoryName}@${i.imageDigest}`, i.layers] as const] : [])));
  const withLayers = (i: SweepImage): SweepImage => { const layers = layersOf.get(`${i.repositoryName}@${i.imageDigest}`); return layers ? { ...i, layers } : i; };
  const images = audit ? audit.filter((r) => r.status === 'deleted' || r.status === 'archived').map(fromAudit).map(withLayers) : reports.flatMap((r) => r.images);
  const alreadyGone = audit ? audit.filter((r) => r.status === 'already-gone').map(fromAudit) : reports.flatMap((r) => r.alreadyGone);
  const failures = audit ? audit.filter((r) => r.status === 'failed').map((r) => ({ ...fromAudit(r), code: r.failure?.code ?? 'Unknown', reason: r.failure?.reason ?? '' })) : reports.flatMap((r) => r.failures);
  const repositories = audit
    ? [...new Set([...images, ...failures].map((i) => i.repositoryName))].sort().map((name) => ({
      repositoryName: name, images: images.filter((i) => i.repositoryName === name).length, bytes: images.filter((i) => i.repositoryName === name).reduce((n, i) => n + i.imageSizeInBytes, 0),
      failures: failures.filter((f) => f.repositoryName === name).length, skippedByCap: 0,
    }))
    : reports.flatMap((r) => r.repositories);
  const bytes = repositories.reduce((n, r) => n + r.bytes, 0);
  const unique = <T>(list: T[]) => [...new Set(list)];
  return {
    runId: options.runId, scope, now: progress.startedAt, dryRun: options.dryRun, action: deps.config.sweep.action,
    images, alreadyGone, failures, skippedByCap: progress.skippedByCap,
    awaitingNotice: reports.flatMap((r) => r.awaitingNotice), notManaged: [...new Set(reports.flatMap((r) => r.notManaged))].sort(), unreadableAccounts: last?.unreadableAccounts ?? [], unreadableScopes: uniqueScopes(reports.flatMap((r) => r.unreadableScopes)), keptWhole: reports.flatMap((r) => r.keptWhole), unreadableClusters: last?.unreadableClusters ?? [],
    staleSources: last?.staleSources ?? [], expiredPins: reports.flatMap((r) => r.expiredPins),
    repositories, totals: { images: images.length, ...byAction(images, deps.config.sweep.action), alreadyGone: alreadyGone.length, bytes, failures: failures.length, skippedByCap: progress.skippedByCap, usdPerMonthSaved: usdPerMonth(images.filter((i) => (i.action ?? deps.config.sweep.action) !== 'archive').reduce((n, i) => n + i.imageSizeInBytes, 0), deps.config.pricing) },
    warnings: unique([...reports.flatMap((r) => r.warnings), ...(finished ? [] : [`the run continues in another invocation after repository ${progress.after}`])]),
    calls: Object.fromEntries(Object.entries(reports.reduce<Record<string, number>>((acc, r) => { for (const [k, v] of Object.entries(r.calls)) acc[k] = Math.max(acc[k] ?? 0, v); return acc; }, {}))),
    settledFromEarlierRuns: reports.flatMap((r) => r.settledFromEarlierRuns),
  };
}
