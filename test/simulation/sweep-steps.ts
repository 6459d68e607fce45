import { LiveSweepAws } from '../../src/adapters/aws/sweep-aws.js';
import { sweep } from '../../src/app/sweep/sweep.js';
import { purgeRepository } from '../../src/app/sweep/purge.js';
import type { SweepReport } from '../../src/app/sweep/report.js';
import { RefusedError, UnreadableReachError } from '../../src/errors.js';
import { judgeSweep } from './oracle.js';
import { short, type Sim } from './sim.js';
import type { Delivery } from './timeline.js';
import { REPO, SCOPE } from './world.js';

/** The nightly sweep of the registry, as deployed (deleting, organisation-wide when the world has a member), judged. */
export async function sweepNow(sim: Sim, raced: readonly string[] = []): Promise<void> {
  sim.stats.sweeps += 1;
  const before = new Map(sim.snapshot());
  const at = sim.nowMs();
  const { ledger, config } = sim;
  const aws = new LiveSweepAws(sim.registry.clients(), sim.caller(), SCOPE, config, sim.now);
  let report;
  try {
    report = await sweep({
      store: ledger.sweep, events: ledger.events, aws, config, clock: sim.now, index: ledger.usageIndex(), runs: ledger.runs, deletions: sim.deletions, announcements: ledger.announcements,
      ...(sim.organization && { members: sim.organization }),
    }, SCOPE, { dryRun: false, runId: `night-${sim.iso()}` });
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    sim.stats.refused += 1; // a stale ledger: refusing is keeping
    return;
  }
  if (report.skippedByCap > 0) sim.lastCapped = at;
  // Its live read saw every open use of the registry's account and of each member it could read.
  for (const accountId of [SCOPE.accountId, ...sim.members().filter((m) => !m.down).map((m) => m.scope.accountId)]) sim.truth.heardAll(accountId);
  // (3) What someone else deleted first is no change of the sweep's: its record says "already gone".
  for (const d of raced) {
    before.delete(d);
    const why = sim.truth.broken(d, at, sim.promises); // the sweep was about to act on it: judged as if it had
    if (why) sim.violation(`${short(d)} was about to go by the sweep (someone deleted it first): ${why}`);
    if (!report.alreadyGone.some((i) => i.imageDigest === d)) sim.violation(`${short(d)} went before the sweep's call; the run's record says ${report.images.find((i) => i.imageDigest === d)?.outcome ?? 'nothing'}, not already gone`);
  }
  const judged = judgeSweep({ before, after: sim.snapshot(), report, truth: sim.truth, at, promises: sim.promises, notice: config.notice !== undefined });
  sim.violations.push(...judged.violations);
  sim.stats.deleted += judged.deleted;
  sim.stats.archived += judged.archived;
}

/** A sweep during which someone deletes, outside ecr-ledger, the first image the sweep is about to delete or archive. */
export async function raceSweep(sim: Sim, delivery: Delivery): Promise<void> {
  const raced: string[] = [];
  const { ecr } = sim.registry;
  ecr.beforeChange = (repositoryName, digests) => {
    const d = digests[0];
    if (repositoryName !== REPO || !d || !sim.present(d) || sim.truth.children.has(d)) return;
    ecr.removeImage(REPO, d);
    raced.push(d);
  };
  await sweepNow(sim, raced);
  ecr.beforeChange = undefined;
  for (const d of raced) {
    sim.untagAll(d);
    await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'DELETE' }), delivery, async () => {
      if (sim.truth.knownInUse(d, sim.nowMs()) && !sim.told.has(d)) sim.violation(`${short(d)} was deleted outside ecr-ledger while in use, and nobody was told`);
    });
  }
}

/**
 * purge-repository of the registry's repository, as the deployed custom resource runs it (with the ledger, members read
 * live), judged like a sweep: nothing it deletes may be in use within its protection, nor promised by a notice for later;
 * its record says what ECR did. Refusing is keeping.
 */
export async function purgeNow(sim: Sim): Promise<void> {
  const before = new Map(sim.snapshot());
  const at = sim.nowMs();
  const { ledger, config } = sim;
  const held = await ledger.load(SCOPE);
  let report;
  try {
    report = await purgeRepository({
      aws: new LiveSweepAws(sim.registry.clients(), sim.caller(), SCOPE, config, sim.now), config, clock: sim.now,
      ledger: { facts: held.facts, history: held.history, store: ledger.sweep, events: ledger.events, index: ledger.usageIndex(), announcements: ledger.announcements },
      ...(sim.organization && { members: sim.organization }),
    }, SCOPE, REPO, { dryRun: false, runId: `purge-${sim.iso()}` });
  } catch (error) {
    if (!(error instanceof RefusedError) && !(error instanceof UnreadableReachError)) throw error;
    return;
  }
  sim.stats.purges += 1;
  // Its live read saw every open use of the registry's account and of each member it could read.
  for (const accountId of [SCOPE.accountId, ...sim.members().filter((m) => !m.down).map((m) => m.scope.accountId)]) sim.truth.heardAll(accountId);
  const asRun = { images: report.images.filter((i) => i.outcome !== 'already gone'), alreadyGone: [], failures: [] } as unknown as SweepReport;
  // What uses promise holds a repository being deleted; the retention rules do not (docs/sweep.md, purge-repository).
  const judged = judgeSweep({ before, after: sim.snapshot(), report: asRun, truth: sim.truth, at, promises: sim.promises, notice: false, usesOnly: true });
  sim.violations.push(...judged.violations.map((v) => v.replace('by the sweep', 'by purge-repository')));
  for (const [d] of before) {
    const promised = sim.truth.promised.get(d);
    if (!sim.present(d) && promised !== undefined && at < promised) sim.violation(`${short(d)} deleted by purge-repository before the ${new Date(promised).toISOString()} its notice promised`);
  }
  sim.stats.deleted += judged.deleted;
}
