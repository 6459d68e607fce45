import type { Config } from '../../config.js';
import { keptByLedger, usageOf, type AccountFacts, type ImageFact, type Scope } from '../../domain/facts.js';
import { groupBy } from '../../domain/group-by.js';
import { asEcrAnswers } from '../../domain/live-image.js';
import { sourceStatus, staleSourceWarning } from '../../domain/usage-sources.js';
import { AwsReadError, RefusedError } from '../../errors.js';
import { knownFacts } from '../../snapshot/from-facts.js';
import type { AnnouncementStore, EventLedger, LedgerContents, SweepAws, SweepStore } from '../ports.js';
import { act, disposalOf, outcomeOf } from './act.js';
import { splitByNotice } from './notice-gate.js';
import type { MemberUsage } from './member-usage.js';
import { readRunReach } from '../reach/run-reach.js';
import { requireOwnCredentials } from '../reach/credentials.js';
import { readClusters, withLiveClusters, type ClusterReader } from '../clusters.js';
import type { UsageIndex } from '../usage-index.js';
import { settleDeadIntents } from './intents.js';
import { RunLease } from './lease.js';
import { requireFreshLedger } from './fresh-ledger.js';
import type { ManagedRepositories } from '../../domain/managed-repositories.js';
import { orderDeletions } from './order.js';
import { summarise, sweepImage, type SweepReport } from './report.js';
import { keptWholeByReach } from '../reach/kept-whole.js';
import { logRun, type RunLog } from './run-log.js';
import type { OutsideDeletions } from '../undo/outside-deletion.js';
import { planOverLiveRead } from './live-plan.js';


export interface SweepDeps {
  readonly store: SweepStore;
  readonly events: EventLedger;
  readonly aws: SweepAws;
  readonly config: Config;
  readonly clock: () => Date;
  readonly warn?: (message: string) => void;
  /**
   * The ledger's index: the other scopes' referrers of the candidates (read by reference, with what decides whether
   * they protect). They are not live-checked, so they only ever add protection: a repository shared with another
   * account stays whole (keepIfSharedWithOtherAccounts) unless that account is a member read live.
   */
  readonly index: UsageIndex;
  /** Announcements of the advance notice (config `notice`): only images announced `daysAhead` days ago go. */
  readonly announcements?: AnnouncementStore;
  /** Organisation-wide: the member accounts whose current usage the live check reads (config `organization`). */
  readonly members?: MemberUsage;
  /** EKS clusters read live (config `eks.clusters`): one that cannot be read blocks deletion in this registry. */
  readonly clusters?: ClusterReader;
  /** A deployed stack's `managedRepositories`: deletions are planned only there (absent: every repository the config selects). */
  readonly managed?: ManagedRepositories;
  /** The run log: every finished run is recorded there (`ecr-ledger runs`). */
  readonly runs?: RunLog;
  /** An image the live read finds gone that the ledger held in use was deleted outside ecr-ledger: recorded and told. */
  readonly deletions?: OutsideDeletions;
}


/**
 * The live check: what the ledger says may be deletable, re-read now. Candidates are as ECR answers (gone ones drop
 * out; push time, storage class, archive time and tags are ECR's), repositories get their current policy, and every
 * mutable usage fact is replaced by a live read;
 * immutable facts (task-definition contents, manifests, published Lambda versions) come from the ledger.
 */
async function liveFacts(deps: SweepDeps, scope: Scope, view: LedgerContents, now: string, dryRun: boolean): Promise<{ facts: AccountFacts; warnings: readonly string[] }> {
  try {
    const registry = await deps.aws.registry();
    const usage = await deps.aws.readUsage(knownFacts(view.facts));
    const images: ImageFact[] = [];
    const repositories = [];
    for (const [repositoryName, held] of groupBy(view.facts.images, (i) => i.repositoryName)) {
      const byDigest = new Map(held.map((i) => [i.imageDigest, i]));
      const found = await deps.aws.describeImages(repositoryName, [...byDigest.keys()]);
      const present = new Set(found.map((i) => i.imageDigest));
      // Gone since the ledger last heard of it: judged and recorded as an ECR DELETE event would be — its event may be
      // late or lost, and this read is then the first to see an in-use image deleted elsewhere (a rehearsal writes nothing).
      if (!dryRun) {
        for (const digest of byDigest.keys()) {
          if (present.has(digest)) continue;
          await deps.deletions?.deleted(scope, repositoryName, digest, now, `sweep-live-read-${now}`);
          await deps.events.removeImage(scope, repositoryName, digest, now);
        }
      }
      for (const current of found) {
        // Links come from the ledger (manifests are immutable); the image itself is as ECR answers now.
        images.push(asEcrAnswers(byDigest.get(current.imageDigest)!, current));
      }
      const policyText = await deps.aws.repositoryPolicy(repositoryName);
      const deleteReplicatesTo = registry.deleteReplicatesTo(repositoryName);
      repositories.push({ repositoryName, ...(policyText !== undefined && { policyText }), ...(deleteReplicatesTo.length > 0 && { deleteReplicatesTo }) });
    }
    return {
      facts: { scope, capturedAt: now, repositories, images, ...keptByLedger(view.facts), ...usageOf(usage.facts) },
      warnings: usage.warnings,
    };
  } catch (error) {
    if (error instanceof AwsReadError) throw new RefusedError(`the live check cannot be made, so nothing is deleted: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The nightly sweep: deletes an image only when the policy says so over facts that are both recent (a fresh
 * reconcile watermark) and re-read live now, under a run lease, at most `maxDeletionsPerRun` at a time, with an
 * audit record per image written ahead of each call. A dry run makes every check and changes nothing.
 */
export interface SweepOptions {
  readonly dryRun: boolean;
  readonly runId: string;
  /** One batch of a run that fans out: only these repositories' candidates. */
  readonly repositories?: ReadonlySet<string>;
  /** What is left of the run's deletion cap (default maxDeletionsPerRun). */
  readonly cap?: number;
  /** The run's lease, held across its batches by the caller (which then also releases it). */
  readonly lease?: RunLease;
  /** The sweep index as the caller already read it this invocation (its batches share one read). */
  readonly view?: LedgerContents;
  /** A rehearsal (`sweep --snapshot`): recorded as such in the run log. */
  readonly rehearsal?: boolean;
}

export async function sweep(deps: SweepDeps, scope: Scope, options: SweepOptions): Promise<SweepReport> {
  const now = deps.clock().toISOString();
  await requireOwnCredentials(deps.aws, scope, 'sweep');
  const whole = options.view ?? await deps.store.sweepView(scope);
  requireFreshLedger(whole, deps.config, now, { ...(options.rehearsal && { rehearsal: true }), ...(deps.warn && { warn: deps.warn }) });
  const only = options.repositories;
  const view = only ? { ...whole, facts: { ...whole.facts, images: whole.facts.images.filter((i) => only.has(i.repositoryName)) } } : whole;
  const ownLease = !options.dryRun && !options.lease;
  const lease = options.dryRun ? undefined : options.lease ?? await RunLease.take(deps.store, scope, options.runId, deps.clock);
  try {
    const settled = lease ? await settleDeadIntents(deps, scope, { by: options.runId, liveRunId: options.runId }) : [];
    const live = await liveFacts(deps, scope, view, now, options.dryRun);
    // The clusters of this account can pull any of its repositories: one that cannot be read now blocks the run's deletions.
    const clusterReads = deps.clusters ? await readClusters(deps.clusters, scope) : [];
    const unreadableClusters = clusterReads.filter((r) => r.error !== undefined).map((r) => ({ cluster: r.cluster, reason: r.error! }));
    const facts = { ...live.facts, reported: withLiveClusters(live.facts.reported ?? [], clusterReads, now) };
    const warnings = [...live.warnings, ...unreadableClusters.map((u) => `EKS cluster ${u.cluster} cannot be read now (${u.reason}): nothing is deleted from the repositories of ${scope.accountId}/${scope.region}`)];
    warnings.forEach((w) => deps.warn?.(w));
    const held = async (member: Scope) => (await deps.store.sweepView(member)).facts;
    // Every scope a deletion reaches: read live (members), held fresh, or it keeps the repository whole.
    const reach = await readRunReach({ index: deps.index, config: deps.config, held, ...(deps.members && { members: deps.members }) }, scope, facts.repositories, facts.images, now);
    reach.warnings.forEach((w) => deps.warn?.(w));
    const plan = await planOverLiveRead(deps, scope, { view, facts, reach, ...(only && { only }), dryRun: options.dryRun, now });
    const { keptWhole, unreadableScopes } = keptWholeByReach(plan.reach);
    keptWhole.forEach((k) => k.lines.forEach((line) => deps.warn?.(line)));
    // An EKS cluster of this account that cannot be read now may be running any image of its repositories.
    const blocked = new Set(unreadableClusters.length > 0 ? facts.repositories.map((r) => r.repositoryName) : []);
    const planned = plan.images.filter((p) => p.action === 'delete' && !blocked.has(p.image.repositoryName));
    // Outside the stack's managed repositories the role may not delete: those are named, never asked for.
    const managed = deps.managed;
    const deletable = managed ? planned.filter((p) => managed(scope, p.image.repositoryName)) : planned;
    const notManaged = [...new Set(planned.filter((p) => !deletable.includes(p)).map((p) => p.image.repositoryName))].sort();
    const notManagedWarning = notManaged.length > 0 ? [`the config selects ${notManaged.join(', ')}, outside the stack's managedRepositories: nothing is deleted there (add them to managedRepositories, or narrow the config's repositories)`] : [];
    notManagedWarning.forEach((w) => deps.warn?.(w));
    // (An archived image the policy archives is kept by the plan until deleteArchivedAfterDays: never archived twice.)
    const { ready, waiting } = await splitByNotice(deps.announcements, deps.config, scope, deletable, now);
    const { now: batch, later } = orderDeletions(ready, options.cap ?? deps.config.sweep.maxDeletionsPerRun);
    const { done, alreadyGone, failed } = lease ? await act({ ...deps, beforeCall: () => lease.renew() }, scope, batch, options.runId, now) : { done: batch, alreadyGone: [], failed: [] };
    const { repositories, totals } = summarise(done, failed.map((f) => f.planned), later, alreadyGone, deps.config.sweep.action, deps.config.pricing);
    // A stale usage source keeps protecting what it last reported; the report says so (and the alarm fires).
    const staleSources = (facts.sources ?? []).map((s) => sourceStatus(s, deps.config, now)).filter((s) => s.stale);
    staleSources.forEach((s) => deps.warn?.(staleSourceWarning(s, now)));
    // Pins that stopped protecting since the last run that could act on it: people should hear of it.
    const lastRun = await deps.store.lastRun(scope);
    const expiredPins = facts.pins.filter((p) => p.expiresAt !== undefined && p.expiresAt <= now && (lastRun === undefined || p.expiresAt > lastRun));
    if (lease) await deps.store.recordRun(scope, now);
    const report: SweepReport = {
      runId: options.runId, scope, now, dryRun: options.dryRun, action: deps.config.sweep.action,
      images: done.map((p) => sweepImage(p, lease ? outcomeOf(disposalOf(p, deps.config)) : undefined)), alreadyGone: alreadyGone.map((p) => sweepImage(p, 'already gone')),
      failures: failed.map((f) => ({ ...sweepImage(f.planned, 'failed'), code: f.code, reason: f.reason })),
      skippedByCap: later.length, awaitingNotice: waiting, notManaged, unreadableAccounts: reach.unreadableAccounts, unreadableScopes, keptWhole: keptWhole.map(({ repositoryName, scopes }) => ({ repositoryName, scopes })), unreadableClusters, staleSources, expiredPins, repositories, totals,
      warnings: [...warnings, ...reach.warnings, ...keptWhole.flatMap((k) => k.lines), ...staleSources.map((s) => staleSourceWarning(s, now)), ...notManagedWarning], calls: deps.aws.calls(), settledFromEarlierRuns: settled,
    };
    // A whole run (not one batch of a run spread over invocations, which sweepInBatches records when it finishes).
    if (!only) await logRun(deps.runs, report, { ...(options.rehearsal && { rehearsal: true }), finishedAt: deps.clock().toISOString(), config: deps.config });
    return report;
  } finally {
    if (ownLease) await lease?.release();
  }
}
