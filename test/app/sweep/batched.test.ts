import { afterEach, describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { sweepInBatches } from '../../../src/app/sweep/batched.js';
import { runFreedBytes } from '../../../src/app/sweep/run-freed.js';
import { digest } from '../../fixtures/account-builder.js';
import { day, HOST, SCOPE, SweepWorld } from '../../fixtures/sweep-world.js';

let world: SweepWorld;
afterEach(async () => world?.close());

/** Every image names a base layer of 600 kB they all share and a layer of its own of 400 kB. */
const layered = (name: string) => ({ schemaVersion: 2, config: { digest: digest(`${name}-config`), size: 0 }, layers: [{ digest: digest('base'), size: 600_000 }, { digest: digest(`${name}-own`), size: 400_000 }] });

/** Six repositories with two unused images each, and one image a service runs. */
async function registry(config: object = {}) {
  world = await SweepWorld.start({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 1, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }], ...config });
  for (const r of ['a', 'b', 'c', 'd', 'e', 'f']) { world.image(r, `${r}-old-1`, [], 30, {}, layered(`${r}-old-1`)); world.image(r, `${r}-old-2`, [], 30, {}, layered(`${r}-old-2`)); }
  world.image('c', 'c-live', ['live'], 30, {}, layered('c-live'));
  const td = world.account.ecs.addTaskDefinition('svc', 1, { svc: `${HOST}/c:live` });
  world.account.ecs.addService('prod', { serviceName: 'svc', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  await world.ready();
}

/** One delivery of the run: `batches` batches fit in it (the time left drops below the reserve after them). */
function delivery(runId: string, continuing: boolean, batches: number, dryRun = false, invocations?: number) {
  let done = 0;
  const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, world.config, () => day(3));
  return sweepInBatches({
    store: world.ledger.sweep, events: world.ledger.events, aws, config: world.config, clock: () => day(3), index: world.ledger.usageIndex(), progress: world.ledger.sweepProgress,
    timeLeft: () => (++done < batches ? 600_000 : 0),
  }, SCOPE, { dryRun, runId, continuing, batchRepositories: 2, ...(invocations !== undefined && { invocations }) });
}

/** One invocation of the run that is not a duplicate delivery. */
async function invocation(runId: string, continuing: boolean, batches: number, dryRun = false, invocations?: number) {
  const result = await delivery(runId, continuing, batches, dryRun, invocations);
  if ('duplicate' in result) throw new Error(result.duplicate);
  return result;
}

describe('a sweep that fans out over invocations (repository batches)', () => {
  it('goes on where the last invocation stopped, under one lease and one run id, and reports the whole run at the end', async () => {
    await registry();
    const first = await invocation('run-1', false, 1);
    expect(first.finished).toBe(false);
    expect(first.report.images.map((i) => i.repositoryName).sort()).toEqual(['a', 'a', 'b', 'b']);
    // Between invocations the lease is held: another run cannot start.
    expect((await world.ledger.sweep.acquireLock(SCOPE, 'intruder', day(3).toISOString(), day(4).toISOString())).acquired).toBe(false);
    const second = await invocation('run-1', true, 1);
    expect(second.finished).toBe(false);
    const last = await invocation('run-1', true, 5);
    expect(last.finished).toBe(true);
    expect(last.report.totals.images).toBe(12);
    expect(last.report.images).toHaveLength(12);
    expect(world.exists('c', 'c-live')).toBe(true);
    // What the whole run freed: the 12 images' own layers (4.8 MB summed from ECR's side: 12 x 400 kB); the base stays
    // with c-live. The images deleted in earlier invocations come from the audit, their layers from the run's parts.
    expect(last.report.images.every((i) => i.layers !== undefined)).toBe(true);
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((r) => [`${r}-old-1`, `${r}-old-2`]).concat('c-live');
    const left = names.filter((n) => world.exists(n[0]!, n)).map((n) => ({ repositoryName: n[0]!, imageDigest: digest(n), layers: [layered(n).config, ...layered(n).layers] }));
    expect(left.map((i) => i.imageDigest)).toEqual([digest('c-live')]);
    expect(runFreedBytes(last.report, left)).toEqual({ bytesFreed: 12 * 400_000, bytesFreedByRepository: { a: 800_000, b: 800_000, c: 800_000, d: 800_000, e: 800_000, f: 800_000 } });
    const audit = await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() });
    expect(new Set(audit.map((r) => r.runId))).toEqual(new Set(['run-1']));
    expect(await world.ledger.sweepProgress.loadProgress(SCOPE, 'run-1')).toBeUndefined();
    expect((await world.ledger.sweep.acquireLock(SCOPE, 'next', day(3).toISOString(), day(4).toISOString())).acquired).toBe(true);
  });

  it('a continuation delivered twice runs once: the second delivery finds the cursor moved and deletes nothing', async () => {
    await registry();
    const first = await invocation('run-5', false, 1);
    expect(first.invocations).toBe(1);
    const second = await invocation('run-5', true, 1, false, first.invocations);
    expect(second.report.images.map((i) => i.repositoryName).sort()).toEqual(['c', 'c', 'd', 'd']);
    const deleted = world.account.ecr.deleted.length;
    // SQS delivers the same message (queued after invocation 1) again, after the run moved on.
    expect(await delivery('run-5', true, 5, false, first.invocations)).toEqual({ duplicate: 'run run-5 was already continued (invocation 2 took it): this delivery does nothing' });
    expect(world.account.ecr.deleted.length).toBe(deleted);
    const last = await invocation('run-5', true, 5, false, second.invocations);
    expect(last.finished).toBe(true);
    expect(last.report.totals.images).toBe(12);
  });

  it('two deliveries of one continuation at the same time: one claims it, the other does nothing', async () => {
    await registry();
    const first = await invocation('run-6', false, 1);
    const both = await Promise.all([delivery('run-6', true, 5, false, first.invocations), delivery('run-6', true, 5, false, first.invocations)]);
    expect(both.filter((r) => 'duplicate' in r)).toHaveLength(1);
    const ran = both.find((r) => !('duplicate' in r)) as Exclude<typeof both[number], { duplicate: string }>;
    expect(ran.finished).toBe(true);
    expect(world.account.ecr.deleted).toHaveLength(12);
  });

  it('holds one deletion cap across the invocations', async () => {
    await registry({ sweep: { maxDeletionsPerRun: 3, minimumImageAgeHours: 0 } });
    await invocation('run-2', false, 1);
    const last = await invocation('run-2', true, 10);
    expect(last.finished).toBe(true);
    const gone = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((r) => [`${r}-old-1`, `${r}-old-2`]).filter((n) => !world.exists(n.split('-')[0]!, n));
    expect(gone).toHaveLength(3);
    expect(last.report.skippedByCap).toBe(9);
  });

  it('refuses to continue a run whose lease another run took, deleting nothing more', async () => {
    await registry();
    await invocation('run-3', false, 1);
    await world.ledger.sweep.releaseLock(SCOPE, 'run-3');
    expect((await world.ledger.sweep.acquireLock(SCOPE, 'other', day(3).toISOString(), day(4).toISOString())).acquired).toBe(true);
    const before = world.account.ecr.deleted.length;
    await expect(invocation('run-3', true, 5)).rejects.toThrow(/run run-3 lost the run lock/);
    expect(world.account.ecr.deleted.length).toBe(before);
  });

  it('a dry run continues too, deletes nothing in any of its invocations, and its finished record is the whole run (issue 34)', async () => {
    await registry();
    const whole = await invocation('dry-whole', false, 10, true); // the same world in one invocation
    expect(whole.finished).toBe(true);
    const first = await invocation('dry-1', false, 1, true);
    expect(first.finished).toBe(false);
    expect(first.report.totals.images).toBe(4);
    const second = await invocation('dry-1', true, 1, true);
    expect(second.finished).toBe(false);
    const last = await invocation('dry-1', true, 5, true);
    expect(last.finished).toBe(true);
    expect(last.report.totals).toEqual(whole.report.totals);
    expect(last.report.images.map((i) => i.imageDigest).sort()).toEqual(whole.report.images.map((i) => i.imageDigest).sort());
    expect(last.report.totals.images).toBe(12);
    expect(world.account.ecr.deleted).toEqual([]);
    expect((await world.ledger.sweep.acquireLock(SCOPE, 'next', day(3).toISOString(), day(4).toISOString())).acquired).toBe(true);
  });
});
