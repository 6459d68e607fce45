import { describe, expect, it } from 'vitest';
import type { EventLedger } from '../../../src/app/ports.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig, type Config } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';
import { clockOf, reconcileWorld, SCOPE, sweepAws } from '../../fixtures/events/live-runs.js';

/**
 * A running task the ledger never heard of (its RUNNING event lost), seen by a sweep's live read (found by the
 * simulator, seed 3005): the sweep stores it, so that the ledger names the image's user — an outside deletion of the
 * image is then told — and a second sweep, the task now held, writes nothing. Oracle: the fake ECR and what the
 * sweep asked the ledger to write.
 */
const embedded = embeddedLedger('each');
const config: Config = parseConfig({
  repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 },
});

/** Sweeps the world, counting the task items the sweep writes. */
async function sweepCountingTasks(world: World, runId: string): Promise<string[]> {
  const written: string[] = [];
  const events = new Proxy(embedded.ledger.events, {
    get: (target, prop, receiver) => (prop === 'applyFact'
      ? (...args: Parameters<EventLedger['applyFact']>) => { if (args[1] === 'task') written.push(args[2]); return target.applyFact(...args); }
      : Reflect.get(target, prop, receiver)),
  });
  await sweep({ store: embedded.ledger.sweep, events, aws: sweepAws(world, config), config, clock: clockOf(world), index: embedded.ledger.usageIndex(), runs: embedded.ledger.runs }, SCOPE, { dryRun: false, runId });
  return written;
}

/** v1 pushed and seen unused by a reconcile (so the sweep's index holds it); then a task runs it. */
async function unusedThenRun(o: { heard: boolean }): Promise<{ world: World; v1: string }> {
  const world = new World(embedded.ledger);
  const v1 = await world.push('job', 'v1');
  await reconcileWorld(embedded.ledger, world, config);
  world.tick(1);
  await world.register('job', 1, { main: `${HOST}/job:v1` });
  await world.task('t1', 'job', 1, 'RUNNING', undefined, { held: !o.heard });
  world.tick(1);
  return { world, v1 };
}

describe('a running task only a sweep has seen', () => {
  it('is stored by the first sweep (its image kept, its user named) and not written again by the second', async () => {
    const { world, v1 } = await unusedThenRun({ heard: false });
    expect(await sweepCountingTasks(world, 'first')).toEqual(['arn:aws:ecs:us-east-1:123456789012:task/prod/t1']);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    const named = await embedded.ledger.usageIndex().image(SCOPE, 'job', v1);
    expect(named.referrers.some((id) => id.endsWith('#task#arn:aws:ecs:us-east-1:123456789012:task/prod/t1'))).toBe(true);
    world.tick(1);
    expect(await sweepCountingTasks(world, 'second')).toEqual([]);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
  });

  it('a task the ledger heard of is not written by the sweep', async () => {
    const { world, v1 } = await unusedThenRun({ heard: true });
    expect(await sweepCountingTasks(world, 'only')).toEqual([]);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
  });
});
