import { describe, expect, it } from 'vitest';
import { purgeRepository } from '../../../src/app/sweep/purge.js';
import { parseConfig, type Config } from '../../../src/config.js';
import { RefusedError } from '../../../src/errors.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';
import { clockOf, reconcileWorld, SCOPE, sweepAws, sweepWorld } from '../../fixtures/events/live-runs.js';

/**
 * A task the ledger holds running whose stop is unheard (found by the simulator, seed 1940): its STOPPED event is lost
 * and ECS has forgotten it by the time the sweep reads the account. It stopped by that read at the latest, so its image
 * is kept for stoppedTaskRetentionHours from then — never judged unused since before the task. Oracle: the fake ECR.
 */
const embedded = embeddedLedger('each');
const config: Config = parseConfig({
  repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 },
});

const aws = (world: World) => sweepAws(world, config);
const reconcile = (world: World) => reconcileWorld(embedded.ledger, world, config);
const sweepNow = (world: World, runId: string) => sweepWorld(embedded.ledger, world, config, runId);

/** v1 pushed and reconciled; a task runs it (heard), stops unheard, and ECS forgets it. */
async function forgottenTask(): Promise<{ world: World; v1: string }> {
  const world = new World(embedded.ledger);
  const v1 = await world.push('job', 'v1');
  await reconcile(world);
  await world.register('job', 1, { main: `${HOST}/job:v1` });
  await world.task('t1', 'job', 1, 'RUNNING');
  world.tick(1);
  await world.task('t1', 'job', 1, 'STOPPED', undefined, { held: true }); // its event is lost
  const cluster = world.account.ecs.clusters.get(world.account.ecs.clusterArn('prod'))!;
  for (const arn of [...cluster.tasks.keys()]) cluster.tasks.delete(arn); // ECS no longer lists it
  // The task definition is deregistered too (its event lost): nothing but the task ever named v1.
  const td = world.account.ecs.taskDefinitions.get('job:1')!;
  world.account.ecs.taskDefinitions.set('job:1', { ...td, status: 'INACTIVE' });
  return { world, v1 };
}

describe('a task the ledger holds running that ECS forgot keeps its image for the retention', () => {
  it('the sweep keeps it stoppedTaskRetentionHours from its read, then deletes it', async () => {
    const { world, v1 } = await forgottenTask();
    const first = await sweepNow(world, 'right-after');
    expect(first.images.map((i) => i.imageDigest)).not.toContain(v1);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(12);
    await sweepNow(world, 'twelve-hours-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(13);
    await reconcile(world); // the reconcile sees the task gone too, and stamps the same end
    world.tick(25);
    await reconcile(world);
    await sweepNow(world, 'two-days-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });

  it('the stop the sweep finds is stored: a later sweep counts the retention from that read, not from its own', async () => {
    const { world, v1 } = await forgottenTask();
    await sweepNow(world, 'first-read'); // the task is gone from ECS: stopped by now at the latest
    world.tick(12);
    await sweepNow(world, 'twelve-hours-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(12.5); // 24.5 h after the first read: its retention is over, and no reconcile came in between
    await sweepNow(world, 'after-the-retention');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });

  it('purge-repository refuses while the retention runs', async () => {
    const { world, v1 } = await forgottenTask();
    const view = await embedded.ledger.sweep.sweepView(SCOPE);
    const deps = { aws: aws(world), config, clock: clockOf(world), ledger: { facts: view.facts, history: view.history, store: embedded.ledger.sweep, events: embedded.ledger.events, index: embedded.ledger.usageIndex() } };
    await expect(purgeRepository(deps, SCOPE, 'job', { dryRun: false, runId: 'purge' })).rejects.toThrow(RefusedError);
    await expect(purgeRepository(deps, SCOPE, 'job', { dryRun: false, runId: 'purge-2' })).rejects.toThrow(/protected until/);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
  });
});
