import { LiveSweepAws } from '../../src/adapters/aws/sweep-aws.js';
import { sweep } from '../../src/app/sweep/sweep.js';
import { purgeRepository } from '../../src/app/sweep/purge.js';
import type { SweepStore } from '../../src/app/ports.js';
import type { SweepReport } from '../../src/app/sweep/report.js';
import { RefusedError, UnreadableReachError } from '../../src/errors.js';
import { judgeSweep } from './oracle.js';
import { short, type Sim } from './sim.js';
import type { Delivery } from './timeline.js';
import { REPO, SCOPE } from './world.js';

/** The invocation died (a timeout, out of memory) right after ECR acted on the run's first deleting call. */
class Died extends Error {}

/**
 * The nightly sweep of the registry, as deployed (deleting, organisation-wide when the world has a member), judged.
 * With a fault, its first deleting or archiving call goes wrong after ECR acted: the response is lost (the run goes
 * on), or the invocation dies before it records the response (the next run that holds the lock must record it).
 */
export async function sweepNow(sim: Sim, raced: readonly string[] = [], fault?: 'lostResponse' | 'dies'): Promise<void> {
  sim.stats.sweeps += 1;
  const before = new Map(sim.snapshot());
  const at = sim.nowMs();
  const { ledger, config } = sim;
  const runId = `night-${sim.iso()}-${sim.stats.sweeps}`;
  const aws = new LiveSweepAws(sim.registry.clients(), sim.caller(), SCOPE, config, sim.now);
  const { faults } = sim.registry;
  if (fault === 'lostResponse') for (const api of ACTING) faults.loseResponse(api, 1);
  let report;
  try {
    report = await sweep({
      store: fault === 'dies' ? diesAfterFirstCall(ledger.sweep) : ledger.sweep, events: ledger.events, aws, config, clock: sim.now, index: ledger.usageIndex(), runs: ledger.runs, deletions: sim.deletions, announcements: ledger.announcements,
      ...(sim.organization && { members: sim.organization }),
    }, SCOPE, { dryRun: false, runId });
  } catch (error) {
    if (error instanceof Died) return died(sim, { before, at, runId });
    if (!(error instanceof RefusedError)) throw error;
    sim.stats.refused += 1; // a stale ledger: refusing is keeping
    return;
  } finally {
    for (const api of ACTING) faults.lostResponses.delete(api); // a fault the run did not meet is not left for the next
  }
  if (report.skippedByCap > 0) sim.lastCapped = at;
  // Its live read saw every open use of the registry's account and of each member it could read.
  heardByLiveRead(sim);
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
  await settledSinceDeath(sim);
}

const ACTING = ['ecr:BatchDeleteImage', 'ecr:UpdateImageStorageClass'];

const heardByLiveRead = (sim: Sim) => {
  for (const accountId of [SCOPE.accountId, ...sim.members().filter((m) => !m.down).map((m) => m.scope.accountId)]) sim.truth.heardAll(accountId);
};

/** The ledger as a run sees it whose invocation dies once ECR acted on its first call, before the response is recorded. */
function diesAfterFirstCall(store: SweepStore): SweepStore {
  let called = false;
  return new Proxy(store, {
    get: (target, prop, receiver) => {
      if (prop === 'recordIntents') return async (...args: Parameters<SweepStore['recordIntents']>) => { await target.recordIntents(...args); called = true; };
      if (prop === 'recordAudit') return async (...args: Parameters<SweepStore['recordAudit']>) => { if (called) throw new Died('the invocation died'); await target.recordAudit(...args); };
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A run died after ECR acted: what ECR did is judged now by the truth; its record is owed by the next run. */
function died(sim: Sim, o: { before: ReadonlyMap<string, string>; at: number; runId: string }): void {
  heardByLiveRead(sim); // its live read came before the call
  sim.lastCapped = o.at; // it did not finish: what it would have deleted waits for the next night
  const after = sim.snapshot();
  const changes = new Map<string, 'deleted' | 'archived'>();
  for (const [d, status] of o.before) {
    if (!after.has(d)) changes.set(d, 'deleted');
    else if (after.get(d) === 'ARCHIVED' && status !== 'ARCHIVED') changes.set(d, 'archived');
  }
  const asDone = { images: [...changes].map(([imageDigest, outcome]) => ({ imageDigest, outcome })), alreadyGone: [], failures: [] } as unknown as SweepReport;
  const judged = judgeSweep({ before: o.before, after, report: asDone, truth: sim.truth, at: o.at, promises: sim.promises, notice: sim.config.notice !== undefined });
  sim.violations.push(...judged.violations);
  sim.stats.deleted += judged.deleted;
  sim.stats.archived += judged.archived;
  if (changes.size > 0) sim.unsettled.push({ runId: o.runId, changes });
}

/** (3) After a run that held the lock: every change a dead run made is in the audit trail as what ECR did. */
async function settledSinceDeath(sim: Sim): Promise<void> {
  if (sim.unsettled.length === 0) return;
  const audit = await sim.ledger.sweep.audit(SCOPE, { now: sim.iso() });
  for (const { runId, changes } of sim.unsettled.splice(0)) {
    for (const [d, outcome] of changes) {
      const record = audit.find((r) => r.runId === runId && r.imageDigest === d);
      if (record?.status !== outcome) sim.violation(`${short(d)} was ${outcome} by run ${runId}, which died; after the next run its record says ${record?.status ?? 'nothing'}`);
    }
  }
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
