import type { Config } from '../../config.js';
import type { AccountFacts, Scope } from '../../domain/facts.js';
import { imageKey, keptByLedger } from '../../domain/facts.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import { reachKeeps, reachOf } from '../../domain/reach.js';
import { usageAcrossScopes } from '../../domain/usage-across-scopes.js';
import { requireOwnCredentials } from '../reach/credentials.js';
import { readRunReach } from '../reach/run-reach.js';
import { reachWorld } from '../reach/reach-world.js';
import type { UsageIndex } from '../usage-index.js';
import { RefusedError } from '../../errors.js';
import { knownFacts } from '../../snapshot/from-facts.js';
import type { EventLedger, SweepAws, SweepStore } from '../ports.js';
import { act } from './act.js';
import { RunLease } from './lease.js';
import { sweepImage, type SweepImage } from './report.js';
import { readClusters, withLiveClusters, type ClusterReader } from '../clusters.js';

export interface PurgeDeps {
  readonly aws: SweepAws;
  readonly config: Config;
  readonly clock: () => Date;
  /** With a ledger: its facts are reused, its pins protect, and deletions are recorded (tombstones, audit). */
  readonly ledger?: { readonly facts: AccountFacts; readonly store: SweepStore; readonly events: EventLedger; readonly index: UsageIndex };
  /** EKS clusters read live (config `eks.clusters`), as the sweep reads them: one that cannot be read now refuses the purge. */
  readonly clusters?: ClusterReader;
}

export interface PurgeReport {
  readonly repositoryName: string;
  readonly dryRun: boolean;
  readonly images: readonly SweepImage[];
  readonly failures: ReadonlyArray<SweepImage & { readonly code: string; readonly reason: string }>;
}

const REASON = 'purged: its repository is about to be deleted and nothing uses it';

/**
 * Empties a repository that is about to be deleted (a stack that owns it is being removed). Refuses, naming who
 * uses what, if any of its images is in use — by a workload the live read sees or by an operator's pin.
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

async function purge(deps: PurgeDeps, scope: Scope, repositoryName: string, options: { dryRun: boolean; runId: string; lease?: RunLease }): Promise<PurgeReport> {
  const now = deps.clock().toISOString();
  const images = await deps.aws.repositoryImages(repositoryName);
  const usage = await deps.aws.readUsage(knownFacts(deps.ledger?.facts));
  const policyText = await deps.aws.repositoryPolicy(repositoryName);
  const deleteReplicatesTo = (await deps.aws.registry()).deleteReplicatesTo(repositoryName);
  const repository = { repositoryName, ...(policyText !== undefined && { policyText }), ...(deleteReplicatesTo.length > 0 && { deleteReplicatesTo }) };
  // Every scope a deletion here reaches: its users count (the ledger's other scopes, replicas' users), and one that cannot be judged refuses.
  const reach = deps.ledger
    ? await readRunReach({ index: deps.ledger.index, config: deps.config, held: async () => undefined }, scope, [repository], images, now)
    : { world: reachWorld(deps.config, { registry: scope, home: 'live', held: [], now }), others: [] };
  const clusterReads = deps.clusters ? await readClusters(deps.clusters, scope) : [];
  const unreadable = clusterReads.filter((r) => r.error !== undefined);
  if (unreadable.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: ${unreadable.map((r) => `EKS cluster ${r.cluster} cannot be read now (${r.error})`).join('; ')}; a pod there may run any of its images`);
  const kept = keptByLedger(deps.ledger?.facts);
  const facts: AccountFacts = { scope, capturedAt: now, repositories: [repository], images, ...kept, ...usage.facts, reported: withLiveClusters(kept.reported ?? [], clusterReads, now) };
  // Strict whatever the rules say (keepIfSharedWithOtherAccounts waives nothing here): the repository goes for good.
  const unseen = reachKeeps(reachOf(repository, reach.world), true, reach.world.members);
  if (unseen.length > 0) throw new RefusedError(`${repositoryName} cannot be emptied: its users cannot all be seen now. ${unseen.join('; ')}`);
  const used = usageAcrossScopes(facts, reach.others, { ...deps.config.ecs, now });
  const inUse = images.filter((image) => used.inUse.has(imageKey(repositoryName, image.imageDigest)));
  if (inUse.length > 0) {
    const who = inUse.map((image) => {
      const referrers = (used.referrers.get(imageKey(repositoryName, image.imageDigest)) ?? []).filter((r) => r.protecting);
      return `${repositoryName}@${image.imageDigest} [${image.imageTags.join(', ') || 'untagged'}] is used by ${referrers.map((r) => `${r.kind} ${r.id}`).join(', ')}`;
    });
    throw new RefusedError(`${repositoryName} cannot be emptied: ${inUse.length} of its ${images.length} image(s) are in use. ${who.join('; ')}`);
  }
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
