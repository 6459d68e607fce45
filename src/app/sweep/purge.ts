import type { Config } from '../../config.js';
import type { AccountFacts, ImageFact, ImageHistory, RepositoryFact, Scope } from '../../domain/facts.js';
import { imageKey, keptByLedger } from '../../domain/facts.js';
import { taskStops } from '../../domain/task-state.js';
import { liveHistory } from '../usage/release.js';
import { forgottenTaskStops } from '../usage/forgotten-tasks.js';
import { releasedByExpiredPins, timeHold } from '../../domain/past-use.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import { ruleMatcher } from '../../domain/retention-policy.js';
import { reachKeeps, reachOf } from '../../domain/reach.js';
import type { RegionProbe } from '../../domain/region-probe.js';
import { usageAcrossScopes } from '../../domain/usage-across-scopes.js';
import { requireOwnCredentials } from '../reach/credentials.js';
import { readRunReach } from '../reach/run-reach.js';
import { reachWorld } from '../reach/reach-world.js';
import type { UsageIndex } from '../usage-index.js';
import { AwsReadError, RefusedError, UnreadableReachError } from '../../errors.js';
import { knownFacts } from '../../snapshot/from-facts.js';
import type { AnnouncementStore, EventLedger, SweepAws, SweepStore } from '../ports.js';
import { act } from './act.js';
import { RunLease } from './lease.js';
import { sweepImage, type SweepImage } from './report.js';
import { readClusters, withLiveClusters, type ClusterReader } from '../clusters.js';
import type { MemberUsage } from './member-usage.js';

export interface PurgeDeps {
  readonly aws: SweepAws;
  readonly config: Config;
  readonly clock: () => Date;
  /**
   * With a ledger: its facts are reused, its pins, reports and time-based protection (stopped tasks' retention,
   * releases within grace, the notice's promises) hold, and deletions are recorded (tombstones, audit). A scope the
   * ledger does not hold has empty `facts`, never no ledger: its other scopes and region probes still count.
   */
  readonly ledger?: {
    readonly facts: AccountFacts; readonly history?: ReadonlyMap<string, ImageHistory>; readonly store: SweepStore; readonly events: EventLedger; readonly index: UsageIndex;
    readonly announcements?: AnnouncementStore;
  };
  /** EKS clusters read live (config `eks.clusters`), as the sweep reads them: one that cannot be read now refuses the purge. */
  readonly clusters?: ClusterReader;
  /** Without a ledger: the account's regions probed live now (a region running workloads could pull from here). */
  readonly probe?: () => Promise<RegionProbe>;
  /** Organisation-wide: the member accounts in the reach, read live as the sweep reads them (one that cannot be read refuses). */
  readonly members?: MemberUsage;
}

export interface PurgeReport {
  readonly repositoryName: string;
  readonly dryRun: boolean;
  readonly images: readonly SweepImage[];
  readonly failures: ReadonlyArray<SweepImage & { readonly code: string; readonly reason: string }>;
}

const REASON = 'purged: its repository is about to be deleted and nothing uses it';

/**
 * Empties a repository that is about to be deleted (a stack that owns it is being removed): a sweep of one
 * repository. Refuses, naming who uses what, if any of its images is in use — by a workload the live read sees, an
 * operator's pin, a usage report, a use that ended within grace, a promise of the notice — or if a scope its deletion
 * reaches cannot be judged.
 */
export async function purgeRepository(deps: PurgeDeps, scope: Scope, repositoryName: string, options: { dryRun: boolean; runId: string }): Promise<PurgeReport> {
  await requireOwnCredentials(deps.aws, scope, 'purge');
  // A purge that deletes holds the scope's run lock, as a sweep does: no sweep judges or deletes in the scope meanwhile.
  const lease = options.dryRun || !deps.ledger ? undefined : await RunLease.take(deps.ledger.store, scope, options.runId, deps.clock);
  try {
    return await purge(deps, scope, repositoryName, { ...options, ...(lease && { lease }) });
  } finally {
    await lease?.release();
  }
}

/** Where a deletion in the repository reaches: from the ledger, or (without one) from a live probe of the account's regions. */
async function purgeReach(deps: PurgeDeps, scope: Scope, repository: RepositoryFact, images: readonly ImageFact[], now: string) {
  // The sweep's reach, read the sweep's way: members in the reach read live, reusing their sweep index.
  const { ledger } = deps;
  if (ledger) return readRunReach({ index: ledger.index, config: deps.config, held: async (member) => (await ledger.store.sweepView(member)).facts, ...(deps.members && { members: deps.members }) }, scope, [repository], images, now);
  if (!deps.probe) throw new UnreadableReachError(`${repository.repositoryName} cannot be emptied: without a ledger, the regions of ${scope.accountId} where workloads could pull from it cannot be read (give --ledger or --table)`);
  let probe: RegionProbe;
  try {
    probe = await deps.probe();
  } catch (error) {
    if (!(error instanceof AwsReadError)) throw error;
    throw new UnreadableReachError(`${repository.repositoryName} cannot be emptied: the regions of ${scope.accountId} where workloads could pull from it cannot be read (${error.message})`, { cause: error });
  }
  return { world: reachWorld(deps.config, { registry: scope, home: 'live', held: [], probes: [probe], now }), others: [] };
}

async function purge(deps: PurgeDeps, scope: Scope, repositoryName: string, options: { dryRun: boolean; runId: string; lease?: RunLease }): Promise<PurgeReport> {
  const now = deps.clock().toISOString();
  const images = await deps.aws.repositoryImages(repositoryName);
  const usage = await deps.aws.readUsage(knownFacts(deps.ledger?.facts));
  const policyText = await deps.aws.repositoryPolicy(repositoryName);
  const deleteReplicatesTo = (await deps.aws.registry()).deleteReplicatesTo(repositoryName);
  const repository = { repositoryName, ...(policyText !== undefined && { policyText }), ...(deleteReplicatesTo.length > 0 && { deleteReplicatesTo }) };
  // Every scope a deletion here reaches: its users count (the ledger's other scopes, replicas' users), and one that cannot be judged refuses.
  const reach = await purgeReach(deps, scope, repository, images, now);
  const clusterReads = deps.clusters ? await readClusters(deps.clusters, scope) : [];
  const unreadable = clusterReads.filter((r) => r.error !== undefined);
  if (unreadable.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: ${unreadable.map((r) => `EKS cluster ${r.cluster} cannot be read now (${r.error})`).join('; ')}; a pod there may run any of its images`);
  const kept = keptByLedger(deps.ledger?.facts);
  const facts: AccountFacts = { scope, capturedAt: now, repositories: [repository], images, ...kept, ...usage.facts, reported: withLiveClusters(kept.reported ?? [], clusterReads, now) };
  // Strict whatever the rules say (keepIfSharedWithOtherAccounts waives nothing here): the repository goes for good.
  const unseen = reachKeeps(reachOf(repository, reach.world), true, reach.world.members);
  if (unseen.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: its users cannot all be seen now. ${unseen.join('; ')}`);
  // Someone is bringing an image back from the archive (ACTIVATING): they mean to use it. The sweep keeps it under every
  // rule; purge refuses until the restore is done and the image is wanted no more.
  const restoring = images.filter((image) => image.imageStatus === 'ACTIVATING');
  if (restoring.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: ${restoring.length} of its image(s) are being restored from the archive (ACTIVATING), so someone means to use them: ${restoring.map((i) => `${repositoryName}@${i.imageDigest} [${i.imageTags.join(', ') || 'untagged'}]`).join('; ')}`);
  const used = usageAcrossScopes(facts, reach.others, { ...deps.config.ecs, now });
  const inUse = images.filter((image) => used.inUse.has(imageKey(repositoryName, image.imageDigest)));
  if (inUse.length > 0) {
    const who = inUse.map((image) => {
      const referrers = (used.referrers.get(imageKey(repositoryName, image.imageDigest)) ?? []).filter((r) => r.protecting);
      return `${repositoryName}@${image.imageDigest} [${image.imageTags.join(', ') || 'untagged'}] is used by ${referrers.map((r) => `${r.kind} ${r.id}`).join(', ')}`;
    });
    throw new RefusedError(`${repositoryName} cannot be emptied: ${inUse.length} of its ${images.length} image(s) are in use. ${who.join('; ')}`);
  }
  // Time is protection too, as in the sweep: a stopped task's retention, a use that ended within grace, a notice's promise.
  // The ledger's history with what this live read saw end: stops, and uses the ledger held that are gone now (as the sweep).
  const retention = { stoppedTaskRetentionHours: deps.config.ecs.stoppedTaskRetentionHours, now };
  const stops = [
    ...taskStops([], facts.tasks, { stoppedTaskRetentionHours: retention.stoppedTaskRetentionHours, readAt: now }),
    ...(deps.ledger ? (await forgottenTaskStops(deps.ledger.index, scope, images, facts, retention)).stops : []),
  ];
  const live = liveHistory(deps.ledger?.history ?? new Map(), { ledger: deps.ledger?.facts, live: facts, stops, registry: scope, now, ecs: deps.config.ecs });
  const history = releasedByExpiredPins(live.history, kept.pins, now);
  const graceDays = ruleMatcher(deps.config.repositories)(repositoryName)?.graceDays ?? Math.max(0, ...deps.config.repositories.map((r) => r.graceDays));
  const announced = deps.config.notice && deps.ledger?.announcements ? await deps.ledger.announcements.announcements(scope, images) : new Map();
  const held = images.flatMap((image) => {
    const key = imageKey(repositoryName, image.imageDigest);
    const why = timeHold(history.get(key), { graceDays, now, ...(announced.get(key) && { deletableFrom: announced.get(key)!.deletableFrom }) });
    return why ? [`${repositoryName}@${image.imageDigest} [${image.imageTags.join(', ') || 'untagged'}]: ${why}`] : [];
  });
  if (held.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: ${held.length} of its ${images.length} image(s) are still protected by time. ${held.join('; ')}`);
  const planned: PlannedImage[] = images.map((image) => ({ image, action: 'delete', reasons: [REASON], referrers: used.referrers.get(imageKey(repositoryName, image.imageDigest)) ?? [], inUse: false }));
  if (options.dryRun) return { repositoryName, dryRun: true, images: planned.map((p) => sweepImage(p)), failures: [] };
  const config = { ...deps.config, sweep: { ...deps.config.sweep, action: 'delete' as const } };
  const lease = options.lease;
  const { done, alreadyGone, failed } = await act({ aws: deps.aws, config, clock: deps.clock, ...(deps.ledger && { events: deps.ledger.events, store: deps.ledger.store }), ...(lease && { beforeCall: () => lease.renew() }) }, scope, planned, options.runId, now);
  return {
    repositoryName, dryRun: false, images: [...done.map((p) => sweepImage(p, 'deleted')), ...alreadyGone.map((p) => sweepImage(p, 'already gone'))],
    failures: failed.map((f) => ({ ...sweepImage(f.planned, 'failed'), code: f.code, reason: f.reason })),
  };
}
