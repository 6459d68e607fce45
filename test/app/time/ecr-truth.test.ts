import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';
import { reconcileWorld, SCOPE, sweepWorld } from '../../fixtures/events/live-runs.js';
import { awsError } from '../../fakes/faults.js';
import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';

/**
 * ECR is the truth at the moment of acting (issue 29): decisions made on the ledger's old record of an image, where
 * ECR or the event stream already said something newer. The oracle of every test is the fake ECR — whether the image
 * is still there — never the ledger or explain.
 */
const HOUR = 3_600_000;
const embedded = embeddedLedger('each');
const rules = (rule: Record<string, unknown>, sweepSection: Record<string, unknown> = {}) => parseConfig({
  repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0, ...rule }], sweep: { minimumImageAgeHours: 0, ...sweepSection },
});

const reconcile = (world: World, config: Config) => reconcileWorld(embedded.ledger, world, config);
const sweepNow = (world: World, config: Config, runId: string, clock?: () => Date) => sweepWorld(embedded.ledger, world, config, runId, clock);

/** A job family whose revision 1 (image v1) only a task keeps: revision 2 is the newest. */
async function jobWorld(): Promise<{ world: World; v1: string }> {
  const world = new World(embedded.ledger);
  await world.push('job', 'v1');
  await world.push('job', 'v2');
  await world.register('job', 1, { main: `${HOST}/job:v1` });
  await world.register('job', 2, { main: `${HOST}/job:v2` });
  return { world, v1: world.account.ecr.digestOf('job', 'v1')! };
}
/** ECR's record of one image, as the fake holds it. */
async function describeOne(world: World, imageDigest: string) {
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ecr');
  const found = await world.account.ecr.client.send(new DescribeImagesCommand({ repositoryName: 'app', imageIds: [{ imageDigest }] }));
  return found.imageDetails![0]!;
}
const forgetTasks = (world: World) => world.account.ecs.clusters.get(world.account.ecs.clusterArn('prod'))!.tasks.clear();

describe('a stop is stored whoever sees it first (point 1)', () => {
  const config = rules({});

  it('the reconcile reads the task STOPPED before its event: the late event is older news, and the image still keeps its retention', async () => {
    const { world, v1 } = await jobWorld();
    await world.task('nightly', 'job', 1, 'RUNNING');
    world.tick();
    const stopped = await world.task('nightly', 'job', 1, 'STOPPED', undefined, { held: true });
    world.tick(0.25);
    await reconcile(world, config); // reads the task STOPPED first
    await world.deliver(stopped); // then the event, older news than the picture
    forgetTasks(world);
    world.tick(2);
    await reconcile(world, config); // ECS no longer lists the task
    const report = await sweepNow(world, config, 'two-hours-after');
    expect(report.images.map((i) => i.imageDigest)).not.toContain(v1);
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(23);
    await reconcile(world, config);
    await sweepNow(world, config, 'a-day-after');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false); // the retention ended: it goes
  });

  it('the STOPPED event is lost: the reconcile that read the task STOPPED keeps the retention', async () => {
    const { world, v1 } = await jobWorld();
    await world.task('nightly', 'job', 1, 'RUNNING');
    world.tick();
    await world.task('nightly', 'job', 1, 'STOPPED', undefined, { held: true }); // never delivered
    await reconcile(world, config);
    forgetTasks(world);
    world.tick(2);
    await reconcile(world, config);
    await sweepNow(world, config, 'night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
  });

  it('the task vanishes between two reconciles (running in one, unlisted in the next, no event): kept for the retention from the read', async () => {
    const { world, v1 } = await jobWorld();
    await world.task('nightly', 'job', 1, 'RUNNING', undefined, { held: true });
    await reconcile(world, config);
    world.tick();
    forgetTasks(world); // stopped and forgotten unseen
    await reconcile(world, config);
    const readAt = world.now;
    world.tick(20);
    await reconcile(world, config);
    await sweepNow(world, config, 'night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    expect((await embedded.ledger.load(SCOPE)).history.get(`job@${v1}`)?.protectedUntil).toBe(new Date(Date.parse(readAt) + 24 * HOUR).toISOString());
  });

  it('the reconcile reads a task stopped exactly a retention ago (its STOPPED event lost): grace counts from the end of the retention (found by the simulator, seed 238)', async () => {
    const graceful = rules({ graceDays: 1 });
    const { world, v1 } = await jobWorld();
    await world.task('nightly', 'job', 1, 'RUNNING');
    await world.task('nightly', 'job', 1, 'STOPPED', undefined, { held: true }); // lost
    world.tick(24);
    await reconcile(world, graceful); // ECS still lists it STOPPED; its retention ends now
    await sweepNow(world, graceful, 'night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true); // a day of grace from the end of the retention
    world.tick(25);
    await reconcile(world, graceful);
    await sweepNow(world, graceful, 'next-night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });

  it('graceDays 1 and 72 h retention: kept 50 h after the stop the reconcile saw first', async () => {
    const longer = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 }, ecs: { stoppedTaskRetentionHours: 72 } });
    const { world, v1 } = await jobWorld();
    await world.task('nightly', 'job', 1, 'RUNNING');
    world.tick();
    const stopped = await world.task('nightly', 'job', 1, 'STOPPED', undefined, { held: true });
    await reconcile(world, longer);
    await world.deliver(stopped);
    forgetTasks(world);
    world.tick(24);
    await reconcile(world, longer); // daily: the task is gone, the image unprotected from here
    world.tick(25);
    await reconcile(world, longer);
    world.tick(1);
    await sweepNow(world, longer, 'night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
  });

  it('the sweep\'s own read is the first to see the stop (its event lost, no reconcile since): grace counts from the end of the retention (found by the simulator, seed 96)', async () => {
    const graceful = rules({ graceDays: 1 }, { maxLedgerAgeHours: 100 });
    const { world, v1 } = await jobWorld();
    await reconcile(world, graceful);
    await world.task('nightly', 'job', 1, 'RUNNING');
    await world.task('nightly', 'job', 1, 'STOPPED', undefined, { held: true }); // lost
    world.tick(30);
    await sweepNow(world, graceful, 'night'); // ECS still lists the task STOPPED; the ledger still has it running
    expect(world.account.ecr.hasImage('job', v1)).toBe(true); // the retention ended 6 h ago: a day of grace from then
    forgetTasks(world); // and the stop the sweep read is remembered once ECS forgets it
    world.tick(12);
    await sweepNow(world, graceful, 'later');
    expect(world.account.ecr.hasImage('job', v1)).toBe(true);
    world.tick(7);
    await sweepNow(world, graceful, 'next-night');
    expect(world.account.ecr.hasImage('job', v1)).toBe(false);
  });
});

describe('the last-moment read is authoritative for the image itself', () => {
  it('a held digest pushed again at the instant a reconcile rewrote it: its grace restarts at that push all the same (found by the simulator, seed 4170)', async () => {
    const config = rules({ graceDays: 2 }, { maxLedgerAgeHours: 100 });
    const world = new World(embedded.ledger);
    const v3 = await world.push('app', 'v3');
    world.account.ecr.addImage('app', { ...(await describeOne(world, v3)), lastRecordedPullTime: new Date(world.now) } as never); // pulled: the reconcile rewrites the image
    world.tick(30);
    await reconcile(world, config);
    await world.push('app', 'v2', 'app-v3'); // the same digest under another tag, at the reconcile's instant: its PUSH is the only news
    world.tick(24);
    await sweepNow(world, config, 'a-day-after-the-push');
    expect(world.account.ecr.hasImage('app', v3)).toBe(true); // two days of grace from the push
    world.tick(25);
    await sweepNow(world, config, 'two-days-after-the-push');
    expect(world.account.ecr.hasImage('app', v3)).toBe(false);
  });

  it('a digest deleted and pushed again, its DELETE lost: the new push time counts (point 2), push event delivered or not', async () => {
    const config = rules({ graceDays: 7 }, { minimumImageAgeHours: 24 });
    for (const pushEvent of ['delivered', 'lost'] as const) {
      const world = new World(embedded.ledger);
      const digest = await world.push(`app-${pushEvent}`, 'v1');
      await reconcile(world, config);
      world.tick(24 * 10);
      await reconcile(world, config);
      world.account.ecr.removeImage(`app-${pushEvent}`, digest); // deleted; its DELETE event is lost
      const pushedAt = new Date(world.now);
      world.account.ecr.retag(`app-${pushEvent}`, 'v1', digest, { imagePushedAt: pushedAt, imageSizeInBytes: 10_000_000, imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
      if (pushEvent === 'delivered') await world.deliver({ ...(world.events[0] as object), id: 'repush', time: world.now });
      world.tick(0.5);
      await sweepNow(world, config, `repush-${pushEvent}`);
      expect(world.account.ecr.hasImage(`app-${pushEvent}`, digest), `push event ${pushEvent}`).toBe(true);
    }
  });

  it('deleteArchivedAfterDays counts from ECR\'s lastArchivedAt: restored and archived again by hand, events lost (point 3)', async () => {
    const config = rules({ action: 'archive', deleteArchivedAfterDays: 30 });
    const world = new World(embedded.ledger);
    world.account.ecr.clock = () => new Date(world.now);
    const digest = await world.push('preview', 'pr-1');
    await reconcile(world, config);
    await sweepNow(world, config, 'archives');
    expect(world.account.ecr.statusOf('preview', digest)).toBe('ARCHIVED');
    world.tick(24 * 30.5);
    await reconcile(world, config); // the daily reconcile, before what follows
    world.tick(2);
    // Restored and archived again outside ecr-ledger; neither event reaches the ledger.
    const storageClass = async (targetStorageClass: 'STANDARD' | 'ARCHIVE') => world.account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: 'preview', imageId: { imageDigest: digest }, targetStorageClass }));
    await storageClass('STANDARD');
    world.account.ecr.activate('preview', digest);
    world.tick();
    await storageClass('ARCHIVE');
    world.tick(6);
    await sweepNow(world, config, 'day-31');
    expect(world.account.ecr.hasImage('preview', digest)).toBe(true); // archived hours ago, as ECR says
    world.tick(24 * 30);
    await reconcile(world, config);
    await sweepNow(world, config, 'day-61');
    expect(world.account.ecr.hasImage('preview', digest)).toBe(false);
  });

  it('the ledger stamps an archive with the time of the call, not of the run\'s start (point 3)', async () => {
    const config = rules({ action: 'archive' });
    const world = new World(embedded.ledger);
    const digest = await world.push('preview', 'pr-1');
    await reconcile(world, config);
    const start = Date.parse(world.now);
    let calls = 0;
    const clock = () => new Date(start + (calls++ === 0 ? 0 : 20 * 60_000)); // the run starts; its calls come 20 minutes later
    await sweepNow(world, config, 'slow', clock);
    const held = (await embedded.ledger.load(SCOPE)).facts.images.find((i) => i.imageDigest === digest);
    expect(held?.lastArchivedAt).toBe(new Date(start + 20 * 60_000).toISOString());
  });

  it('an image being restored (ACTIVATING) is kept under a rule that deletes (point 4)', async () => {
    const config = rules({ action: 'delete' });
    const world = new World(embedded.ledger);
    const digest = await world.push('app', 'old');
    await reconcile(world, config);
    world.account.ecr.addImage('app', { imageDigest: digest, imageTags: ['old'], imagePushedAt: new Date('2026-10-01T00:00:00Z'), imageSizeInBytes: 10_000_000, imageStatus: 'ACTIVATING', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' });
    world.tick();
    const report = await sweepNow(world, config, 'night');
    expect(world.account.ecr.hasImage('app', digest)).toBe(true);
    expect(report.images).toEqual([]);
  });
});

describe('one record per image, per action, from ECR\'s answer', () => {
  it('a run that archives by default but deletes archived images says deleted, in the report and the run log (point 5)', async () => {
    const config = rules({}, { action: 'archive', deleteArchivedAfterDays: 30 });
    const world = new World(embedded.ledger);
    world.account.ecr.clock = () => new Date(world.now);
    const digests = [await world.push('preview', 'a'), await world.push('preview', 'b'), await world.push('preview', 'c')];
    await reconcile(world, config);
    const first = await sweepNow(world, config, 'archives');
    expect(first.totals).toMatchObject({ images: 3, archived: 3, deleted: 0 });
    world.tick(24 * 31);
    await reconcile(world, config);
    const second = await sweepNow(world, config, 'deletes');
    expect(digests.map((d) => world.account.ecr.hasImage('preview', d))).toEqual([false, false, false]);
    expect(second.totals).toMatchObject({ images: 3, deleted: 3, archived: 0 });
    expect(second.images.map((i) => [i.action, i.outcome])).toEqual([['delete', 'deleted'], ['delete', 'deleted'], ['delete', 'deleted']]);
    const logged = await embedded.ledger.runs.run('deletes', world.now);
    expect(logged?.summary).toMatchObject({ images: 3, deleted: 3, archived: 0 });
    expect(logged?.images.map((i) => i.outcome)).toEqual(['deleted', 'deleted', 'deleted']);
  });

  it('a run that deletes by default with a rule that archives says archived (point 5)', async () => {
    const config = rules({ action: 'archive' }, { action: 'delete' });
    const world = new World(embedded.ledger);
    world.account.ecr.clock = () => new Date(world.now);
    await world.push('preview', 'a');
    await world.push('preview', 'b');
    await reconcile(world, config);
    const report = await sweepNow(world, config, 'archives');
    expect(report.totals).toMatchObject({ images: 2, archived: 2, deleted: 0 });
    expect((await embedded.ledger.runs.run('archives', world.now))?.images.map((i) => i.outcome)).toEqual(['archived', 'archived']);
  });

  it('archiving an image that just went is "already gone": not archived in the report, the audit, the run log or the ledger (point 8)', async () => {
    const config = rules({ action: 'archive' });
    const world = new World(embedded.ledger);
    const digest = await world.push('preview', 'a');
    await reconcile(world, config);
    // Deleted by someone else between the live read and the call.
    world.account.faults.failAt('ecr:UpdateImageStorageClass', 1, () => {
      world.account.ecr.removeImage('preview', digest);
      return awsError('ImageNotFoundException', `The image with imageId {imageDigest:'${digest}'} does not exist within the repository`);
    });
    const report = await sweepNow(world, config, 'night');
    expect(report.totals).toMatchObject({ images: 0, archived: 0, alreadyGone: 1 });
    expect(report.alreadyGone.map((i) => i.outcome)).toEqual(['already gone']);
    const audit = await embedded.ledger.sweep.audit(SCOPE, { now: world.now });
    expect(audit.map((r) => r.status)).toEqual(['already-gone']);
    expect((await embedded.ledger.runs.run('night', world.now))?.images.map((i) => i.outcome)).toEqual(['already gone']);
    expect((await embedded.ledger.load(SCOPE)).facts.images.find((i) => i.imageDigest === digest)).toBeUndefined();
  });
});
