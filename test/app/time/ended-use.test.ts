import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { digest } from '../../fixtures/account-builder.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';
import { reconcileWorld, SCOPE, sweepWorld } from '../../fixtures/events/live-runs.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { runAt } from '../../support/cli.js';

/**
 * A use that ends while its news is lost (found by the simulator, seed 284): a scheduled job's only revision names an
 * image the ledger had seen unused a day before; the revision is deregistered and its event never comes. Grace counts
 * from the end of that use, noticed by whoever reads the account first — the sweep's live read, the reconcile, purge —
 * never from the stamp of before the use. The oracle is the fake ECR.
 */
const embedded = embeddedLedger('each');
const config: Config = parseConfig({
  repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 },
});

const reconcile = (world: World) => reconcileWorld(embedded.ledger, world, config);
const sweepNow = (world: World, runId: string) => sweepWorld(embedded.ledger, world, config, runId);

/** v1 pushed and seen unused by a reconcile; a day later a scheduled job's one revision names it; then it is deregistered, unheard. */
async function retiredSchedule(): Promise<{ world: World; v1: string }> {
  const world = new World(embedded.ledger);
  const v1 = await world.push('job', 'v1');
  await reconcile(world);
  world.tick(24);
  await world.register('cron', 1, { main: `${HOST}/job:v1` });
  world.tick(1);
  const td = world.account.ecs.taskDefinitions.get('cron:1')!;
  world.account.ecs.taskDefinitions.set('cron:1', { ...td, status: 'INACTIVE' }); // DeregisterTaskDefinition: its event is lost
  return { world, v1 };
}

describe('a use whose end is unheard counts its grace from when it is first seen ended', () => {
  it('the sweep\'s live read sees the revision deregistered: the image is kept a day (graceDays 1), then goes', async () => {
    const { world, v1 } = await retiredSchedule();
    const first = await sweepNow(world, 'right-after');
    expect(first.images.map((i) => i.imageDigest)).not.toContain(v1);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(6);
    await sweepNow(world, 'six-hours-after'); // the first sweep stamped the end it saw: grace still runs
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(19);
    // The reconcile reads the end too, and cannot tell when it came: its clock starts then (keeping longer is the safe side).
    await reconcile(world);
    await sweepNow(world, 'a-day-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(25);
    await reconcile(world);
    await sweepNow(world, 'two-days-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });

  it('the reconcile sees it first: the unprotected clock starts at that reconcile, not at the one before the use', async () => {
    const { world, v1 } = await retiredSchedule();
    await reconcile(world);
    await sweepNow(world, 'right-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(25);
    await reconcile(world);
    await sweepNow(world, 'a-day-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });
});

describe('a use only a sweep has seen is stored, so its end is noticed (found by the simulator, seed 689)', () => {
  it('a function version whose events are lost, seen by a sweep, then deleted unheard: its image keeps a day of grace from the next read', async () => {
    const world = new World(embedded.ledger);
    const v1 = await world.push('job', 'v1');
    await reconcile(world);
    world.tick(24);
    await reconcile(world); // v1 unused for a day: deletable under graceDays 1
    // A function version runs v1; its CloudTrail events are lost.
    world.account.lambda.addVersion('fn', '$LATEST', { imageUri: `${HOST}/job:v1`, resolvedImageUri: `${HOST}/job@${v1}` });
    world.account.lambda.addVersion('fn', '1', { imageUri: `${HOST}/job:v1`, resolvedImageUri: `${HOST}/job@${v1}` });
    await sweepNow(world, 'sees-the-function'); // its live read sees the function: v1 kept
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(1);
    world.account.lambda.functions.delete('fn'); // DeleteFunction: its event lost too
    world.tick(1);
    await sweepNow(world, 'function-gone'); // the function is gone: a day of grace from this read
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(20);
    await sweepNow(world, 'within-grace');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    // Each read that finds the stored version gone restarts the clock until a reconcile drops it (the safe side).
    world.tick(5);
    await reconcile(world);
    world.tick(25);
    await reconcile(world);
    await sweepNow(world, 'after-grace');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });
});

describe('purge-repository judges the same way', () => {
  it('a revision deregistered since the ledger\'s last reconcile refuses the purge within graceDays', async () => {
    const a = new FakeAccount(SCOPE.accountId, SCOPE.region);
    a.ecr.addRepository('stack-repo');
    a.ecr.addImage('stack-repo', { imageDigest: digest('job'), imageTags: ['job'], imagePushedAt: new Date('2026-10-01T00:00:00Z'), imageSizeInBytes: 1 });
    a.ecs.addTaskDefinition('cron', 1, { main: `${SCOPE.accountId}.dkr.ecr.${SCOPE.region}.amazonaws.com/stack-repo:job` });
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-ended-')), 'ledger');
    expect((await runAt('2026-11-19T00:00:00Z', ['reconcile', '--ledger', ledger, '--quiet'], { account: a })).code).toBe(0);
    const td = a.ecs.taskDefinitions.get('cron:1')!;
    a.ecs.taskDefinitions.set('cron:1', { ...td, status: 'INACTIVE' });
    const refused = await runAt('2026-11-20T00:00:00Z', ['purge-repository', 'stack-repo', '--ledger', ledger, '--force'], { account: a });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('its last use ended 2026-11-20T00:00:00.000Z, within graceDays');
    expect(a.ecr.hasImage('stack-repo', digest('job'))).toBe(true);
  });
});
